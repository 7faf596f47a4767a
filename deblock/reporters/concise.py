"""`path:line:col: CODE [*] message` (clickable in terminals and editors), then a ruff-style summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from deblock.model import Applicability, Finding
from deblock.reporters import ReportContext


def fix_marker(finding: Finding, context: ReportContext) -> str:
    fix = finding.fix
    if fix is None or finding.fix_applied:
        return ""
    if fix.applicability is Applicability.SAFE or (context.unsafe_fixes and fix.applicability is Applicability.UNSAFE):
        return "[*] "
    return ""


def summary(findings: Sequence[Finding], context: ReportContext) -> list[str]:
    lines: list[str] = []
    remaining = [f for f in findings if not f.fix_applied]
    if context.statistics:
        counts = Counter((f.code, f.name) for f in remaining)
        fixable = Counter(f.code for f in remaining if fix_marker(f, context))
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            mark = "[*]" if fixable[code] else "   "
            lines.append(f"{count:>5}\t{code}\t{mark} {name}")
    if context.fixed_count:
        total = len(remaining) + context.fixed_count
        lines.append(f"Found {total} error{'s' if total != 1 else ''} ({context.fixed_count} fixed, {len(remaining)} remaining).")
    elif remaining:
        lines.append(f"Found {len(remaining)} error{'s' if len(remaining) != 1 else ''}.")
    elif not context.statistics:
        lines.append("All checks passed!")
    fixable = sum(1 for f in remaining if fix_marker(f, context))
    hidden = sum(
        1 for f in remaining
        if f.fix is not None and f.fix.applicability is Applicability.UNSAFE and not context.unsafe_fixes
    )
    if fixable or hidden:
        text = f"[*] {fixable} fixable with the `--fix` option" if fixable else "No fixes available"
        if hidden:
            text += f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option)"
        lines.append(text + ".")
    return lines


def fixed_section(findings: Sequence[Finding], context: ReportContext) -> list[str]:
    """The `--show-fixes` list of applied fixes (shared with the `full` format)."""
    applied = [f for f in findings if f.fix_applied]
    if not context.show_fixes or not applied:
        return []
    lines = ["", f"Fixed {len(applied)} error{'s' if len(applied) != 1 else ''}:"]
    for f in applied:
        lines.append(f"- {f.path}:{f.span.line}:{f.span.col + 1}: {f.code} {f.fix.title if f.fix else ''}")
    return lines


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines = []
    if not context.statistics:
        for f in findings:
            if f.fix_applied:
                continue
            lines.append(f"{f.path}:{f.span.line}:{f.span.col + 1}: {f.code} {fix_marker(f, context)}{f.message}")
    if not context.quiet:
        lines.extend(fixed_section(findings, context))
        lines.extend(summary(findings, context))
    return "\n".join(lines) + "\n" if lines else ""
