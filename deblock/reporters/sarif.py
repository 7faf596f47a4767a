"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers (cli-and-output.md §3.4).

Every registered rule is listed (not only those that fired) so viewers can show the
docs of any rule; paths are relative, percent-encoded and anchored at %SRCROOT%.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from deblock.model import Finding, Severity
from deblock.reporters import ReportContext
from deblock.reporters._common import (
    HOME_URL,
    RuleMeta,
    fingerprints,
    fix_title,
    posix_path,
    region,
    remaining,
    rule_catalog,
)

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
MAX_DESCRIPTION = 1024  # GitHub's limit for short and full descriptions
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
PROBLEM_SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}


def _truncate(text: str, limit: int = MAX_DESCRIPTION) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _section(docs: str, heading: str) -> str:
    """One `## heading` section as plain paragraphs (hard-wrapped lines joined)."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", docs, re.MULTILINE | re.DOTALL)
    paragraphs = match.group(1).strip().split("\n\n") if match else []
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _descriptor(meta: RuleMeta) -> dict[str, Any]:
    full = "\n\n".join(s for s in (_section(meta.docs, "What it does"), _section(meta.docs, "Why is this bad?")) if s)
    descriptor: dict[str, Any] = {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": _truncate(meta.summary)},
        "fullDescription": {"text": _truncate(full or meta.summary)},
        "help": {"text": meta.docs or meta.summary, "markdown": meta.docs or meta.summary},
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        # No security-severity: it would turn these into security alerts on GitHub.
        "properties": {"tags": ["deblock", meta.family], "precision": "high", "problem.severity": PROBLEM_SEVERITIES[meta.severity]},
    }
    if meta.url:
        descriptor["helpUri"] = meta.url
    return descriptor


def _artifact(path: str, context: ReportContext) -> dict[str, str]:
    return {"uri": quote(posix_path(path, context.root), safe="/"), "uriBaseId": SRCROOT}


def _fixes(finding: Finding, context: ReportContext) -> list[dict[str, Any]]:
    if not finding.edits:
        return []
    replacements = [{"deletedRegion": region(e.span), "insertedContent": {"text": e.content}} for e in finding.edits]
    change = {"artifactLocation": _artifact(finding.path, context), "replacements": replacements}
    return [{"description": {"text": fix_title(finding)}, "artifactChanges": [change]}]


def _result(finding: Finding, fingerprint: str, rule_index: int, context: ReportContext) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(finding.path, context), "region": region(finding.span)}}],
        "partialFingerprints": {"deblock/v1": fingerprint},
    }
    fixes = _fixes(finding, context)
    if fixes:
        result["fixes"] = fixes
    return result


def _invocation(context: ReportContext) -> dict[str, Any]:
    notifications = [{"level": "error", "message": {"text": error}} for error in context.errors]
    return {"executionSuccessful": not context.errors, "toolExecutionNotifications": notifications}


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    shown = remaining(findings)
    metas = rule_catalog(shown)
    index = {m.code: i for i, m in enumerate(metas)}
    run = {
        "tool": {"driver": {
            "name": "deblock",
            "semanticVersion": context.version,
            "informationUri": HOME_URL,
            "rules": [_descriptor(m) for m in metas],
        }},
        "automationDetails": {"id": "deblock/"},
        "columnKind": "unicodeCodePoints",
        # A trailing slash makes the base a directory that relative URIs resolve against.
        "originalUriBaseIds": {SRCROOT: {"uri": Path(context.root).absolute().as_uri().rstrip("/") + "/"}},
        "invocations": [_invocation(context)],
        "results": [_result(f, fp, index[f.code], context) for f, fp in zip(shown, fingerprints(shown))],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
