"""`qs.filter(x=1).first()` -> `await qs.filter(x=1).afirst()`: call Django's `a`-prefixed
twin of the final method and await it; the receiver chain and the arguments (with their
comments and formatting) stay as they are. Fix argument `method`: the twin's name.

A plain function call (`get_object_or_404(Book, pk=1)`) becomes `await aget_object_or_404(...)`
with `from <module> import <twin>` added (fix argument `module`) and the old import
dropped when nothing else uses it."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary


class DjangoAsyncTwin(SpanCodemod):
    NAME = "django_async_twin"
    DESCRIPTION = "Call the awaitable `a`-twin of a Django ORM method."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        func: cst.BaseExpression
        if isinstance(updated_node.func, cst.Attribute):
            func = updated_node.func.with_changes(attr=cst.Name(fix.arg("method")))
        else:
            func = cst.Name(fix.arg("method"))
            if fix.arg("module"):
                AddImportsVisitor.add_needed_import(self.context, fix.arg("module"), fix.arg("method"))
            RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.func)
        awaited: cst.BaseExpression = cst.Await(expression=updated_node.with_changes(func=func, lpar=(), rpar=()))
        if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return awaited
