"""Serve a read from Django's cache (DBK401): `<read>` becomes
`cache.get_or_set(<key>, lambda: <read>, <ttl>)` and `from django.core.cache import cache`
is added. With `backend="cachetools"` it becomes `_cached_read((<key>, <params>), lambda:
<read>)`, and the module gains `import cachetools`, a `_READ_CACHE = cachetools.TTLCache(...)`
and the `_cached_read` helper (once, after the imports). Fix arguments: `backend`
(`django` or `cachetools`), `key` (the function's qualified name), `params` (comma-separated
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


_HELPER = '''
# Reads kept in memory for a while (DBK401); every worker process has its own copy.
_READ_CACHE = cachetools.TTLCache(maxsize=1024, ttl={ttl})


def _cached_read(key, read):
    """The value kept under `key`; `read()` fills it on a miss."""
    try:
        return _READ_CACHE[key]
    except KeyError:
        value = _READ_CACHE[key] = read()
        return value
'''


class WrapInCache(SpanCodemod):
    NAME = "wrap_in_cache"
    DESCRIPTION = "Serve a read from the project's cache (Django's, or a cachetools TTLCache) with a TTL."

    def __init__(self, context, fixes) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, fixes)
        self._pending: dict[int, object] = {}
        self._helper_ttl: str | None = None  # set when a cachetools rewrite needs the helper

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self._helper_ttl is None or any(
                isinstance(stmt, cst.FunctionDef) and stmt.name.value == "_cached_read" for stmt in updated_node.body):
            return updated_node
        body = list(updated_node.body)
        after = 0  # after the docstring and the imports at the top
        for index, stmt in enumerate(body):
            if isinstance(stmt, cst.SimpleStatementLine) and all(
                    isinstance(s, (cst.Import, cst.ImportFrom)) or (isinstance(s, cst.Expr) and index == 0
                                                                   and isinstance(s.value, cst.SimpleString))
                    for s in stmt.body):
                after = index + 1
            else:
                break
        parsed = cst.parse_module(_HELPER.format(ttl=self._helper_ttl))
        # The comment above `_READ_CACHE` parses as the module header: keep it on the statement.
        helper = [parsed.body[0].with_changes(leading_lines=[cst.EmptyLine(), *parsed.header]), *parsed.body[1:]]
        following = body[after:]
        if following:  # two blank lines between the helper and what follows it
            first = following[0]
            following[0] = first.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        return updated_node.with_changes(body=[*body[:after], *helper, *following])

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
        if fix.arg("backend") == "cachetools":
            self._helper_ttl = self._helper_ttl or fix.arg("ttl") or "60"
            AddImportsVisitor.add_needed_import(self.context, "cachetools")
            parts = [repr(fix.arg("key")).replace("'", '"'), *used]
            key_node = cst.parse_expression("(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")")
            call = cst.Call(cst.Name("_cached_read"), [cst.Arg(key_node), cst.Arg(cst.Lambda(cst.Parameters(), value))])
            return call.with_changes(lpar=node.lpar, rpar=node.rpar)
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
