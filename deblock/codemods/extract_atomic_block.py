"""A `with transaction.atomic():` block (any sync-only context manager) in an async
function moves into a nested sync function that runs in Django's sync thread:

    with transaction.atomic():          def _atomic_block():
        order = Order.objects.create()      with transaction.atomic():
                                                order = Order.objects.create()
                                            return order
                                        order = await sync_to_async(_atomic_block)()

Fix arguments (computed by `deblock migrate` from the function's source): `name` (the
nested function's name), `returns` (comma-separated names the block binds and the code
after it reads), `nonlocals` (names the block rebinds that the function binds elsewhere).
The fix names the `with` statement's span."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


class ExtractAtomicBlock(SpanCodemod):
    NAME = "extract_atomic_block"
    DESCRIPTION = "Run a sync-only `with` block in a worker thread with `await sync_to_async(fn)()`."

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.BaseStatement | cst.FlattenSentinel:
        fix = self.fix_for(original_node, original_node)
        if fix is None:
            return updated_node
        name = fix.arg("name", "_atomic_block")
        returns = [n for n in fix.arg("returns").split(",") if n]
        nonlocals = [n for n in fix.arg("nonlocals").split(",") if n]
        body: list[cst.BaseStatement] = []
        if nonlocals:
            body.append(cst.SimpleStatementLine([cst.Nonlocal([cst.NameItem(cst.Name(n)) for n in nonlocals])]))
        body.append(updated_node.with_changes(leading_lines=()))
        if returns:
            value = cst.parse_expression(", ".join(returns))
            body.append(cst.SimpleStatementLine([cst.Return(value=value)]))
        nested = cst.FunctionDef(name=cst.Name(name), params=cst.Parameters(), body=cst.IndentedBlock(body=body),
                                 leading_lines=updated_node.leading_lines)
        AddImportsVisitor.add_needed_import(self.context, "asgiref.sync", "sync_to_async")
        call = f"await sync_to_async({name})()"
        line = cst.parse_statement(f"{', '.join(returns)} = {call}\n" if returns else f"{call}\n")
        return cst.FlattenSentinel([nested, line])
