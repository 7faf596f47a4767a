"""Base for deblock codemods: LibCST transforms that act on the nodes named by fixes.

A fix names its node by the span the `ast` facts recorded. LibCST's PositionProvider
gives the same (1-based line, 0-based character column) model; a parenthesised
expression's range includes its parentheses, so nodes are matched on the start of
their first child as well.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import ParentNodeProvider, PositionProvider

from deblock.model import Fix


class SpanCodemod(VisitorBasedCodemodCommand):
    """Subclasses set NAME and DESCRIPTION and call `self.fix_for(node)` in leave_* methods."""

    NAME: str = ""
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(self, context: CodemodContext, fixes: Sequence[Fix]) -> None:
        super().__init__(context)
        self._fixes = {(f.span.line, f.span.col, f.span.end_line, f.span.end_col): f for f in fixes}
        self._starts = {(f.span.line, f.span.col): f for f in fixes}
        self.applied: list[Fix] = []

    def fix_for(self, node: cst.CSTNode, inner: cst.CSTNode | None = None) -> Fix | None:
        """The fix targeting `node` (exact range), or whose span starts where `inner` starts."""
        position = self.get_metadata(PositionProvider, node, None)
        if position is None:
            return None
        key = (position.start.line, position.start.column, position.end.line, position.end.column)
        fix = self._fixes.get(key)
        if fix is None and inner is not None:
            inner_position = self.get_metadata(PositionProvider, inner, None)
            if inner_position is not None:
                fix = self._starts.get((inner_position.start.line, inner_position.start.column))
                if fix is not None and (fix.span.end_line, fix.span.end_col) > (position.end.line, position.end.column):
                    fix = None
        if fix is not None and fix not in self.applied:
            self.applied.append(fix)
            return fix
        return None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.get_metadata(ParentNodeProvider, node, None)


def needs_parentheses_as_primary(parent: cst.CSTNode | None, node: cst.CSTNode) -> bool:
    """`await x` must be parenthesised where it becomes the primary of `.attr`, `[i]` or `(...)`."""
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return True
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return True
    if isinstance(parent, cst.Call) and parent.func is node:
        return True
    return False
