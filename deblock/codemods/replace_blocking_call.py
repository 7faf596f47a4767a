"""`time.sleep(x)` -> `await asyncio.sleep(x)`: swap the callee, keep the arguments
(with their comments and formatting), await the result, fix the imports."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary


class ReplaceBlockingCall(SpanCodemod):
    NAME = "replace_blocking_call"
    DESCRIPTION = "Replace a blocking call with its awaited async twin."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        replacement = fix.arg("replacement")
        new_call = updated_node.with_changes(func=cst.parse_expression(replacement), lpar=(), rpar=())
        awaited: cst.BaseExpression = cst.Await(expression=new_call)
        if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if fix.arg("module"):
            AddImportsVisitor.add_needed_import(self.context, fix.arg("module"))
        # The import behind the old callee (`time`, `sleep`, `t`) goes only if nothing
        # else still uses it; LibCST checks the scope.
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.func)
        return awaited
