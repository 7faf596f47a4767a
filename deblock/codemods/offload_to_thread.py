"""`fn(a, b=c)` -> `await asyncio.to_thread(fn, a, b=c)`: keep a blocking call but run it
in a worker thread. The general fallback for blocking calls without an async twin.

Per library (fix argument `library`):
- asyncio: `await asyncio.to_thread(fn, *args, **kwargs)`
- anyio / trio: `await anyio.to_thread.run_sync(fn, *args)`; their `run_sync` takes no
  keyword arguments, so keywords go through `functools.partial`
- asgiref (Django): `await sync_to_async(fn)(*args, **kwargs)`
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary

_RUNNERS = {
    "asyncio": ("asyncio", None, "asyncio.to_thread"),
    "anyio": ("anyio", "to_thread", "anyio.to_thread.run_sync"),
    "trio": ("trio", None, "trio.to_thread.run_sync"),
}


class OffloadToThread(SpanCodemod):
    NAME = "offload_to_thread"
    DESCRIPTION = "Run a blocking call in a worker thread and await it."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        return offload_call(self, original_node, updated_node, fix.arg("library", "asyncio"))


def offload_call(codemod: SpanCodemod, original_node: cst.Call, updated_node: cst.Call, library: str) -> cst.BaseExpression:
    """The awaited worker-thread form of one call (shared with codemods that fall back to it)."""
    func = updated_node.func
    if library == "asgiref":
        AddImportsVisitor.add_needed_import(codemod.context, "asgiref.sync", "sync_to_async")
        call = updated_node.with_changes(
            func=cst.Call(func=cst.Name("sync_to_async"), args=[cst.Arg(func)]), lpar=(), rpar=()
        )
    else:
        module, _, runner = _RUNNERS.get(library, _RUNNERS["asyncio"])
        AddImportsVisitor.add_needed_import(codemod.context, module)
        positional = [a for a in updated_node.args if not a.keyword]
        keywords = [a for a in updated_node.args if a.keyword]
        if keywords and library != "asyncio":
            AddImportsVisitor.add_needed_import(codemod.context, "functools")
            target = cst.Call(func=cst.parse_expression("functools.partial"), args=[cst.Arg(func), *keywords])
            args = [cst.Arg(target), *positional]
        else:
            args = [cst.Arg(func), *updated_node.args]
        # Keep the original call's layout: comments after `(` and on argument lines.
        call = cst.Call(
            func=cst.parse_expression(runner), args=_with_commas(args, updated_node.args[-1:]),
            whitespace_before_args=updated_node.whitespace_before_args,
        )
    awaited: cst.BaseExpression = cst.Await(expression=call)
    if updated_node.lpar or needs_parentheses_as_primary(codemod.parent(original_node), original_node):
        awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return awaited


def _with_commas(args: list[cst.Arg], original_last: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Every argument but the last needs a comma. The last keeps its comma only if it was
    the original call's last argument (a trailing comma and its comments survive)."""
    out = []
    for index, arg in enumerate(args):
        if index < len(args) - 1:
            if isinstance(arg.comma, cst.MaybeSentinel):
                arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elif not any(arg is last for last in original_last):
            arg = arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        out.append(arg)
    return out
