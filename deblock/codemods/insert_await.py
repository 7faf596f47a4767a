"""`f(x)` -> `await f(x)`: await a call of a function that became async (`self.m()`,
`return f()`, `(await f()).x` where the call is the primary of an attribute, subscript
or call). The fix names the call's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary


class InsertAwait(SpanCodemod):
    NAME = "insert_await"
    DESCRIPTION = "Await a call of a coroutine function."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.fix_for(original_node, original_node.func) is None:
            return updated_node
        awaited: cst.BaseExpression = cst.Await(expression=updated_node.with_changes(lpar=(), rpar=()))
        if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return awaited
