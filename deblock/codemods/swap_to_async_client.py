"""Swap a sync redis client for `redis.asyncio` and await every command on it.

The fixes name the client's call sites (one per DBK109 finding); fix arguments:

- `ctor`: span `line:col:end_line:end_col` of the constructor call (`redis.Redis(...)`,
  `redis.StrictRedis(...)`, `redis.from_url(...)`, `redis.Redis.from_url(...)`);
- `replacement`: the async factory (`redis.asyncio.Redis`, from the `[[swap]]` rows);
- `name`: how the client is bound (`cache`, `self.r`);
- `library`: for the fallback below.

The constructor must be assigned to a name (module-level or local) or to `self.x`. Then
every use of that binding in the module must be a method call inside an `async def`:
`r.cmd(...)` -> `await r.cmd(...)`, `r.close()` -> `await r.aclose()`, and pipelines,
whose commands are queued without awaiting: `pipe = r.pipeline()` stays and
`pipe.execute()` is awaited; `with r.pipeline() as pipe:` becomes `async with`; a chain
`r.pipeline().set(...).execute()` is awaited as a whole. Any other use (a sync caller,
the client passed on or stored, `pubsub()`, `lock()`, `scan_iter()`, `transaction()`,
`pipe.watch()`, a lambda or generator expression) makes the swap inexact: the fixed call
sites then run in a worker thread instead (`offload_to_thread`).
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider, ScopeProvider

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary
from deblock.codemods.offload_to_thread import offload_call

# Client methods with no awaitable twin of the same shape (see deblock/rules/blocking/_db.py).
_NOT_SWAPPED = frozenset({
    "pubsub", "lock", "register_script", "monitor", "transaction", "transaction_context", "get_cache",
    "json", "ft", "ts", "bf", "cf", "cms", "topk", "tdigest", "graph", "load_external_module",
    "get_encoder", "get_connection_kwargs", "set_response_callback", "from_url", "from_pool",
    "get_retry", "set_retry",
})
_PIPE_OK = frozenset({"execute", "multi"})  # other coroutine methods of an async pipeline: not swapped


class _Inexact(Exception):
    pass


def _span(text: str) -> tuple[int, int, int, int]:
    line, col, end_line, end_col = (int(p) for p in text.split(":"))
    return line, col, end_line, end_col


class SwapToAsyncClient(SpanCodemod):
    NAME = "swap_to_async_client"
    DESCRIPTION = "Swap a sync redis client for redis.asyncio and await its commands."
    METADATA_DEPENDENCIES = (*SpanCodemod.METADATA_DEPENDENCIES, ScopeProvider)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actions: dict[int, tuple[str, str]] = {}  # id(original node) -> (action, argument)

    def visit_Module(self, node: cst.Module) -> None:
        groups: dict[str, list] = {}
        for fix in self._fixes.values():
            groups.setdefault(fix.arg("ctor"), []).append(fix)
        positions = {}
        for candidate in _findall_calls(node):
            position = self.get_metadata(PositionProvider, candidate, None)
            if position is not None:
                positions[(position.start.line, position.start.column, position.end.line,
                           position.end.column)] = candidate
        for ctor, fixes in groups.items():
            actions: dict[int, tuple[str, str]] = {}
            try:
                call = positions.get(_span(ctor))
                factory = fixes[0].arg("replacement")
                if call is None or not factory.startswith("redis.asyncio."):
                    raise _Inexact
                actions[id(call)] = ("ctor", factory)
                for use in self._uses(call, fixes[0].arg("name")):
                    self._plan_use(use, actions)
            except _Inexact:
                actions = {}
                for fix in fixes:
                    target = positions.get((fix.span.line, fix.span.col, fix.span.end_line, fix.span.end_col))
                    if target is not None:
                        actions[id(target)] = ("offload", fix.arg("library", "asyncio"))
            self.actions.update(actions)
            if actions:
                self.applied.extend(f for f in fixes if f not in self.applied)

    # ------------------------------------------------------------------ analysis
    def _uses(self, call: cst.Call, name: str) -> list[cst.CSTNode]:
        """The expressions naming the client, apart from the assignment that binds it."""
        assign = self.parent(call)
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1 or assign.value is not call:
            raise _Inexact
        target = assign.targets[0].target
        if cst.Module([]).code_for_node(target) != name:
            raise _Inexact
        if isinstance(target, cst.Name):
            scope = self.get_metadata(ScopeProvider, target, None)
            bindings = list(scope.assignments[target.value]) if scope is not None else []
            if len(bindings) != 1 or getattr(bindings[0], "node", None) is not target:
                raise _Inexact
            return [access.node for access in bindings[0].references]
        if isinstance(target, cst.Attribute) and _is_name(target.value, "self"):
            owner = self._enclosing(call, cst.ClassDef)
            if owner is None:
                raise _Inexact
            return [n for n in _attributes(owner, target.attr.value) if n is not target]
        raise _Inexact

    def _plan_use(self, use: cst.CSTNode, actions: dict[int, tuple[str, str]]) -> None:
        method, call = self._method_call(use)
        if method.startswith("_") or method.endswith("_iter") or method in _NOT_SWAPPED:
            raise _Inexact
        self._check_async(call)
        if method == "close":
            actions[id(call)] = ("aclose", "")
        elif method == "pipeline":
            self._plan_pipeline(call, actions)
        else:
            actions[id(call)] = ("await", "")

    def _plan_pipeline(self, call: cst.Call, actions: dict[int, tuple[str, str]]) -> None:
        parent = self.parent(call)
        if isinstance(parent, cst.WithItem) and parent.item is call:
            statement = self.parent(parent)
            if not isinstance(statement, cst.With) or len(statement.items) != 1:
                raise _Inexact
            actions[id(statement)] = ("async_with", "")
            if parent.asname is not None:
                self._plan_pipe_name(parent.asname.name, actions)
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1 and parent.value is call:
            self._plan_pipe_name(parent.targets[0].target, actions)
        else:  # `r.pipeline().set(...).execute()`: queue calls up to an awaited execute()
            node: cst.CSTNode = call
            while True:
                attribute = self.parent(node)
                outer = self.parent(attribute) if isinstance(attribute, cst.Attribute) else None
                if not isinstance(outer, cst.Call) or outer.func is not attribute:
                    raise _Inexact
                name = attribute.attr.value  # type: ignore[union-attr]
                if name == "execute":
                    actions[id(outer)] = ("await", "")
                    return
                if name != "multi" and (name.startswith("_") or name in _PIPE_ASYNC):
                    raise _Inexact
                node = outer

    def _plan_pipe_name(self, target: cst.BaseExpression, actions: dict[int, tuple[str, str]]) -> None:
        if not isinstance(target, cst.Name):
            raise _Inexact
        scope = self.get_metadata(ScopeProvider, target, None)
        bindings = list(scope.assignments[target.value]) if scope is not None else []
        if len(bindings) != 1:
            raise _Inexact
        for access in bindings[0].references:
            method, call = self._method_call(access.node)
            if method.startswith("_") or (method in _PIPE_ASYNC and method not in _PIPE_OK):
                raise _Inexact
            self._check_async(call)
            if method == "execute":
                actions[id(call)] = ("await", "")

    def _method_call(self, use: cst.CSTNode) -> tuple[str, cst.Call]:
        attribute = self.parent(use)
        call = self.parent(attribute) if isinstance(attribute, cst.Attribute) else None
        if not isinstance(call, cst.Call) or call.func is not attribute or attribute.value is not use:  # type: ignore[union-attr]
            raise _Inexact
        return attribute.attr.value, call  # type: ignore[union-attr]

    def _check_async(self, node: cst.CSTNode) -> None:
        current = self.parent(node)
        while current is not None and not isinstance(current, cst.FunctionDef):
            if isinstance(current, (cst.Lambda, cst.GeneratorExp, cst.ClassDef)):
                raise _Inexact
            current = self.parent(current)
        if current is None or current.asynchronous is None:
            raise _Inexact

    def _enclosing(self, node: cst.CSTNode, kind: type) -> Any:
        current = self.parent(node)
        while current is not None and not isinstance(current, kind):
            current = self.parent(current)
        return current

    # ------------------------------------------------------------------ rewriting
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        action, argument = self.actions.get(id(original_node), ("", ""))
        if action == "offload":
            return offload_call(self, original_node, updated_node, argument)
        if action == "ctor":
            AddImportsVisitor.add_needed_import(self.context, "redis.asyncio")
            return updated_node.with_changes(func=cst.parse_expression(argument))
        if action == "aclose":
            updated_node = updated_node.with_changes(
                func=updated_node.func.with_changes(attr=cst.Name("aclose")))  # type: ignore[attr-defined]
            action = "await"
        if action == "await":
            awaited: cst.BaseExpression = cst.Await(expression=updated_node.with_changes(lpar=(), rpar=()))
            if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
                awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return awaited
        return updated_node

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        if id(original_node) in self.actions:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node


_PIPE_ASYNC = frozenset({"watch", "unwatch", "reset", "discard", "immediate_execute_command", "load_scripts",
                         "close", "aclose", "execute", "transaction", "parse_response", "initialize"})


def _is_name(node: cst.CSTNode, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


class _Collect(cst.CSTVisitor):
    def __init__(self, attr: str | None) -> None:
        self.attr = attr
        self.found: list[cst.CSTNode] = []

    def visit_Call(self, node: cst.Call) -> None:
        if self.attr is None:
            self.found.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self.attr is not None and node.attr.value == self.attr and _is_name(node.value, "self"):
            self.found.append(node)


def _findall_calls(node: cst.CSTNode) -> list[cst.CSTNode]:
    collect = _Collect(None)
    node.visit(collect)
    return collect.found


def _attributes(owner: cst.CSTNode, attr: str) -> list[cst.CSTNode]:
    collect = _Collect(attr)
    owner.visit(collect)
    return collect.found
