"""Output formats. Each module exposes `render(findings, context) -> str`.

Findings arrive sorted by (path, line, column, code). Columns in `Span` are 0-based
characters; every human or CI format prints them 1-based (cli-and-output.md §8).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deblock.model import Finding

FORMATS = ("concise", "full", "json", "json-lines", "sarif", "github", "gitlab", "junit")


@dataclass(frozen=True)
class ReportContext:
    root: Path  # project root: machine formats use POSIX paths relative to it
    version: str
    # Findings' paths are already relative to root; sources maps them to file text
    # (for code frames in `full`), present only for files that have findings.
    sources: Mapping[str, str] = field(default_factory=dict)
    errors: Sequence[str] = ()  # internal errors / notifications (also printed to stderr)
    color: bool = False
    show_fixes: bool = False
    unsafe_fixes: bool = False  # whether unsafe fixes count as applicable
    fixed_count: int = 0  # fixes applied in this run (for the summary line)
    statistics: bool = False
    quiet: bool = False  # findings only: no summary lines (`-q`)


Renderer = Callable[[Sequence[Finding], ReportContext], str]


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"deblock.reporters.{name.replace('-', '_')}")
    return module.render
