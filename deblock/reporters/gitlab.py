"""GitLab Code Quality report: a JSON array for `artifacts: reports: codequality`.

GitLab collapses entries with equal fingerprints in the merge-request widget, so the
fingerprint is the shared line-independent key (unique per finding, stable across moves).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from deblock.model import Finding, Severity
from deblock.reporters import ReportContext
from deblock.reporters._common import fingerprints, positions, posix_path, remaining

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _issue(finding: Finding, fingerprint: str, context: ReportContext) -> dict[str, Any]:
    return {
        "description": f"{finding.code}: {finding.message}",
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": posix_path(finding.path, context.root), "positions": positions(finding.span)},
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    shown = remaining(findings)
    issues = [_issue(f, fp, context) for f, fp in zip(shown, fingerprints(shown))]
    # No BOM and UTF-8 text: GitLab rejects a report that starts with a BOM.
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
