from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import family_findings


class BlockingSocketCallInAsync(Rule):
    """
    ## What it does
    Flags blocking socket I/O, DNS lookups and TLS handshakes on the event loop:
    methods of a `socket.socket` (`connect`, `accept`, `recv*`, `send*`, `sendfile`),
    `socket.create_connection`, resolver functions (`getaddrinfo`, `gethostbyname`,
    `gethostbyaddr`, `getfqdn`, `getnameinfo`), methods of an `ssl.SSLSocket`,
    `SSLContext.wrap_socket`, `ssl.wrap_socket` and `ssl.get_server_certificate`.
    A socket is recognised from its constructor (`s = socket.socket()`,
    `s = socket.create_connection(...)`) or an annotation (`s: socket.socket`).

    ## Why is this bad?
    A blocking socket waits for the network: a slow peer, a full send buffer or an
    unanswered DNS query holds the event loop thread for as long as it takes (DNS
    timeouts are often 5 s or more), and every other task stalls.

    ## Example
    ```python
    import socket

    async def ping(host):
        s = socket.create_connection((host, 7))
        s.sendall(b"ping")
        return s.recv(4)
    ```

    Use instead:
    ```python
    import asyncio

    async def ping(host):
        reader, writer = await asyncio.open_connection(host, 7)
        writer.write(b"ping")
        await writer.drain()
        return await reader.read(4)
    ```

    ## Fix safety
    The fix keeps the call and runs it in a worker thread with
    `await asyncio.to_thread(...)` (anyio/trio per `async-library`). It is unsafe: the
    socket is then used from another thread, and a cancelled task leaves that thread
    blocked until the socket times out. Moving to `asyncio.open_connection`,
    `loop.getaddrinfo` or `loop.sock_*` is the real fix and is left to you.

    ## Known limitations
    A socket set to non-blocking mode (`s.setblocking(False)`) still matches; suppress
    the line. Sockets reached through attributes of unknown type are not resolved.

    ## References
    - [asyncio streams](https://docs.python.org/3/library/asyncio-stream.html#asyncio.open_connection)
    - [loop.getaddrinfo](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.loop.getaddrinfo)
    """

    code = "DBK107"
    message = "Blocking socket call `{callee}` in async function `{function}`"
    fix_title = "Run in a worker thread with `await asyncio.to_thread(...)`"
    fix_availability = FixAvailability.ALWAYS
    applicability = Applicability.UNSAFE
    valid = [
        "import socket\n\ndef ping(host):\n    return socket.gethostbyname(host)\n",
        ("import asyncio\n\nasync def resolve(host):\n    loop = asyncio.get_running_loop()\n"
         "    return await loop.getaddrinfo(host, 443)\n"),
        "async def pump(conn):\n    return conn.recv(1024)\n",
        "import asyncio, socket\n\nasync def resolve(host):\n    return await asyncio.to_thread(socket.getaddrinfo, host, 443)\n",
    ]
    invalid = [
        Invalid(
            "import socket\n\nasync def resolve(host):\n    return socket.getaddrinfo(host, 443)\n",
            fixed="import socket\nimport asyncio\n\nasync def resolve(host):\n"
            "    return await asyncio.to_thread(socket.getaddrinfo, host, 443)\n",
            line=4,
            message="Blocking socket call `socket.getaddrinfo` in async function `resolve`",
        ),
        Invalid(
            "import socket\n\nasync def serve(port):\n    s = socket.socket()\n    s.bind(('', port))\n"
            "    conn, _ = s.accept()\n    return conn\n",
            fixed="import socket\nimport asyncio\n\nasync def serve(port):\n    s = socket.socket()\n"
            "    s.bind(('', port))\n    conn, _ = await asyncio.to_thread(s.accept)\n    return conn\n",
            line=6,
            message="`socket.socket.accept`",
        ),
        Invalid(
            "import ssl\n\nasync def handshake(sock, host):\n    ctx = ssl.create_default_context()\n"
            "    return ctx.wrap_socket(sock, server_hostname=host)\n",
            fixed="import ssl\nimport asyncio\n\nasync def handshake(sock, host):\n    ctx = ssl.create_default_context()\n"
            "    return await asyncio.to_thread(ctx.wrap_socket, sock, server_hostname=host)\n",
            line=5,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from family_findings(self, facts, project)
