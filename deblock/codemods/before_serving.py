"""`with app.app_context(): db.create_all()` in an app factory -> `app.before_serving(db.create_all)`:
under Quart, creating the tables is a coroutine, so it runs when the server starts (in an
app context) instead of while the factory builds the app. Fix arguments: `app` (the app
expression) and `calls` (comma-separated coroutine functions to register, in order). The
fix names the `with` statement's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod


class BeforeServing(SpanCodemod):
    NAME = "before_serving"
    DESCRIPTION = "Register startup coroutines with `app.before_serving` instead of running them in the factory."

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.BaseStatement | cst.FlattenSentinel:
        fix = self.fix_for(original_node, original_node)
        if fix is None:
            return updated_node
        app = fix.arg("app")
        lines = [cst.parse_statement(f"{app}.before_serving({call})\n") for call in fix.arg("calls").split(",") if call]
        if not lines:
            return updated_node
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel(lines)
