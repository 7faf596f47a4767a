"""How much of flake8-async's own blocking-call test suite does deblock find?

Downloads the flake8-async sdist from PyPI (or takes `--source DIR`), reads the
expectations its eval files carry (`# ASYNC210: 4, 'requests.get'`: code and 0-based
column on that line), runs deblock's DBK1xx rules on each file in process, and reports
per ASYNC code: expected findings, found by deblock (same line, same column, the
matching DBK family), missed, and deblock findings on lines the file expects nothing.

Nothing from flake8-async is copied into this repository; the files are read from the
downloaded sdist at run time. Usage: `python bench/compare_flake8_async.py [--show-missed]`.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from deblock.config import Settings
from deblock.engine import check_source

VERSION = "26.8.1"
# flake8-async code -> the deblock rule covering the same family.
FAMILY = {
    "ASYNC200": "DBK100",
    "ASYNC210": "DBK102", "ASYNC211": "DBK102", "ASYNC212": "DBK102",
    "ASYNC220": "DBK103", "ASYNC221": "DBK103", "ASYNC222": "DBK103",
    "ASYNC230": "DBK104", "ASYNC231": "DBK104", "ASYNC232": "DBK104",
    "ASYNC240": "DBK105",
    "ASYNC250": "DBK106",
    "ASYNC251": "DBK101",
}
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


def async_code(code: str, callee: str) -> str:
    """The flake8-async code a deblock finding corresponds to, from its family and callee
    (the families are coarser than flake8-async's codes)."""
    method = callee.rpartition(".")[2]
    if code == "DBK102":
        if callee.startswith(("httpx.Client.", "httpx2.Client.")) or ".PoolManager." in callee \
                or "Pool." in callee or "connectionpool" in callee:
            return "ASYNC211" if method == "request" and "urllib3" in callee else "ASYNC212"
        return "ASYNC210"
    if code == "DBK103":
        if method.startswith("wait"):
            return "ASYNC222"
        if callee in ("subprocess.Popen", "os.popen") or (method.startswith("spawn") and "P_NOWAIT" in callee):
            return "ASYNC220"
        return "ASYNC221"
    if code == "DBK104":
        if callee == "os.fdopen":
            return "ASYNC231"
        if callee in ("builtins.open", "io.open", "io.open_code") or callee.endswith(".open"):
            return "ASYNC230"
        return "ASYNC232"
    reverse = {"DBK100": "ASYNC200", "DBK101": "ASYNC251", "DBK105": "ASYNC240", "DBK106": "ASYNC250"}
    return reverse.get(code, "")


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    missed: list[str] = field(default_factory=list)


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


def compare(path: Path, tallies: dict[str, Tally], extra: Counter[str], extra_lines: list[str]) -> None:
    source = path.read_text(encoding="utf-8")
    calls = blocking_calls_from_args(source)
    settings = Settings(select=("DBK1",), blocking_calls=tuple(calls.items()))
    enabled = enabled_codes(path, source)
    findings = [f for f in check_source(source, settings, path.name, path.stem) if f.code in FAMILY.values()]
    found = {(f.span.line, f.span.col, f.code) for f in findings}
    expected: set[tuple[int, int]] = set()
    for number, line in enumerate(source.splitlines(), start=1):
        for code, column in EXPECTATION.findall(line):
            if code not in FAMILY or code not in enabled:
                continue
            expected.add((number, int(column)))
            tally = tallies.setdefault(code, Tally())
            tally.expected += 1
            if (number, int(column), FAMILY[code]) in found:
                tally.found += 1
            else:
                tally.missed.append(f"{path.name}:{number}: {line.strip()}")
    lines = source.splitlines()
    for finding in findings:
        callee = _callee_text(finding.message)
        if (finding.span.line, finding.span.col) in expected or async_code(finding.code, callee) not in enabled:
            continue
        extra[finding.code] += 1
        extra_lines.append(f"{path.name}:{finding.span.line}: {finding.code}: {lines[finding.span.line - 1].strip()}")


def _callee_text(message: str) -> str:
    """The callee a DBK1xx message names (its first `code` span, without `()`)."""
    match = re.search(r"`([^`]+?)(?:\(\))?`", message)
    return match.group(1) if match else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="an extracted flake8-async eval_files directory")
    parser.add_argument("--version", default=VERSION)
    parser.add_argument("--show-missed", action="store_true", help="list every missed and extra line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.source or fetch(args.version, Path(scratch))
        files = sorted(p for p in folder.glob("async2*.py"))
        tallies: dict[str, Tally] = {}
        extra: Counter[str] = Counter()
        extra_lines: list[str] = []
        for path in files:
            compare(path, tallies, extra, extra_lines)
    total_expected = sum(t.expected for t in tallies.values())
    total_found = sum(t.found for t in tallies.values())
    print(f"flake8-async {args.version} eval files: {len(files)} (async2xx)")
    print(f"{'code':<10} {'family':<8} {'expected':>8} {'found':>6} {'recall':>7}")
    for code in sorted(tallies):
        t = tallies[code]
        print(f"{code:<10} {FAMILY[code]:<8} {t.expected:>8} {t.found:>6} {t.found / t.expected:>7.1%}")
    print(f"{'all':<10} {'':<8} {total_expected:>8} {total_found:>6} {total_found / max(total_expected, 1):>7.1%}")
    print(f"deblock findings where the file expects none, for the codes it enables: "
          f"{sum(extra.values())} ({sum(extra.values()) / max(total_expected, 1):.1%} of expected) {dict(extra)}")
    if args.show_missed:
        for code in sorted(tallies):
            for line in tallies[code].missed:
                print(f"missed {code}: {line}")
        for line in extra_lines:
            print(f"extra {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
