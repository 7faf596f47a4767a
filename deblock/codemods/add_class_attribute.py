"""Set or extend a class attribute (`list_select_related = ["author"]`). Fix arguments:

- `name`: the attribute;
- `value`: the new value as source text (a list of string literals for "extend");
- `mode`: "add" (the target is a statement of the class body, such as `list_display = ...`:
  insert `name = value` after it), "replace" (the target is `name = ...`: its value becomes
  `value`), or "extend" (the target is `name = [...]`/`(...)`: append the items of `value`
  that are not there yet, keeping the existing ones and their layout);
- `code` instead of `name`/`value`: a whole statement (a method) appended, after a blank
  line, to the end of the class whose body holds the target.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from deblock.codemods._base import SpanCodemod


class AddClassAttribute(SpanCodemod):
    NAME = "add_class_attribute"
    DESCRIPTION = "Set or extend a class attribute."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: list[tuple[cst.CSTNode, cst.BaseStatement]] = []

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        mine = [added for target, added in self._pending if target in original_node.body.body]
        if not mine or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        self._pending = [(t, a) for t, a in self._pending if t not in original_node.body.body]
        return updated_node.with_changes(body=updated_node.body.with_changes(body=[*updated_node.body.body, *mine]))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine) -> cst.BaseStatement | cst.FlattenSentinel:
        if len(original_node.body) != 1 or not isinstance(original_node.body[0], (cst.Assign, cst.AnnAssign)):
            return updated_node
        fix = self.fix_for(original_node.body[0])
        if fix is None:
            return updated_node
        if fix.arg("code"):  # a method: appended to the end of the class that holds the target
            added_code = cst.parse_statement(fix.arg("code"))
            self._pending.append((original_node, added_code.with_changes(leading_lines=[cst.EmptyLine(indent=False)])))
            return updated_node
        mode, value = fix.arg("mode"), cst.parse_expression(fix.arg("value"))
        statement = updated_node.body[0]
        if mode == "add":
            added = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(fix.arg("name")))], value)])
            return cst.FlattenSentinel([updated_node, added])
        if mode == "extend" and isinstance(statement.value, (cst.List, cst.Tuple)) and isinstance(value, cst.List):
            code = cst.Module([]).code_for_node
            present = {code(e.value) for e in statement.value.elements}
            elements = list(statement.value.elements)
            new = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in value.elements if code(e.value) not in present]
            if elements and new:
                elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            if isinstance(statement.value, cst.Tuple) and len(elements) + len(new) == 1:
                new = [e.with_changes(comma=cst.Comma()) for e in new]  # a one-item tuple keeps its comma
            value = statement.value.with_changes(elements=[*elements, *new])
        return updated_node.with_changes(body=[statement.with_changes(value=value)])
