"""Awaits whose order matters, so DBK130 never suggests running them concurrently."""

from __future__ import annotations

# Awaits whose order is the point, or whose receiver cannot serve two calls at once:
# sleeps and explicit batching (`await asyncio.gather(...)` per chunk), one database
# connection or session (asyncpg raises "another operation is in progress"; an
# AsyncSession is not safe across gather branches), ordered writes to one stream or
# socket, queues and locks; Django's async ORM, which runs every query one at a time on
# one thread anyway. Matched on the method name, as receivers are rarely typed.
SERIAL_PREFIXES = ("asyncio.", "anyio.", "trio.", "asyncpg.", "sqlalchemy.", "aiosqlite.", "databases.")
SERIAL_METHODS = frozenset({
    "sleep", "send", "send_text", "send_bytes", "send_json", "sendall", "write", "writelines", "drain",
    "put", "acquire", "wait", "execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchone",
    "fetchall", "scalar", "scalars", "commit", "flush", "refresh", "delete", "merge", "get_or_create",
    "aget", "acreate", "aget_or_create", "aupdate_or_create", "abulk_create", "abulk_update", "acount",
    "aexists", "afirst", "alast", "aupdate", "adelete", "asave", "arefresh_from_db", "aaggregate", "ain_bulk",
})
# Bare callables with those names are ordered too (an ASGI `send`, a `write` callback);
# database verbs such as `fetch` are not, as a bare `fetch(url)` is the classic case.
SERIAL_FUNCTIONS = frozenset({"sleep", "send", "sendall", "write", "writelines", "drain", "put", "acquire", "wait"})
SERIAL_RECEIVERS = frozenset({"db", "conn", "connection", "cursor", "cur", "tx", "transaction", "database"})
