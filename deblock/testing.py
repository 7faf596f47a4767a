"""Run a rule's `valid`/`invalid` examples in memory (used by the test suite and by
anyone writing a rule).

An example is one module named `example`, or several: `# file: app/views.py` lines
start each file, and the first file is the one findings, `line=` and `fixed=` refer to.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from deblock.analyzer.discovery import PYTHON_SUFFIXES
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.codemods.apply import FixOutcome, fix_source, run_codemods
from deblock.config import Settings, apply_table
from deblock.engine import run_rules, selected_rules
from deblock.model import Finding, Fix, Span

FILE_MARKER = "# file: "


@dataclass(frozen=True)
class ExampleFile:
    path: str
    module: str
    is_package: bool
    source: str


def split_files(code: str) -> list[ExampleFile]:
    if not code.startswith(FILE_MARKER):
        return [ExampleFile("example.py", "example", False, code)]
    files: list[ExampleFile] = []
    for chunk in code.split(FILE_MARKER)[1:]:
        header, _, body = chunk.partition("\n")
        path = PurePosixPath(header.strip())
        is_package = path.stem == "__init__"
        parts = list(path.parent.parts) + ([] if is_package else [path.stem])
        if path.suffix not in PYTHON_SUFFIXES:
            raise ValueError(f"example file {path} is not a Python file")
        files.append(ExampleFile(str(path), ".".join(parts), is_package, body))
    return files


def example_settings(code: str, config: Mapping[str, Any] | None = None) -> Settings:
    settings = Settings(select=(code,))
    return apply_table(settings, dict(config or {}), "example config") if config else settings


def run_example(source: str, settings: Settings) -> list[Finding]:
    """Findings in the first file of an example."""
    files = split_files(source)
    facts = [extract(f.source.encode("utf-8"), f.path, f.module, f.is_package) for f in files]
    project = Project(facts, settings)
    return run_rules(project, selected_rules(settings), [facts[0]])


def fix_example(source: str, settings: Settings) -> FixOutcome:
    """The first file after applying every applicable fix (unsafe ones included)."""
    files = split_files(source)
    first = files[0]

    def recheck(text: str) -> list[Finding]:
        rebuilt = FILE_MARKER.join(
            [""] + [f"{f.path}\n{text if f is first else f.source}" for f in files]
        ) if len(files) > 1 else text
        return run_example(rebuilt, settings)

    return fix_source(first.source, run_example(source, settings), recheck, unsafe=True, filename=first.path)


def apply_fix(source: str, fix: Fix) -> str:
    """Run one fix's codemod on `source`; the fix must find its node and the result must parse."""
    fixed, located = run_codemods(source, [fix])
    if located != [fix]:
        raise AssertionError(f"codemod {fix.codemod} did not find its node at {fix.span}")
    ast.parse(fixed)
    return fixed


def call_span(source: str, callee_text: str) -> Span:
    """The span of the first call whose callee is written `callee_text` (or starts with it + ".")."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            text = ast.unparse(node.func)
            if text == callee_text or text.startswith(callee_text + "."):
                return Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
    raise AssertionError(f"no call to {callee_text} in the source")
