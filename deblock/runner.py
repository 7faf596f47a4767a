"""`deblock check`: settings -> check -> (fix | diff) -> re-check -> report -> exit code."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from deblock import __version__
from deblock.analyzer.discovery import SourceFile, discover, module_name
from deblock.analyzer.parse import decode, decode_for_display
from deblock.config import ConfigError, Settings
from deblock.engine import CheckResult, Progress, check, internal_error, recheck_in_project
from deblock.model import Finding
from deblock.reporters import ReportContext, renderer

_EDIT_FORMATS = ("full", "json", "json-lines", "sarif", "gitlab")
_PROGRESS_MIN_FILES = 200  # smaller runs finish before a bar is worth drawing

SettingsFactory = Callable[..., Settings]


def _stdin_file(stdin_filename: str | None, settings: Settings) -> tuple[SourceFile, bytes]:
    path = (Path.cwd() / (stdin_filename or "stdin.py")).resolve()
    module, is_package = module_name(path)
    try:
        relpath = path.relative_to(settings.root).as_posix()
    except ValueError:
        relpath = path.as_posix()
    return SourceFile(path, relpath, module, is_package), sys.stdin.buffer.read()


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress | None]:
    """A rich bar on stderr, started only once the run turns out to be large."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    bar = Bar("Analysing", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
              console=Console(stderr=True), transient=True)
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "task" not in state:
            if total - done < _PROGRESS_MIN_FILES:
                return
            bar.start()
            state["task"] = bar.add_task("files", total=total)
        bar.update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "task" in state:
            bar.stop()


def _recheck(path: str, file: SourceFile, result: CheckResult) -> Callable[[str], list[Finding]]:
    """Re-check one file's new text within the project as it was (the N+1 rules read the
    models of other modules), keeping the findings that offer a fix."""
    def recheck(text: str) -> list[Finding]:
        found = recheck_in_project(text, path, file.module, file.is_package, result.project)
        return [f for f in found if f.fix is not None]

    return recheck


def apply_fixes(result: CheckResult, unsafe: bool) -> tuple[dict[str, str], dict[str, str], list[Finding], list[Finding]]:
    """Fixed texts by path, original texts, findings whose fix was applied, and DBK900 errors."""
    from deblock.codemods.apply import fix_source, is_applicable  # LibCST loads only when fixing

    by_path: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if is_applicable(finding.fix, unsafe):
            by_path.setdefault(finding.path, []).append(finding)
    files = {f.relpath: f for f in result.files}
    fixed: dict[str, str] = {}
    originals: dict[str, str] = {}
    applied: list[Finding] = []
    errors: list[Finding] = []
    for path, findings in sorted(by_path.items()):
        original = decode(result.sources[path])
        outcome = fix_source(original, findings, _recheck(path, files[path], result), unsafe, path)
        if outcome.error:
            errors.append(internal_error(path, outcome.error, findings[0].span))
        elif outcome.source != original:
            fixed[path], originals[path] = outcome.source, original
            applied.extend(replace(f, fix_applied=True) for f in outcome.applied)
    return fixed, originals, applied, errors


def _with_edits(findings: list[Finding], sources: Mapping[str, str]) -> list[Finding]:
    from deblock.codemods.apply import edits_for

    out = []
    for finding in findings:
        if finding.fix is not None and not finding.fix_applied and finding.path in sources:
            finding = replace(finding, edits=edits_for(sources[finding.path], finding.fix, finding.path))
        out.append(finding)
    return out


def run_check(paths: Sequence[Path], flags: dict[str, Any], make_settings: SettingsFactory) -> int:
    paths = list(paths) or [Path(".")]
    use_stdin = [str(p) for p in paths] == ["-"]
    settings = make_settings(
        [Path.cwd()] if use_stdin else paths, flags.pop("config"), flags.pop("isolated"),
        **{k: flags.get(k) for k in (
            "select", "extend_select", "ignore", "per_file_ignores", "exclude", "extend_exclude", "force_exclude",
            "no_respect_gitignore", "target_version", "async_library", "cache_dir", "unsafe_fixes")},
    )
    if flags["show_settings"]:
        _show_settings(settings)
        return 0
    if flags["show_files"]:
        for file in discover(paths, settings):
            click.echo(f"{file.relpath}  ({file.module})")
        return 0
    if use_stdin and (flags["fix"] or flags["diff"]):
        raise ConfigError("--fix and --diff do not apply to stdin input")
    if "-" in map(str, paths) and not use_stdin:
        raise ConfigError("`-` (stdin) cannot be combined with other paths")
    show_bar = sys.stderr.isatty() and not os.environ.get("CI")
    kwargs: dict[str, Any] = {"use_cache": not flags["no_cache"], "jobs": flags["jobs"]}
    if use_stdin:
        file, data = _stdin_file(flags["stdin_filename"], settings)
        kwargs.update(files=[file], overlay={file.relpath: data}, use_cache=False)

    with _progress(show_bar and not use_stdin) as progress:
        result = check(paths, settings, progress=progress, **kwargs)
    applied: list[Finding] = []
    fix_errors: list[Finding] = []
    diff_text = ""
    if flags["fix"] or flags["diff"]:
        result, applied, fix_errors, diff_text = _fix(paths, result, settings, flags, write=not flags["diff"])
    findings = sorted([*result.findings, *fix_errors], key=lambda f: f.sort_key)
    for error in result.errors:
        click.echo(f"deblock: warning: {error}", err=True)
    if diff_text:
        click.echo(diff_text, nl=False)
    _report(findings, applied, result, settings, flags, to_stderr=bool(diff_text))
    return _exit_code(findings, bool(applied), bool(diff_text), flags)


def _fix(
    paths: Sequence[Path], result: CheckResult, settings: Settings, flags: Mapping[str, Any], write: bool
) -> tuple[CheckResult, list[Finding], list[Finding], str]:
    """Apply fixes (to disk, or only as a diff) and re-check: the report shows what remains."""
    fixed, originals, applied, errors = apply_fixes(result, settings.unsafe_fixes)
    recheck = {"files": result.files, "use_cache": not flags["no_cache"], "jobs": flags["jobs"]}
    if not write:
        from deblock.codemods.apply import unified_diff

        diff_text = "".join(unified_diff(p, originals[p], fixed[p]) for p in sorted(fixed))
        overlay = {p: text.encode("utf-8") for p, text in fixed.items()}
        return check(paths, settings, overlay=overlay, **recheck), applied, errors, diff_text
    if fixed:
        from deblock.codemods.apply import write_atomic

        files = {f.relpath: f for f in result.files}
        for path, text in fixed.items():
            write_atomic(files[path].path, text)
        result = check(paths, settings, **recheck)
    return result, applied, errors, ""


def _report(
    findings: list[Finding], applied: list[Finding], result: CheckResult, settings: Settings,
    flags: Mapping[str, Any], to_stderr: bool,
) -> None:
    sources = {p: decode_for_display(result.sources[p]) for p in {f.path for f in findings} if p in result.sources}
    if flags["output_format"] in _EDIT_FORMATS:
        findings = _with_edits(findings, sources)
    shown = sorted(findings + (applied if flags["show_fixes"] else []), key=lambda f: f.sort_key)
    color = {"always": True, "never": False}.get(flags["color"], sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    context = ReportContext(
        root=settings.root, version=__version__, sources=sources, errors=tuple(result.errors),
        color=bool(color) and flags["output_file"] is None, show_fixes=flags["show_fixes"],
        unsafe_fixes=settings.unsafe_fixes, fixed_count=len(applied), statistics=flags["statistics"],
        quiet=flags["quiet"],
    )
    report = renderer(flags["output_format"])(shown, context)
    if to_stderr and flags["output_format"] == "concise":
        click.echo(report, nl=False, err=True)  # the diff owns stdout (ruff#4093: still show findings)
    elif flags["output_file"]:
        Path(flags["output_file"]).write_text(report, encoding="utf-8")
    else:
        click.echo(report, nl=False, color=context.color)  # click strips ANSI on pipes unless told


def _show_settings(settings: Settings) -> None:
    click.echo(f"config file: {settings.config_path or '(none: defaults)'}")
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        click.echo(f"{field.name.replace('_', '-')} = {value!r}")
    click.echo(f"effective cache dir = {str(settings.effective_cache_dir)!r}")


def _exit_code(findings: list[Finding], changed: bool, has_diff: bool, flags: Mapping[str, Any]) -> int:
    if flags["exit_zero"]:
        return 0
    if findings or has_diff:
        return 1
    if changed and flags["exit_non_zero_on_fix"]:
        return 1
    return 0
