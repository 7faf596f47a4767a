"""Add an eager load to a query: `select_related`/`prefetch_related` (Django) or
`.options(joinedload(...))` (SQLAlchemy). Fix arguments:

- `method`: the call to add or extend (`select_related`, `prefetch_related`, `options`);
- `arg`: the argument as source text (`"customer"`, `joinedload(Post.author)`);
- `mode`: "merge" (the target is an existing `X.method(...)` call: append `arg` unless an
  equal argument is there), "after" (the target becomes `target.method(arg)`), or
  "before-final" (the target is `R.final(...)`: it becomes `R.method(arg).final(...)`);
- `imports`: `module:name` pairs separated by commas, added when missing.

Only the target call changes; the rest of the chain keeps its comments and layout.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


class AddEagerLoad(SpanCodemod):
    NAME = "add_eager_load"
    DESCRIPTION = "Load a relation together with the rows of a query."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        for pair in filter(None, fix.arg("imports").split(",")):
            module, _, name = pair.partition(":")
            AddImportsVisitor.add_needed_import(self.context, module, name)
        arg = cst.Arg(cst.parse_expression(fix.arg("arg")))
        method, mode = fix.arg("method"), fix.arg("mode")
        if mode == "merge":
            code = cst.Module([]).code_for_node
            if any(code(a.value) == code(arg.value) for a in updated_node.args):
                return updated_node
            args = list(updated_node.args)
            if args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            return updated_node.with_changes(args=[*args, arg])
        if mode == "before-final" and isinstance(updated_node.func, cst.Attribute):
            receiver = updated_node.func.value
            inserted = cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(method)), args=[arg])
            return updated_node.with_changes(func=updated_node.func.with_changes(value=inserted))
        inner = updated_node.with_changes(lpar=(), rpar=())
        return cst.Call(func=cst.Attribute(value=inner, attr=cst.Name(method)), args=[arg],
                        lpar=updated_node.lpar, rpar=updated_node.rpar)
