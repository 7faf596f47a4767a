"""`for x in xs: await f(x)` -> `await asyncio.gather(*(f(x) for x in xs))`, and
`for x in xs: acc.append(await f(x))` -> `acc.extend(await asyncio.gather(*(f(x) for x in xs)))`.

Only those two single-statement bodies (DBK130 offers the fix for nothing else). Comments
inside the loop are kept, as comment lines above the new statement.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node)


def _awaited_call(node: cst.BaseExpression) -> cst.Call | None:
    if isinstance(node, cst.Await) and isinstance(node.expression, cst.Call) and not node.lpar:
        return node.expression
    return None


def _shape(loop: cst.For) -> tuple[cst.Call, cst.Name | None] | None:
    """(awaited call, accumulator) of a supported body, else None."""
    body = loop.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        return None
    line = body.body[0]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(line.body[0], cst.Expr):
        return None
    value = line.body[0].value
    call = _awaited_call(value)
    if call is not None:
        return call, None
    if (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "append"
            and isinstance(value.func.value, cst.Name) and len(value.args) == 1 and not value.args[0].keyword
            and not value.args[0].star):
        call = _awaited_call(value.args[0].value)
        if call is not None:
            return call, value.func.value
    return None


class LoopToGather(SpanCodemod):
    NAME = "loop_to_gather"
    DESCRIPTION = "Run the awaited calls of a for loop concurrently with asyncio.gather."

    def leave_For(self, original_node: cst.For, updated_node: cst.BaseStatement) -> cst.BaseStatement:
        if original_node.asynchronous is not None or original_node.orelse is not None:
            return updated_node
        shape = _shape(original_node)
        if shape is None:
            return updated_node
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        call, accumulator = shape
        AddImportsVisitor.add_needed_import(self.context, "asyncio")
        generator = cst.GeneratorExp(
            elt=call.with_changes(lpar=(), rpar=()),
            for_in=cst.CompFor(target=original_node.target, iter=original_node.iter),
        )
        gathered: cst.BaseExpression = cst.Await(
            expression=cst.Call(func=cst.parse_expression("asyncio.gather"), args=[cst.Arg(generator, star="*")])
        )
        if accumulator is not None:
            gathered = cst.Call(func=cst.Attribute(accumulator, cst.Name("extend")), args=[cst.Arg(gathered)])
        comments = _Comments()
        original_node.body.visit(comments)
        original_node.target.visit(comments)
        original_node.iter.visit(comments)
        leading = [*original_node.leading_lines, *(cst.EmptyLine(comment=c) for c in comments.found)]
        return cst.SimpleStatementLine(body=[cst.Expr(gathered)], leading_lines=leading)
