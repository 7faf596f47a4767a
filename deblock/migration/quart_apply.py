"""`deblock migrate --target quart`: the edits outside the plan's functions, and the checks.

The plan (`build_plan(..., target="quart")`) already gives every `await` inside the
functions it recolours. This adds, once per project (deblock/migration/quart.py):
`flask` imports → `quart`, `flask_sqlalchemy` → the written `quart_db.py`, table creation
→ `app.before_serving`; and it lists every call that needs `await` under Quart or
AsyncSession but sits in a function that stays sync (it would break), so nothing is
silently left half-migrated.
"""

from __future__ import annotations

import ast
from typing import Any

from deblock.analyzer.project import Project
from deblock.migration import quart
from deblock.migration.plan import Plan
from deblock.model import Applicability, Fix, Span


def _inside(span: Span, outer: Span) -> bool:
    return (outer.line, outer.col) <= (span.line, span.col) and (span.end_line, span.end_col) <= (outer.end_line, outer.end_col)


def quart_project_fixes(project: Project, sources: Any, plan: Plan, fixes: dict[str, list[Fix]], migration: Any) -> None:
    from deblock.migration.migrate import Skipped

    trees: dict[str, ast.Module] = {}
    for module in project:
        if module.syntax_error is None:
            try:
                trees[module.path] = sources.tree(module.path)
            except (OSError, SyntaxError, ValueError):
                continue
    edits, notes, new_files = quart.project_edits(project, trees)
    for edit in edits:
        fixes.setdefault(edit.path, []).append(Fix(edit.codemod, edit.span, edit.title, Applicability.SAFE, edit.args))
    for note in notes:
        migration.skipped.append(Skipped("", note.path, note.line, note.what))
    root = project.settings.root
    for path, text in new_files.items():
        existing = root / path
        if existing.exists():
            if existing.read_text(encoding="utf-8") != text:
                migration.skipped.append(Skipped("", path, 1, f"{path} exists and was not overwritten: it must provide "
                                                              "the `SQLAlchemy` class of deblock's quart_db.py"))
            continue
        migration.originals[path] = ""
        migration.results[path] = text
        migration.edits[path] = 1
        migration.created.add(path)
    _report_sync_users(project, plan, edits, migration)


def _report_sync_users(project: Project, plan: Plan, edits: list[quart.ProjectEdit], migration: Any) -> None:
    """Calls that need `await` after the move, in functions that stay sync."""
    from deblock.migration.migrate import Skipped
    from deblock.migration.plan import _call_node, _flask_query_final

    async_after = {f.qualname for f in project.functions.values() if f.is_async}
    async_after |= {pf.qualname for pf in plan.functions if pf.status != "stays_sync"}
    async_after -= set(migration.kept_sync)
    registered = [(e.path, e.span) for e in edits if e.codemod == "before_serving"]
    for module in project:
        for call in module.calls:
            if call.awaited or call.callee is None or call.function in async_after:
                continue
            if any(path == module.path and _inside(call.span, span) for path, span in registered):
                continue
            resolved = project.resolve(call.callee) or call.callee
            needs = quart.quart_call(project, resolved) is not None
            if not needs and (_flask_query_final(project, resolved) or ".query()." in resolved):
                node = _call_node(project, module.path, call.span)
                needs = node is not None and quart.query_chain(project, module, node) is not None
            if needs:
                why = migration.kept_sync.get(call.function, "it is not on a migrated path")
                migration.skipped.append(Skipped(call.function, module.path, call.span.line,
                                                 f"`{call.text}` needs `await` under Quart/AsyncSession, but "
                                                 f"`{call.function}` stays sync ({why}): it breaks until it is made "
                                                 "async by hand"))
