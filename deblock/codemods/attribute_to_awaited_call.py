"""`request.user` -> `await request.auser()`: an attribute read becomes an awaited call
of the named method on the same object (parenthesised where it is used as a primary)."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary


class AttributeToAwaitedCall(SpanCodemod):
    NAME = "attribute_to_awaited_call"
    DESCRIPTION = "Replace an attribute read with an awaited method call."

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.value)
        if fix is None:
            return updated_node
        call = cst.Call(func=updated_node.with_changes(attr=cst.Name(fix.arg("method")), lpar=(), rpar=()))
        awaited: cst.BaseExpression = cst.Await(expression=call)
        if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return awaited
