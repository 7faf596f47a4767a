"""Wrap one argument of a call in `json.dumps(...)` (DBK404). Fix arguments: `position`
(the index of a positional argument) or `keyword` (its name); `import json` is added."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


class WrapInJsonDumps(SpanCodemod):
    NAME = "wrap_in_json_dumps"
    DESCRIPTION = "Serialise a value with json.dumps before sending it."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        keyword, position = fix.arg("keyword"), fix.arg("position")
        positional = [i for i, a in enumerate(updated_node.args) if a.keyword is None and not a.star]
        args = list(updated_node.args)
        for index, arg in enumerate(args):
            wanted = (arg.keyword is not None and arg.keyword.value == keyword) if keyword else (
                position != "" and index in positional and positional.index(index) == int(position))
            if wanted:
                dumped = cst.Call(cst.Attribute(cst.Name("json"), cst.Name("dumps")), [cst.Arg(arg.value)])
                args[index] = arg.with_changes(value=dumped)
                AddImportsVisitor.add_needed_import(self.context, "json")
        return updated_node.with_changes(args=args)
