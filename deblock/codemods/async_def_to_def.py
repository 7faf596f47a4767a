"""`async def f(...):` -> `def f(...):` for the function at the fix's span (from `def`
to the end of the body, as the facts record it). Nothing inside the body changes: DBK131
offers the fix only for functions that await nothing."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod


class AsyncDefToDef(SpanCodemod):
    NAME = "async_def_to_def"
    DESCRIPTION = "Declare an async function that awaits nothing as a plain function."

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if original_node.asynchronous is None or self.fix_for(original_node) is None:
            return updated_node
        return updated_node.with_changes(asynchronous=None)
