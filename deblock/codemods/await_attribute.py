"""`request.form` -> `await request.form`; with `via=awaitable_attrs`, `post.author` ->
`await post.awaitable_attrs.author` (SQLAlchemy's `AsyncAttrs`: loads the relationship if
it is not loaded yet). Parenthesised where the result is used as a primary. The fix names
the attribute's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary


class AwaitAttribute(SpanCodemod):
    NAME = "await_attribute"
    DESCRIPTION = "Await an attribute read (an awaitable property or an async-loaded relationship)."

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        read: cst.BaseExpression = updated_node.with_changes(lpar=(), rpar=())
        via = fix.arg("via")
        if via:
            read = cst.Attribute(value=cst.Attribute(value=updated_node.value, attr=cst.Name(via)), attr=updated_node.attr)
        awaited: cst.BaseExpression = cst.Await(expression=read)
        if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return awaited
