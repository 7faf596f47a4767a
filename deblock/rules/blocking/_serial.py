"""Awaits whose order matters, so DBK130 never suggests running them concurrently."""

from __future__ import annotations

from collections import deque

from deblock.analyzer.project import Project

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
    # Awaited log lines and progress reports (an MCP `ctx.warning(...)`, an async logger)
    # go to one reader in order.
    "log", "debug", "info", "warning", "error", "critical", "exception", "report_progress",
})
# Bare callables with those names are ordered too (an ASGI `send`, a `write` callback);
# database verbs such as `fetch` are not, as a bare `fetch(url)` is the classic case.
# A bare `emit(...)`/`event_emitter(...)` callback streams events to one client, like `send`.
SERIAL_FUNCTIONS = frozenset({"sleep", "send", "sendall", "write", "writelines", "drain", "put", "acquire", "wait", "emit"})
SERIAL_FUNCTION_SUFFIXES = ("_emitter", "_send", "_writer")
SERIAL_RECEIVERS = frozenset({"db", "conn", "connection", "cursor", "cur", "tx", "transaction", "database"})

# What marks a helper as talking to a database session or connection (serial_functions).
_DB_PREFIXES = ("asyncpg.", "sqlalchemy.", "aiosqlite.", "databases.")
_DB_METHODS = frozenset({
    "execute", "executemany", "fetchrow", "fetchval", "fetchone", "fetchall", "scalar", "scalars",
    "commit", "flush", "refresh", "merge", "get_or_create",
    "aget", "acreate", "aget_or_create", "aupdate_or_create", "abulk_create", "abulk_update", "acount",
    "aexists", "afirst", "alast", "aupdate", "adelete", "asave", "arefresh_from_db", "aaggregate", "ain_bulk",
})
_MAX_HOPS = 3  # project helpers followed below the awaited call


def independent_call(text: str) -> bool:
    """The call, as written, has no receiver or name that serves one call at a time."""
    receiver, _, method = text.rpartition(".")
    if not receiver:
        return method not in SERIAL_FUNCTIONS and not method.endswith(SERIAL_FUNCTION_SUFFIXES)
    return method not in SERIAL_METHODS and receiver.rpartition(".")[2] not in SERIAL_RECEIVERS


def serial_functions(project: Project) -> frozenset[str]:
    """Project async functions that (within a few hops) await a database session or
    connection: `await Users.update(...)` per item goes through one AsyncSession or one
    Django thread, so gathering those calls fails or gains nothing."""

    def compute() -> frozenset[str]:
        direct: set[str] = set()
        for module in project:
            for call in module.calls:
                if not call.awaited:
                    continue
                resolved = project.resolve(call.callee) or call.callee or ""
                receiver, _, method = call.text.rpartition(".")
                if (resolved.startswith(_DB_PREFIXES) or method in _DB_METHODS
                        or receiver.rpartition(".")[2] in SERIAL_RECEIVERS):
                    direct.add(call.function)
        found = set(direct)
        pending = deque((name, 0) for name in direct)
        graph = project.callgraph
        while pending:
            name, hops = pending.popleft()
            if hops >= _MAX_HOPS:
                continue
            for caller in graph.callers(name):
                fn = project.functions.get(caller)
                if fn is not None and fn.is_async and caller not in found:
                    found.add(caller)
                    pending.append((caller, hops + 1))
        return frozenset(found)

    return project.memo("dbk130-serial-functions", compute)
