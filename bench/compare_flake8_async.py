"""How much of flake8-async's own blocking-call test suite does deblock find?

Downloads the flake8-async sdist from PyPI (or takes `--source DIR`), reads the
expectations its eval files carry (`# ASYNC210: 4, 'requests.get'`: code and 0-based
column on that line), runs deblock's DBK1xx rules on each file in process, and reports
per ASYNC code: expected findings, found by deblock (same line, same column, the
matching DBK family), missed, and deblock findings on lines the file expects nothing.

Nothing from flake8-async is copied into this repository; the files are read from the
downloaded sdist at run time. Every extra finding is printed, split into the lines the
eval files mark as flake8-async's own gap (`# should error`, `# not handled`, ...) and
the unexplained ones. Usage: `python bench/compare_flake8_async.py [--show-missed]`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from _suite import FAMILY, Results, async_code, deblock_findings

VERSION = "26.8.1"
EXPECTATION = re.compile(r"#\s*(ASYNC\d{3})(?:_\w+)?:\s*(\d+)")
ASYNC200_ARG = re.compile(r"#\s*ARG\s+--async200-blocking-calls=(.*)$")
ENABLE_ARG = re.compile(r"#\s*ARG\s+--enable=(\S+)")
FILE_CODES = re.compile(r"async(2\d[\dx])")


def enabled_codes(path: Path, source: str) -> set[str]:
    """The codes flake8-async's harness checks in a file: its `--enable` line, else the
    codes its name stands for (`async23x.py` -> ASYNC230-239)."""
    match = ENABLE_ARG.search(source)
    if match:
        return {c.strip() for c in match.group(1).split(",") if c.strip()}
    stem = FILE_CODES.match(path.stem)
    if stem is None:
        return set(FAMILY)
    prefix = "ASYNC" + stem.group(1).rstrip("x")
    return {code for code in FAMILY if code.startswith(prefix)}


def fetch(version: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:", "--no-deps",
         f"flake8-async=={version}", "-d", str(into)],
        check=True,
    )
    archive = next(into.glob("flake8_async-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return next(into.glob("flake8_async-*/tests/eval_files"))


def blocking_calls_from_args(source: str) -> dict[str, str]:
    """flake8-async's `--async200-blocking-calls=a->b,c->d` becomes our DBK100 table."""
    table: dict[str, str] = {}
    for line in source.splitlines():
        match = ASYNC200_ARG.search(line)
        if match:
            for pair in match.group(1).split(","):
                pattern, _, suggestion = pair.partition("->")
                if pattern.strip():
                    table[pattern.strip()] = suggestion.strip() or "blocking"
    return table


def compare(path: Path, results: Results) -> None:
    source = path.read_text(encoding="utf-8")
    calls = tuple(blocking_calls_from_args(source).items())
    enabled = enabled_codes(path, source)
    findings = deblock_findings(source, path.name, calls)
    found = {(f.span.line, f.span.col, f.code) for f in findings}
    expected: set[tuple[int, int]] = set()
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        for code, column in EXPECTATION.findall(line):
            if code not in FAMILY or code not in enabled:
                continue
            expected.add((number, int(column)))
            hit = (number, int(column), FAMILY[code]) in found
            results.expect(code, hit, f"{path.name}:{number}: {line.strip()}")
    for finding in findings:
        code = async_code(finding)
        if (finding.span.line, finding.span.col) in expected or code not in enabled:
            continue
        # ASYNC211 is a name heuristic (`.request("<verb>")` once urllib3 is imported);
        # ASYNC212 reports any method call on a value known to be a urllib3 pool.
        other = "ASYNC212" if code == "ASYNC211" and "ASYNC212" not in enabled else ""
        results.extra(path.name, lines, finding, other)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="an extracted flake8-async eval_files directory")
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--show-missed", action="store_true", help="also list every missed expectation")
    args = parser.parse_args()
    results = Results()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.source or fetch(args.version, Path(scratch))
        files = sorted(p for p in folder.glob("async2*.py"))
        for path in files:
            compare(path, results)
    results.report(f"flake8-async {args.version} eval files: {len(files)} (async2xx)", args.show_missed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
