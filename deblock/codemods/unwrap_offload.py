"""Remove a worker-thread offload of a function that became async:
`asyncio.to_thread(f, a, k=v)` -> `f(a, k=v)`, `sync_to_async(f)(a)` -> `f(a)`,
`loop.run_in_executor(None, f, a)` -> `f(a)`, `anyio.to_thread.run_sync(f, a)` -> `f(a)`.
The result is awaitable like the offload was, so an existing `await` stays right. Fix
argument `form`: "wrapper" (`sync_to_async(f)(...)`) or "runner" (the function is an
argument; `skip`: how many arguments precede it). The runner's import goes if unused."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod


def _last_comma(args: list[cst.Arg]) -> list[cst.Arg]:
    return [*args[:-1], *(a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args[-1:])]


class UnwrapOffload(SpanCodemod):
    NAME = "unwrap_offload"
    DESCRIPTION = "Call a coroutine function directly instead of through a worker thread."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        if fix.arg("form") == "wrapper" and isinstance(updated_node.func, cst.Call) and updated_node.func.args:
            runner = original_node.func.func  # type: ignore[attr-defined]
            target = updated_node.func.args[0].value
            new = updated_node.with_changes(func=target)
        else:
            skip = int(fix.arg("skip", "0"))
            runner = original_node.func
            target = updated_node.args[skip].value
            new = updated_node.with_changes(func=target, args=_last_comma(list(updated_node.args[skip + 1:])))
        if isinstance(runner, (cst.Name, cst.Attribute)):
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, runner)
        return new
