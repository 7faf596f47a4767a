"""GitHub Actions workflow commands (`::error file=…::…`), one annotation per finding.

GitHub silently drops an annotation whose `col`/`endColumn` span several lines
(ruff#22074), so those are only set for single-line spans.
"""

from __future__ import annotations

from collections.abc import Sequence

from deblock.model import Finding, Severity
from deblock.reporters import ReportContext
from deblock.reporters._common import fix_title, posix_path, remaining
from deblock.reporters.concise import fix_marker

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message part (actions/toolkit `escapeData`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` parameter (actions/toolkit `escapeProperty`)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(finding: Finding, context: ReportContext) -> str:
    span, path = finding.span, posix_path(finding.path, context.root)
    props = [("title", f"deblock ({finding.code})"), ("file", path), ("line", str(span.line)), ("endLine", str(span.end_line))]
    if span.line == span.end_line:
        props += [("col", str(span.col + 1)), ("endColumn", str(max(span.end_col, span.col) + 1))]
    message = f"{path}:{span.line}:{span.col + 1}: {finding.code} {fix_marker(finding, context)}{finding.message}"
    if finding.fix is not None:
        message += f"\n  help: {fix_title(finding)}"
    params = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[finding.severity]} {params}::{escape_data(message)}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = [_annotation(f, context) for f in remaining(findings)]
    # Internal errors also go to stderr, but an annotation is what a CI reviewer sees.
    lines += [f"::error title={escape_property('deblock (internal error)')}::{escape_data(e)}" for e in context.errors]
    return "".join(line + "\n" for line in lines)
