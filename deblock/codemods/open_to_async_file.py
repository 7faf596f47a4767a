"""`with open(p, mode) as f: data = f.read()` -> an async file:

- anyio: `async with await anyio.open_file(p, mode) as f: data = await f.read()`
- aiofiles: `async with aiofiles.open(p, mode) as f: data = await f.read()`

(fix argument `library`). Both take `open`'s parameters. Only for a `with` statement
whose single item is the `open(...)` call bound to a name, and whose body uses that
name only as `f.<method>(...)` calls (read/write/readline/readlines/writelines/seek/
tell/flush/truncate/read1/readinto), none inside a nested function, lambda, class or
generator expression. Anything else falls back to the `offload_to_thread` rewrite of
the `open` call with the module's library (fix argument `fallback`).

The runner applies one codemod per pass, the first by name, so the worker-thread fixes
of the method calls in the body (`offload_to_thread`) run before this one: calls of the
form `await asyncio.to_thread(f.read, ...)` (or `anyio`/`trio` `to_thread.run_sync`,
with `functools.partial` for keywords) count as method calls and are unwrapped back to
`await f.read(...)`. On a fallback they stay offloaded, as without this codemod.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary
from deblock.codemods.offload_to_thread import offload_call

METHODS = frozenset(
    {"read", "read1", "readinto", "readline", "readlines", "write", "writelines", "seek", "tell", "flush", "truncate"}
)
RUNNERS = frozenset({"asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync"})
_OPAQUE = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.GeneratorExp)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class _Uses(cst.CSTVisitor):
    """Every use of `name` in a body: plain `name.method(...)` calls and awaited runner calls
    offloading `name.method`; `ok` turns False at any other use."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.plain: list[cst.Call] = []
        self.offloaded: list[cst.Call] = []
        self.ok = True
        self.depth = 0  # inside nested functions, lambdas, classes, generator expressions
        self._awaited: set[cst.CSTNode] = set()

    def _method(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self.name
            and node.attr.value in METHODS and not node.lpar and not self.depth
        )

    def _target(self, call: cst.Call) -> cst.BaseExpression | None:
        """`f.read` in `runner(f.read, ...)` or `runner(functools.partial(f.read, k=v), ...)`."""
        if _code(call.func) not in RUNNERS or not call.args or call.args[0].keyword or call.args[0].star:
            return None
        first = call.args[0].value
        if isinstance(first, cst.Call) and _code(first.func) == "functools.partial" and first.args:
            if all(a.keyword for a in first.args[1:]) and not first.args[0].keyword and not first.args[0].star:
                return first.args[0].value
            return None
        return first

    def visit_Await(self, node: cst.Await) -> None:
        self._awaited.add(node.expression)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _OPAQUE):
            self.depth += 1
        if not self.ok:
            return False
        if isinstance(node, cst.Await):
            self.visit_Await(node)
        if isinstance(node, cst.Call):
            target = self._target(node) if node in self._awaited and not node.lpar else None
            if target is not None and self._method(target):
                self.offloaded.append(node)
                first = node.args[0].value
                others = [*node.args[1:], *(first.args[1:] if isinstance(first, cst.Call) else ())]
                for arg in others:
                    arg.visit(self)
                return False
            if self._method(node.func):
                self.plain.append(node)
                for arg in node.args:
                    arg.visit(self)
                return False
        if isinstance(node, cst.Name) and node.value == self.name:
            self.ok = False
            return False
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, _OPAQUE):
            self.depth -= 1


class OpenToAsyncFile(SpanCodemod):
    NAME = "open_to_async_file"
    DESCRIPTION = "Open a file with anyio.open_file or aiofiles.open and await its methods."

    def __init__(self, context, fixes) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, fixes)
        self._withs: set[cst.CSTNode] = set()
        self._plain: set[cst.Call] = set()
        self._offloaded: set[cst.Call] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node in self._plain:
            awaited: cst.BaseExpression = cst.Await(expression=updated_node.with_changes(lpar=(), rpar=()))
            if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
                awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return awaited
        if original_node in self._offloaded:
            return _unwrap(updated_node)
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        library = fix.arg("library")
        uses = self._uses(original_node) if library in ("anyio", "aiofiles") else None
        if uses is None or not uses.ok:
            return offload_call(self, original_node, updated_node, fix.arg("fallback", "asyncio"))
        self._plain.update(uses.plain)
        self._offloaded.update(uses.offloaded)
        if uses.offloaded:
            for module in ("asyncio", "trio", "functools"):
                RemoveImportsVisitor.remove_unused_import(self.context, module)
        self._withs.add(self.parent(self.parent(original_node)))  # type: ignore[arg-type]
        AddImportsVisitor.add_needed_import(self.context, library)
        if library == "anyio":
            return cst.Await(expression=updated_node.with_changes(func=cst.parse_expression("anyio.open_file")))
        return updated_node.with_changes(func=cst.parse_expression("aiofiles.open"))

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        if original_node not in self._withs:
            return updated_node
        return updated_node.with_changes(asynchronous=cst.Asynchronous())

    def _uses(self, call: cst.Call) -> _Uses | None:
        item = self.parent(call)
        statement = self.parent(item) if isinstance(item, cst.WithItem) else None
        if call.lpar or not isinstance(statement, cst.With) or statement.asynchronous or len(statement.items) != 1:
            return None
        asname = statement.items[0].asname
        if asname is None or not isinstance(asname.name, cst.Name):
            return None
        uses = _Uses(asname.name.value)
        statement.body.visit(uses)
        return uses


def _unwrap(runner: cst.Call) -> cst.Call:
    """`runner(f.m, a)` -> `f.m(a)`; `runner(functools.partial(f.m, k=v), a)` -> `f.m(a, k=v)`."""
    first = runner.args[0].value
    keywords: list[cst.Arg] = []
    if isinstance(first, cst.Call):
        keywords = list(first.args[1:])
        first = first.args[0].value
    args = [*runner.args[1:], *keywords]
    fixed = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) if i == len(args) - 1 else
             a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for i, a in enumerate(args)]
    return cst.Call(func=first, args=fixed)
