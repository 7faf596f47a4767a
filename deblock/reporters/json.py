"""A JSON list with ruff's field names, plus `fingerprint` and `fix.applied` (ruff#11329)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from deblock.model import Edit, Finding
from deblock.reporters import ReportContext
from deblock.reporters._common import (
    fingerprints,
    fix_title,
    location,
    posix_path,
    rule_catalog,
)


def _edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": location(edit.span.line, edit.span.col),
        "end_location": location(edit.span.end_line, edit.span.end_col),
    }


def _fix(finding: Finding) -> dict[str, Any] | None:
    if finding.fix is None:
        return None
    return {
        "applicability": finding.fix.applicability.value,
        "message": fix_title(finding),
        "edits": [_edit(e) for e in finding.edits],
        "applied": finding.fix_applied,
    }


def finding_objects(findings: Sequence[Finding], context: ReportContext) -> list[dict[str, Any]]:
    """One dict per finding; shared with `json-lines`."""
    urls = {meta.code: meta.url for meta in rule_catalog(findings)}
    return [
        {
            "code": f.code,
            "name": f.name,
            "message": f.message,
            "severity": f.severity.value,
            "filename": posix_path(f.path, context.root),
            "location": location(f.span.line, f.span.col),
            "end_location": location(f.span.end_line, f.span.end_col),
            "fix": _fix(f),
            "noqa_row": f.span.line,
            "url": urls[f.code],
            "fingerprint": fingerprint,
        }
        for f, fingerprint in zip(findings, fingerprints(findings))
    ]


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    # ensure_ascii=False: paths and messages stay readable; the output is written as UTF-8.
    return json.dumps(finding_objects(findings, context), indent=2, ensure_ascii=False) + "\n"
