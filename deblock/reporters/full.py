"""ruff-style `full` output: each finding with a code frame, a caret underline and its fix as a diff.

Underlines are measured in terminal cells (rich's `cell_len`), not characters, so they
stay aligned under wide CJK text; tabs are expanded the same way in code and underline.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from io import StringIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from deblock.model import Applicability, Edit, Finding, Span
from deblock.reporters import ReportContext
from deblock.reporters._common import fix_title
from deblock.reporters.concise import fix_marker, fixed_section, summary

WIDTH = 100  # only a wrap limit for rich; lines are printed with soft_wrap, never cut
CONTEXT_BEFORE, CONTEXT_AFTER = 2, 1
MAX_SPAN_LINES = 6  # longer spans show their first and last lines around "..."
TAB = 4


def _cells(text: str) -> int:
    return cell_len(text.expandtabs(TAB))


def _frame_lines(span: Span, line_count: int) -> list[int | None]:
    """Line numbers to print (None marks elided lines inside a long span)."""
    first = max(1, min(span.line, line_count) - CONTEXT_BEFORE)
    last = min(line_count, span.end_line + CONTEXT_AFTER)
    numbers: list[int | None] = list(range(first, last + 1))
    keep_head, keep_tail = span.line + MAX_SPAN_LINES // 2, span.end_line - MAX_SPAN_LINES // 2 + 1
    if span.end_line - span.line + 1 > MAX_SPAN_LINES and keep_tail <= last:
        numbers = [n for n in range(first, last + 1) if n < keep_head or n >= keep_tail]
        numbers.insert(numbers.index(keep_tail), None)
    return numbers


def _underline(line: str, number: int, span: Span) -> tuple[int, int]:
    """(padding, width) in cells of the carets under one line of the span."""
    begin = span.col if number == span.line else len(line) - len(line.lstrip())
    stop = span.end_col if number == span.end_line else len(line)
    pad = _cells(line[:begin])
    return pad, max(1, _cells(line[:stop]) - pad)


def _frame(finding: Finding, source: str) -> Iterator[Text]:
    lines = source.splitlines() or [""]
    span = finding.span
    numbers = _frame_lines(span, len(lines))
    labelled = min(span.end_line, len(lines))  # the code goes after the last underline
    gutter = len(str(max(n for n in numbers if n is not None)))
    blank = Text(f"{' ' * gutter} |", style="blue")
    yield blank
    for number in numbers:
        if number is None:
            yield Text(f"{'.' * gutter} |", style="blue")
            continue
        line = lines[number - 1]
        yield Text.assemble((f"{number:>{gutter}} | ", "blue"), line.expandtabs(TAB))
        if span.line <= number <= span.end_line:
            pad, width = _underline(line, number, span)
            label = f" {finding.code}" if number == labelled else ""
            yield Text.assemble((f"{' ' * gutter} | ", "blue"), " " * pad, ("^" * width + label, "bold red"))
    yield blank


def _offset(lines: list[str], line: int, col: int) -> int:
    if line > len(lines):
        return sum(map(len, lines))
    return sum(map(len, lines[: line - 1])) + col


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """The source after the edits (non-overlapping; applied back to front so offsets hold)."""
    lines = source.splitlines(keepends=True)
    text = source
    for edit in sorted(edits, key=lambda e: e.span, reverse=True):
        start = _offset(lines, edit.span.line, edit.span.col)
        end = _offset(lines, edit.span.end_line, edit.span.end_col)
        text = text[:start] + edit.content + text[end:]
    return text


def _diff(finding: Finding, source: str) -> Iterator[Text]:
    after = apply_edits(source, finding.edits)
    diff = difflib.unified_diff(
        source.splitlines(), after.splitlines(), f"a/{finding.path}", f"b/{finding.path}", n=1, lineterm=""
    )
    styles = {"-": "red", "+": "green", "@": "cyan"}
    for line in diff:
        yield Text(line, style="bold" if line.startswith(("---", "+++")) else styles.get(line[:1], ""))


def _help(finding: Finding, context: ReportContext) -> Iterator[Text]:
    fix = finding.fix
    if fix is None:
        return
    note = "" if fix.applicability is Applicability.SAFE else f" ({fix.applicability.value} fix)"
    yield Text.assemble(("help", "bold cyan"), f": {fix_title(finding)}{note}")
    source = context.sources.get(finding.path)
    if finding.edits and source is not None:
        yield from _diff(finding, source)


def _finding(finding: Finding, context: ReportContext) -> Iterator[Text]:
    span = finding.span
    yield Text.assemble(
        (f"{finding.path}:{span.line}:{span.col + 1}:", "bold"), " ",
        (finding.code, "bold red"), f" {fix_marker(finding, context)}{finding.message}",
    )
    source = context.sources.get(finding.path)
    if source is not None:
        yield from _frame(finding, source)
    yield from _help(finding, context)
    yield Text("")


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    out = StringIO()
    console = Console(
        file=out, force_terminal=context.color, no_color=not context.color, width=WIDTH,
        color_system="standard" if context.color else None, force_jupyter=False,
        highlight=False, markup=False, emoji=False,
    )
    if not context.statistics:
        for finding in findings:
            if not finding.fix_applied:
                for text in _finding(finding, context):
                    text.rstrip()  # blank source/diff lines would end in spaces, fragile in goldens
                    console.print(text, soft_wrap=True)
    for line in [*fixed_section(findings, context), *summary(findings, context)]:
        console.print(line, soft_wrap=True)
    return out.getvalue()
