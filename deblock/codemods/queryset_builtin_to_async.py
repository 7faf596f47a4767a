"""A builtin that evaluates a Django QuerySet, in async code, becomes its async form
(Django 4.1+): `list(qs)` / `tuple(qs)` / `set(qs)` / `sorted(qs, ...)` -> an async
comprehension (`[x async for x in qs]`, wrapped in `tuple(...)`/`sorted(..., ...)` to keep
the type and the sort), `len(qs)` -> `await qs.acount()`, `bool(qs)` -> `await qs.aexists()`.
Fix argument `builtin`: the builtin's name. The fix names the builtin call's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary

_COMPREHENSIONS = {"list": "[{v} async for {v} in {qs}]", "tuple": "tuple([{v} async for {v} in {qs}])",
                   "set": "{{{v} async for {v} in {qs}}}", "sorted": "sorted([{v} async for {v} in {qs}]{rest})"}
_AWAITED = {"len": "acount", "bool": "aexists"}


def _fresh(module: cst.Module, base: str = "row") -> str:
    used = {n.value for n in _names(module)}
    name, index = base, 1
    while name in used:
        index += 1
        name = f"{base}{index}"
    return name


def _names(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.append(n)
    node.visit(Collect())
    return found


class QuerysetBuiltinToAsync(SpanCodemod):
    NAME = "queryset_builtin_to_async"
    DESCRIPTION = "Evaluate a Django QuerySet with its async form."

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None or not updated_node.args:
            return updated_node
        builtin = fix.arg("builtin")
        module = self._module
        qs = module.code_for_node(updated_node.args[0].value)
        if builtin in _AWAITED:
            inner = cst.parse_expression(f"{qs}.{_AWAITED[builtin]}()")
            if not isinstance(updated_node.args[0].value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)):
                inner = cst.parse_expression(f"({qs}).{_AWAITED[builtin]}()")
            new: cst.BaseExpression = cst.Await(expression=inner)
            if updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node):
                new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return new
        rest = "".join(", " + module.code_for_node(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                       for a in updated_node.args[1:])
        text = _COMPREHENSIONS[builtin].format(v=_fresh(module), qs=qs, rest=rest)
        return cst.parse_expression(text).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
