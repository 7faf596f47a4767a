"""Serve a read from Django's cache (DBK401): `<read>` becomes
`cache.get_or_set(<key>, lambda: <read>, <ttl>)` and `from django.core.cache import cache`
is added. Fix arguments: `key` (the function's qualified name), `params` (comma-separated
route parameters; those the read uses join the key as an f-string), `ttl`, `listify`
(cache `list(<read>)`: a QuerySet's rows, not the lazy QuerySet), `subscript` (the read
is sliced or indexed: the whole `read[...]` is cached), and `name` (the local name for
the cache; `django_cache` when `cache` is taken). Comments inside the read are kept.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


def _names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.add(name.value)

        def visit_Attribute(self, attr: cst.Attribute) -> bool:
            attr.value.visit(self)  # `x.slug`: only the base is a name
            return False

    node.visit(Names())
    return found


class WrapInCache(SpanCodemod):
    NAME = "wrap_in_cache"
    DESCRIPTION = "Serve a read from Django's cache with a TTL."

    def __init__(self, context, fixes) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, fixes)
        self._pending: dict[int, object] = {}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        if fix.arg("subscript"):
            self._pending[id(self.parent(original_node))] = fix
            return updated_node
        return self._wrap(updated_node, fix)

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        fix = self._pending.pop(id(original_node), None)
        return self._wrap(updated_node, fix) if fix is not None else updated_node

    def _wrap(self, node: cst.BaseExpression, fix) -> cst.BaseExpression:  # type: ignore[no-untyped-def]
        name = fix.arg("name") or "cache"
        inner = node.with_changes(lpar=[], rpar=[])
        value: cst.BaseExpression = cst.Call(cst.Name("list"), [cst.Arg(inner)]) if fix.arg("listify") else inner
        used = [p for p in fix.arg("params").split(",") if p and p in _names(node)]
        key = fix.arg("key") + "".join(f":{{{p}}}" for p in used)
        key_node = cst.parse_expression(f'f"{key}"' if used else repr(key).replace("'", '"'))
        call = cst.Call(
            cst.Attribute(cst.Name(name), cst.Name("get_or_set")),
            [cst.Arg(key_node), cst.Arg(cst.Lambda(cst.Parameters(), value)),
             cst.Arg(cst.Integer(fix.arg("ttl") or "60"))],
        )
        AddImportsVisitor.add_needed_import(self.context, "django.core.cache", "cache",
                                            None if name == "cache" else name)
        return call.with_changes(lpar=node.lpar, rpar=node.rpar)
