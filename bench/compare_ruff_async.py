"""How much of Ruff's flake8-async test suite does deblock find?

Ruff's port of flake8-async was written independently of flake8-async's own eval files:
its fixtures (`crates/ruff_linter/resources/test/fixtures/flake8_async/ASYNC2*.py`) and
the insta snapshots of what Ruff reports on them
(`crates/ruff_linter/src/rules/flake8_async/snapshots/*.snap`) are a second suite. This
script reads the expected (file, line, column, code) from the snapshots, runs deblock's
DBK1xx rules on each fixture in process, and reports per ASYNC code: expected, found by
deblock (same line, same column, the matching DBK family), missed, and every deblock
finding the snapshots do not expect, for the codes Ruff checks on that file.

Ruff's sdist on PyPI does not ship these fixtures or snapshots (checked: 0.5.0, 0.16.4),
so the script downloads the GitHub tarball of a pinned Ruff tag, or takes `--source DIR`
(a Ruff checkout or extracted tarball). Nothing from Ruff is copied into this repository.
Usage: `python bench/compare_ruff_async.py [--source DIR] [--show-missed]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from _suite import FAMILY, Results, async_code, deblock_findings

TAG = "0.16.4"
TARBALL = "https://codeload.github.com/astral-sh/ruff/tar.gz/refs/tags/{tag}"
FIXTURES = "crates/ruff_linter/resources/test/fixtures/flake8_async"
SNAPSHOTS = "crates/ruff_linter/src/rules/flake8_async/snapshots"
SNAPSHOT_NAME = re.compile(r"ruff_linter__rules__flake8_async__tests__(?P<rule>[\w-]+?)_(?P<file>ASYNC\w+\.py)\.snap$")
# Ruff's rule names, as newer snapshot file names spell them.
RULE_CODES = {
    "blocking-http-call-in-async-function": "ASYNC210",
    "blocking-http-call-httpx-in-async-function": "ASYNC212",
    "create-subprocess-in-async-function": "ASYNC220",
    "run-process-in-async-function": "ASYNC221",
    "wait-for-process-in-async-function": "ASYNC222",
    "blocking-open-call-in-async-function": "ASYNC230",
    "blocking-path-method-in-async-function": "ASYNC240",
    "blocking-input-in-async-function": "ASYNC250",
    "blocking-sleep-in-async-function": "ASYNC251",
}
# `ASYNC210 message` / ` --> FILE:LINE:COL` (insta, Ruff >= 0.12) or
# `FILE:LINE:COL: ASYNC210 message` (older snapshots).
NEW_HEADER = re.compile(r"^(?P<code>ASYNC\d{3}) .*\n\s*--> (?P<file>\S+?):(?P<line>\d+):(?P<col>\d+)$", re.MULTILINE)
OLD_HEADER = re.compile(r"^(?P<file>\S+?\.py):(?P<line>\d+):(?P<col>\d+): (?P<code>ASYNC\d{3}) ", re.MULTILINE)
QUOTED = re.compile(r"^\s*(?P<n>\d+) \|(?: (?P<text>.*))?$", re.MULTILINE)


def fetch(tag: str, into: Path) -> Path:
    archive = into / f"ruff-{tag}.tar.gz"
    with urllib.request.urlopen(TARBALL.format(tag=tag), timeout=120) as response:
        archive.write_bytes(response.read())
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if f"/{FIXTURES}/" in m.name or f"/{SNAPSHOTS}/" in m.name]
        tar.extractall(into, members=members, filter="data")
    return next(p for p in into.iterdir() if p.is_dir())


def expectations(snapshot: Path) -> list[tuple[str, int, int, str]]:
    """(code, line, 0-based column, quoted source line) for each diagnostic a snapshot holds."""
    text = snapshot.read_text(encoding="utf-8")
    headers = sorted([*NEW_HEADER.finditer(text), *OLD_HEADER.finditer(text)], key=lambda m: m.start())
    found = []
    for i, header in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        line = int(header["line"])
        quoted = next((q["text"] or "" for q in QUOTED.finditer(text, header.end(), end) if int(q["n"]) == line), None)
        found.append((header["code"], line, int(header["col"]) - 1, quoted))
    return found


def realign(lines: list[str], line: int, quoted: str | None, reach: int = 12) -> int | None:
    """The fixture line a snapshot diagnostic is on: `line` if the snapshot quotes it
    verbatim, else the nearest line within `reach` that does (fixture and snapshot from
    different commits), else None."""
    if quoted is None or (0 < line <= len(lines) and lines[line - 1].rstrip() == quoted.rstrip()):
        return line
    for delta in range(1, reach + 1):
        for n in (line - delta, line + delta):
            if 0 < n <= len(lines) and lines[n - 1].rstrip() == quoted.rstrip():
                return n
    return None


def ruff_code(finding) -> str:
    """The Ruff code a deblock finding corresponds to. Ruff has no ASYNC211/231/232: its
    ASYNC230 covers `open` and pathlib's file methods."""
    code = async_code(finding)
    return {"ASYNC211": "ASYNC212", "ASYNC231": "ASYNC230", "ASYNC232": "ASYNC230"}.get(code, code)


def compare(root: Path, results: Results) -> int:
    per_file: dict[str, list[tuple[str, int, int, str | None]]] = {}
    checked: dict[str, set[str]] = {}
    for snapshot in sorted((root / SNAPSHOTS).glob("*.snap")):
        match = SNAPSHOT_NAME.match(snapshot.name)
        if not match or match["rule"].startswith("preview"):
            continue
        code = RULE_CODES.get(match["rule"], match["rule"])
        if code not in FAMILY or not (root / FIXTURES / match["file"]).exists():
            continue
        checked.setdefault(match["file"], set()).add(code)
        per_file.setdefault(match["file"], []).extend(e for e in expectations(snapshot) if e[0] == code)
    for name in sorted(per_file):
        source = (root / FIXTURES / name).read_text(encoding="utf-8")
        lines = source.splitlines()
        findings = deblock_findings(source, name)
        found = {(f.span.line, f.span.col, f.code) for f in findings}
        expected: set[tuple[int, int]] = set()
        for code, line, col, quoted in sorted(set(per_file[name]), key=lambda e: (e[1], e[2], e[0])):
            where = realign(lines, line, quoted)
            if where is None:
                results.notes.append(f"{name}:{line}: snapshot quotes {quoted!r}, not in this fixture; skipped")
                continue
            if where != line:
                results.notes.append(f"{name}:{line}: snapshot line found at {where} (fixture from another commit)")
            expected.add((where, col))
            results.expect(code, (where, col, FAMILY[code]) in found, f"{name}:{where}: {lines[where - 1].strip()}")
        for finding in findings:
            code = ruff_code(finding)
            if (finding.span.line, finding.span.col) in expected or code not in checked[name]:
                continue
            # The fixture's own comment (`# ASYNC212`) says Ruff should report the line,
            # yet its snapshot has no diagnostic there.
            said = re.search(rf"#\s*{code}\b", lines[finding.span.line - 1])
            results.extra(name, lines, finding, gap=f"fixture comment expects {code}; snapshot lacks it" if said else "")
    return len(per_file)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="a Ruff checkout or extracted source tarball")
    parser.add_argument("--tag", default=TAG, help="the Ruff tag to download when --source is not given")
    parser.add_argument("--show-missed", action="store_true", help="also list every missed expectation")
    args = parser.parse_args()
    results = Results()
    with tempfile.TemporaryDirectory() as scratch:
        try:
            root = args.source or fetch(args.tag, Path(scratch))
        except (urllib.error.URLError, OSError) as error:
            print(f"could not download Ruff {args.tag} from GitHub ({error}); Ruff's PyPI sdist does not "
                  f"ship its test fixtures, so pass --source with a Ruff checkout", file=sys.stderr)
            return 2
        files = compare(root, results)
    results.report(f"Ruff {args.source or args.tag} flake8_async fixtures: {files} (ASYNC2xx)", args.show_missed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
