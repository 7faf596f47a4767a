"""DBK109's constructor swap: a sync redis client becomes `redis.asyncio`, and every
command on it is awaited (codemod `swap_to_async_client`).

The swap is only correct when every use of the client runs on the event loop after it,
so it is offered for a client bound once, by a factory of the `[[swap]]` rows in
`deblock/data/blocking/db_drivers.toml`, to:

* a module-level name used only inside `async def`s of its own module (no other module
  imports it or calls through it);
* a local of one `async def` (closures included when they are `async def`s);
* `self.x`, set in a method of one class (typically `__init__`) and used only in that
  class's `async def` methods (not by subclasses, not from outside as `obj.x`).

Any sync user, a call in a worker thread, a method without an awaitable twin of the same
shape (`pubsub()`, `lock()`, `scan_iter()`, `transaction()`) or an async library other
than asyncio (redis.asyncio runs on asyncio only) keeps the worker-thread fix, and the
message says why. The codemod re-checks every reference with LibCST scopes (the facts
do not record a client passed on as an argument or stored) and falls back to the worker
thread when the swap would not be exact.

sqlite3 -> aiosqlite and pymongo -> AsyncMongoClient are not swapped: aiosqlite needs
`async with`/`await` on connections *and* cursors (`conn.execute(q).fetchall()` becomes
two awaits and a context), and pymongo clients are mostly used through subscripts and
stored `db`/`collection` objects that the facts do not follow; both stay advice-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.knowledge import ClientSwap, client_swaps
from deblock.model import Applicability, Fix, Span
from deblock.rules.blocking._db import normalise

_NO_TWIN = frozenset({"pubsub", "lock", "register_script", "monitor", "transaction", "transaction_context",
                      "get_cache", "json", "ft", "ts", "bf", "cf", "cms", "topk", "tdigest", "graph"})


@dataclass(frozen=True)
class Client:
    kind: str  # "global", "local" or "attr"
    name: str  # `cache`, `r`, `self.r`
    scope: str  # module, function or class qualname
    ctor: Span
    swap: ClientSwap


def _swap(project: Project, callee: str | None) -> ClientSwap | None:
    return client_swaps().get((project.resolve(callee) or callee or "").removesuffix("()"))


def _method(project: Project, call: CallFact) -> str:
    """The call's normalised name, as DBK109 matches it (`redis.Redis.get`)."""
    resolved = project.resolve(call.callee) or call.callee or ""
    name = normalise(resolved)
    return normalise(project.resolve(name) or name) if name != resolved and "()" in name else name


def _on_redis(project: Project, call: CallFact) -> bool:
    return _method(project, call).startswith(("redis.Redis.", "redis.client.Pipeline."))


def _clients(facts: ModuleFacts, project: Project) -> tuple[Client, ...]:
    found = [Client("global", a.name, facts.module, a.value.span, swap) for a in facts.assigns
             if a.value.kind == "call" and a.value.span and (swap := _swap(project, str(a.value.value)))]
    names = {c.name for c in found}
    ctors = [(c, s) for c in facts.calls if c.function != facts.module and (s := _swap(project, c.callee))]
    for call, swap in ctors:
        fn = project.functions.get(call.function)
        if fn is None:
            continue
        cls = project.classes.get(fn.class_qualname or "")
        attrs = [a for a, t in (cls.attribute_types if cls else ()) if _swap(project, t)]
        in_class = [c for c, _ in ctors if (f := project.functions.get(c.function)) is not None
                    and f.class_qualname == fn.class_qualname and not f.is_async]
        if cls is not None and len(attrs) == 1 and len(in_class) == 1 and not fn.is_async:
            found.append(Client("attr", f"self.{attrs[0]}", cls.qualname, call.span, swap))
        elif fn.is_async and [c.function for c, _ in ctors].count(call.function) == 1:
            heads = {c.text.partition(".")[0] for c in facts.calls if c.function == call.function
                     and c.text.count(".") == 1 and _method(project, c).count(".") == 2 and _on_redis(project, c)}
            heads -= names | {"self"}
            if len(heads) == 1:
                found.append(Client("local", heads.pop(), fn.qualname, call.span, swap))
    return tuple(found)


def client_of(call: CallFact, facts: ModuleFacts, project: Project) -> Client | None:
    """The swappable client a DBK109 call is made on, if deblock can tell."""
    clients = project.memo(("redis-clients", facts.path), lambda: _clients(facts, project))
    head, _, rest = call.text.partition(".")
    fn = project.functions.get(call.function)
    if head == "self" and fn is not None:
        name = "self." + rest.partition(".")[0]
        return next((c for c in clients if c.kind == "attr" and c.scope == fn.class_qualname and c.name == name), None)
    local = [c for c in clients if c.kind == "local" and _inside(call.function, c.scope) and c.name == head]
    if local or any(c.kind == "global" and c.name == head for c in clients):
        return (local or [c for c in clients if c.kind == "global" and c.name == head])[0]
    if "pipeline()" not in (call.callee or ""):
        return None
    # A pipeline's call (`pipe.execute()`): the one client whose `pipeline()` this function calls.
    owners = {client_of(c, facts, project) for c in facts.calls if c.function == call.function
              and c.text.endswith(".pipeline") and _on_redis(project, c)}
    return owners.pop() if len(owners) == 1 else None


def _inside(function: str, scope: str) -> bool:
    return function == scope or function.startswith(scope + ".<locals>.")


def _user_problem(client: Client, call: CallFact, where: str) -> str | None:
    method = call.text[len(client.name) + 1:].partition(".")[0] if call.text.startswith(client.name + ".") else ""
    if call.offloaded:
        return f"`{client.name}` is also used in a worker thread"
    if call.function == where or not call.in_async:
        return f"`{client.name}` is also used by sync code (`{call.function.rpartition('.')[2]}`)"
    if method in _NO_TWIN or method.endswith("_iter") or method.startswith("_"):
        return f"`{client.name}.{method}()` has no awaitable twin of the same shape"
    return None


def obstacle(client: Client, facts: ModuleFacts, project: Project) -> str | None:
    """Why swapping `client` would break a caller, or None when every use is async."""
    prefix = client.name + "."
    attr = client.name.removeprefix("self.")
    for module in project if client.kind == "attr" else ():  # `obj.r.get()` outside the class
        for call in module.calls:
            if f".{attr}." in call.text and not call.text.startswith("self.") and _on_redis(project, call):
                return f"`{client.name}` is also used from outside its class (`{call.text}`)"
    for call in facts.calls:
        if not call.text.startswith(prefix) or not _on_redis(project, call):
            continue
        fn = project.functions.get(call.function)
        if client.kind == "local" and not _inside(call.function, client.scope):
            continue
        if client.kind == "attr" and (fn is None or fn.class_qualname != client.scope):
            if fn is not None and fn.class_qualname and client.scope in project.mro(fn.class_qualname):
                return f"`{client.name}` is also used by subclass `{fn.class_qualname.rpartition('.')[2]}`"
            continue
        problem = _user_problem(client, call, facts.module)
        if problem:
            return problem
    outside = f"{client.scope}.{client.name.removeprefix('self.')}"
    for module in project:
        if module is facts and client.kind != "attr":
            continue
        if any(i.target == outside or i.target.startswith(outside + ".") for i in module.imports) or any(
            (c.callee or "").startswith(outside + ".") for c in module.calls
        ):
            return f"`{client.name}` is also used from `{module.module}`"
    return None


def swap_fix(call: CallFact, facts: ModuleFacts, project: Project, library: str, title: str) -> tuple[Fix | None, str]:
    """(the constructor-swap fix, "") or (None, why the swap is not offered)."""
    if not call.in_async or not _on_redis(project, call):
        return None, ""
    client = client_of(call, facts, project)
    if client is None:
        return None, ""
    why = project.memo(("redis-swap", facts.path, client), lambda: obstacle(client, facts, project))
    if why is None and library != "asyncio":
        why = f"redis.asyncio runs on asyncio only (async library: {library})"
    twin = client.swap.async_factory
    if why:
        return None, f"; no swap to `{twin}`: {why}"
    span = client.ctor
    fix = Fix("swap_to_async_client", call.span, title.format(name=client.name, twin=twin), Applicability.UNSAFE,
              (("ctor", f"{span.line}:{span.col}:{span.end_line}:{span.end_col}"), ("library", library),
               ("name", client.name), ("replacement", twin)))
    return fix, ""
