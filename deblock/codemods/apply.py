"""The fix runner: apply fixes to one file's text, verify, loop until stable.

Per pass: keep the applicable, non-overlapping fixes (an outer span wins), run each
codemod once over the module with the fixes that name it, re-parse with `ast`,
re-run the file's rules on the result. Stop when no applicable fix is left; give up
after MAX_PASSES, or as soon as an output does not parse, and keep the original.
"""

from __future__ import annotations

import ast
import difflib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext, TransformFailure, TransformSuccess, transform_module

from deblock.codemods import codemods
from deblock.model import Applicability, Edit, Finding, Fix, Span

MAX_PASSES = 10

Recheck = Callable[[str], Sequence[Finding]]


@dataclass
class FixOutcome:
    source: str  # the fixed text, or the original when reverted
    applied: list[Finding] = field(default_factory=list)
    error: str | None = None  # why the file was reverted


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    if fix is None:
        return False
    return fix.applicability is Applicability.SAFE or (unsafe and fix.applicability is Applicability.UNSAFE)


def non_overlapping(findings: Iterable[Finding]) -> list[Finding]:
    """Keep fixes whose spans do not overlap; where one contains another, the outer wins."""
    ordered = sorted(findings, key=lambda f: (f.fix.span.line, f.fix.span.col, -f.fix.span.end_line, -f.fix.span.end_col))  # type: ignore[union-attr]
    kept: list[Finding] = []
    for finding in ordered:
        span = finding.fix.span  # type: ignore[union-attr]
        if kept:
            last = kept[-1].fix.span  # type: ignore[union-attr]
            if (span.line, span.col) < (last.end_line, last.end_col):
                continue  # overlaps (or sits inside) the previous kept fix: next pass
        kept.append(finding)
    return kept


def run_codemods(source: str, fixes: Sequence[Fix], filename: str = "") -> tuple[str, list[Fix]]:
    """Apply the fixes of one codemod (the first by name) in one pass; return the new text
    and the fixes it located. Fixes of other codemods wait for the next pass, where the
    re-check locates them again in the changed text. Raises ValueError on failure."""
    if not fixes:
        return source, []
    registry = codemods()
    name = min(f.codemod for f in fixes)
    if name not in registry:
        raise ValueError(f"unknown codemod {name!r}")
    transformer = registry[name](CodemodContext(filename=filename), [f for f in fixes if f.codemod == name])
    result = transform_module(transformer, source)
    if isinstance(result, TransformFailure):
        raise ValueError(f"codemod {name} failed: {result.error}")
    if isinstance(result, TransformSuccess):
        return result.code, list(transformer.applied)
    return source, []


def fix_source(source: str, findings: Sequence[Finding], recheck: Recheck, unsafe: bool, filename: str = "") -> FixOutcome:
    current = source
    applied: list[Finding] = []
    pending = [f for f in findings if is_applicable(f.fix, unsafe)]
    for _ in range(MAX_PASSES):
        if not pending:
            return FixOutcome(current, applied)
        batch = non_overlapping(pending)
        try:
            updated, located = run_codemods(current, [f.fix for f in batch if f.fix], filename)
        except (ValueError, cst.ParserSyntaxError) as exc:
            return FixOutcome(source, [], f"fix could not be applied, file left unchanged: {exc}")
        try:
            ast.parse(updated)
        except SyntaxError as exc:
            return FixOutcome(source, [], f"fix introduced a syntax error (line {exc.lineno}), file left unchanged")
        if updated == current:
            return FixOutcome(source, [], "fix did not change the file, file left unchanged")
        applied.extend(f for f in batch if f.fix in located)
        current = updated
        pending = [f for f in recheck(current) if is_applicable(f.fix, unsafe)]
    if pending:
        return FixOutcome(source, [], f"fixes did not converge after {MAX_PASSES} passes, file left unchanged")
    return FixOutcome(current, applied)


def write_atomic(path: Path, text: str, original: bytes | None = None) -> None:
    """Write through a temporary file and rename, keeping the original's newline style."""
    data = text.encode("utf-8")
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".deblock")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def edits_for(source: str, fix: Fix, filename: str = "") -> tuple[Edit, ...]:
    """The text edits one fix makes, as whole-line replacements (for json/sarif/full output)."""
    try:
        fixed, _ = run_codemods(source, [fix], filename)
    except (ValueError, cst.ParserSyntaxError):
        return ()
    old, new = source.splitlines(keepends=True), fixed.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(Edit("".join(new[j1:j2]), Span(i1 + 1, 0, i2 + 1, 0)))
    return tuple(edits)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
        )
    )
