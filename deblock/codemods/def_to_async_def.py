"""`def f(...):` -> `async def f(...):` for the function at the fix's span (as the facts
record it: from `def`, or its first decorator, to the end of the body). The body is left
as it is: `deblock migrate` adds the awaits and swaps inside with other codemods."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import PositionProvider

from deblock.codemods._base import SpanCodemod

_ASYNC = cst.Asynchronous(whitespace_after=cst.SimpleWhitespace(" "))


class DefToAsyncDef(SpanCodemod):
    NAME = "def_to_async_def"
    DESCRIPTION = "Declare a function `async def`."

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if original_node.asynchronous is not None:
            return updated_node
        if self.fix_for(original_node) is None and not self._by_def_line(original_node):
            return updated_node
        return updated_node.with_changes(asynchronous=_ASYNC)

    def _by_def_line(self, node: cst.FunctionDef) -> bool:
        """Facts may start the span at the `def` line, LibCST at the first decorator."""
        position = self.get_metadata(PositionProvider, node.name, None)
        if position is None:
            return False
        for fix in self._fixes.values():
            if fix.span.line == position.start.line and fix not in self.applied:
                self.applied.append(fix)
                return True
        return False
