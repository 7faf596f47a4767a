"""`from flask import Flask, jsonify` -> `from quart import Quart, jsonify`: a `from` import
moves to another module (`module`, relative when it starts with dots: `.quart_db`), names
listed in `renames` (`Flask=Quart`) are renamed in the import and, when imported without
`as`, everywhere the module reads them. The fix names the import statement's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod


def _module(dotted: str) -> tuple[list[cst.Dot], cst.Attribute | cst.Name | None]:
    stripped = dotted.lstrip(".")
    dots = [cst.Dot() for _ in range(len(dotted) - len(stripped))]
    if not stripped:
        return dots, None
    return dots, cst.parse_expression(stripped)  # type: ignore[return-value]


class RewriteImportFrom(SpanCodemod):
    NAME = "rewrite_import_from"
    DESCRIPTION = "Import the names from another module, renaming some."

    def visit_Module(self, node: cst.Module) -> None:
        self._renamed: dict[str, str] = {}

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        fix = self.fix_for(original_node, original_node.module or original_node)
        if fix is None:
            return updated_node
        renames = dict(pair.split("=", 1) for pair in fix.arg("renames").split(",") if "=" in pair)
        names = updated_node.names
        if not isinstance(names, cst.ImportStar):
            new_names = []
            for alias in names:
                old = alias.name.value if isinstance(alias.name, cst.Name) else None
                if old in renames:
                    alias = alias.with_changes(name=cst.Name(renames[old]))
                    if alias.asname is None:
                        self._renamed[old] = renames[old]
                new_names.append(alias)
            names = new_names
        dots, module = _module(fix.arg("module"))
        return updated_node.with_changes(relative=dots, module=module, names=names)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self._renamed.get(original_node.value)
        if new is None:
            return updated_node
        parent = self.parent(original_node)
        if isinstance(parent, cst.Attribute) and parent.attr is original_node:
            return updated_node  # `x.Flask` is another name
        if isinstance(parent, cst.ImportAlias):
            return updated_node
        return updated_node.with_changes(value=new)
