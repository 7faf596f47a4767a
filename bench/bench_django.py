#!/usr/bin/env python3
"""Speed benchmark: deblock against `ast.parse`, ruff and flake8-async on Django's source.

design.md §7 budgets deblock relative to the single-core `ast.parse` time of the same
files: a cold check (no cache) within 3x, a warm check (every file a cache hit) within
0.5x. Absolute seconds depend on the machine, so everything is measured in ONE run of
this script and reported as ratios; nothing here is, or should become, a timed test.

    python bench/bench_django.py                      # download Django's sdist, run everything
    python bench/bench_django.py --source ~/src/django --runs 5 --json result.json

Only the standard library is used; the tools are run as subprocesses (wall time,
best of N, so a one-off hiccup on a busy machine does not count).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

DJANGO_VERSION = "5.2.19"  # pinned so that results from different days compare
COLD_TARGET = 3.0
FAMILY_ROW = "deblock cold --select DBK1"
FAMILY_OVERHEAD_TARGET = 0.30  # the DBK1xx family may cost at most 30% more than DBK101 alone
WARM_TARGET = 0.5


class BenchError(Exception):
    """A setup step failed (download, extraction, no `django/` package)."""


@dataclass
class Corpus:
    root: Path  # the `django/` package directory
    files: list[Path]
    sources: list[bytes]
    lines: int

    @property
    def size(self) -> int:
        return sum(len(s) for s in self.sources)


@dataclass(frozen=True)
class Budget:
    runs: int  # the best of these is reported
    time_cap: float  # seconds: stop repeating a tool once its runs add up to this


@dataclass
class Measurement:
    name: str
    command: list[str]
    runs: list[float] = field(default_factory=list)
    target: float | None = None  # maximum ratio to the ast.parse time, if budgeted
    note: str = ""  # why it was skipped or failed

    @property
    def best(self) -> float | None:
        return min(self.runs) if self.runs else None


# --- getting the source -------------------------------------------------------------


def download_sdist(version: str, dest: Path) -> Path:
    """`pip download` the sdist (not a wheel: the sdist is the tree a project checks)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-binary",
        ":all:",
        "--no-deps",
        f"django=={version}",
        "-d",
        str(dest),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    archives = sorted(dest.glob("[Dd]jango-*.tar.gz"))
    if result.returncode != 0 or not archives:
        raise BenchError(f"`{shlex.join(command)}` failed:\n{tail(result.stderr)}")
    return archives[0]


def extract(archive: Path, dest: Path) -> Path:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # refuses absolute paths, `..` and devices
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Pythons without PEP 706
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if not target.is_relative_to(dest.resolve()):
                    raise BenchError(f"refusing to extract {member.name!r} outside {dest}")
            tar.extractall(dest)
    return dest


def find_django_package(tree: Path) -> Path:
    """The `django/` package in an sdist, a checkout, or the package directory itself."""
    tree = tree.resolve()
    candidates = [tree, tree / "django", *sorted(tree.glob("*/django"))]
    for folder in candidates:
        if folder.name == "django" and (folder / "__init__.py").is_file() and (folder / "db").is_dir():
            return folder
    raise BenchError(f"no `django/` package found in {tree}")


def django_version(package: Path) -> str:
    """`VERSION` from django/__init__.py, read with ast: the tree is never imported."""
    try:
        module = ast.parse((package / "__init__.py").read_bytes())
        for node in module.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "VERSION" for t in node.targets):
                major, minor, micro, *_ = ast.literal_eval(node.value)
                return f"{major}.{minor}.{micro}"
    except (OSError, SyntaxError, ValueError, TypeError):
        pass
    return "unknown version"


def load_corpus(package: Path) -> Corpus:
    # Read everything up front so the timed loop measures parsing, not disk I/O.
    files = sorted(package.rglob("*.py"))
    sources = [path.read_bytes() for path in files]
    lines = sum(source.count(b"\n") for source in sources)
    return Corpus(package, files, sources, lines)


# --- timing -------------------------------------------------------------------------


def time_ast_parse(corpus: Corpus, runs: int) -> tuple[list[float], int]:
    """Single-core parse time of the whole corpus per run, and how many files failed."""
    times: list[float] = []
    failures = 0
    for _ in range(runs):
        failures = 0
        start = time.perf_counter()
        for path, source in zip(corpus.files, corpus.sources, strict=True):
            try:
                ast.parse(source, filename=str(path))
            except (SyntaxError, ValueError):
                failures += 1
        times.append(time.perf_counter() - start)
    return times, failures


def run_timed(command: Sequence[str], ok_codes: tuple[int, ...] = (0,)) -> float:
    """Wall time of one run; output is discarded so that terminal speed does not count."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in ok_codes:
        raise BenchError(f"`{shlex.join(command)}` exited {result.returncode}:\n{tail(result.stderr)}")
    return elapsed


def measure(
    m: Measurement, budget: Budget, ok_codes: tuple[int, ...] = (0,), warmup: Callable[[], object] | None = None
) -> None:
    try:
        if warmup is not None:
            warmup()
        for _ in range(budget.runs):
            m.runs.append(run_timed(m.command, ok_codes))
            # A tool that takes a minute per run is far off any budget; more runs would
            # only make the benchmark slow without changing the conclusion.
            if sum(m.runs) >= budget.time_cap and len(m.runs) < budget.runs:
                m.note = f"{len(m.runs)} of {budget.runs} runs (--time-cap {budget.time_cap:g} s)"
                break
    except BenchError as exc:
        m.runs.clear()
        m.note = f"FAILED: {exc}"
    shown = fmt_seconds(m.best) if m.runs else m.note.splitlines()[0]
    print(f"  {m.name}: {shown}", file=sys.stderr)


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no output on stderr)"


# --- the tools ----------------------------------------------------------------------


def deblock_command(override: str | None) -> list[str]:
    if override:
        return shlex.split(override)
    found = shutil.which("deblock")
    return [found] if found else [sys.executable, "-m", "deblock"]


def deblock_problem(deblock: list[str]) -> str | None:
    """Why deblock cannot be benchmarked, or None when `deblock --version` works."""
    try:
        result = subprocess.run([*deblock, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`{shlex.join(deblock)} --version` could not run: {exc}"
    if result.returncode != 0:
        return f"`{shlex.join(deblock)} --version` exited {result.returncode}:\n{tail(result.stderr)}"
    return None


def deblock_measurements(deblock: list[str], target: Path, budget: Budget, scratch: Path) -> list[Measurement]:
    # The default (concise) output: `--output-format json` would also time LibCST computing
    # each fix's edits for the report, which is reporting, not checking.
    check = [*deblock, "check", str(target), "--exit-zero", "-o", os.devnull]
    startup = Measurement("deblock --version (startup only)", [*deblock, "--version"])
    cold = Measurement("deblock cold (--no-cache)", [*check, "--no-cache"], target=COLD_TARGET)
    cold_one = Measurement(
        "deblock cold --select DBK101", [*check, "--no-cache", "--select", "DBK101"], target=COLD_TARGET
    )
    # The whole DBK1xx family (blocking I/O in async code) against DBK101 alone: issue #4's
    # budget is at most 30% more check time for the family (printed under the table).
    cold_family = Measurement(
        FAMILY_ROW, [*check, "--no-cache", "--select", "DBK1"], target=COLD_TARGET
    )
    cache_dir = scratch / "deblock-cache"
    warm = Measurement("deblock warm (--cache-dir)", [*check, "--cache-dir", str(cache_dir)], target=WARM_TARGET)
    problem = deblock_problem(deblock)
    if problem:
        for m in (startup, cold, cold_one, cold_family, warm):
            m.note = f"FAILED: {problem}"
        print(f"  deblock: {problem}", file=sys.stderr)
        return [startup, cold, cold_one, cold_family, warm]
    measure(startup, budget)
    measure(cold, budget)
    measure(cold_one, budget)
    measure(cold_family, budget)
    shutil.rmtree(cache_dir, ignore_errors=True)

    def fill_cache() -> None:
        # One untimed run fills the cache; every timed run after it is all cache hits.
        run_timed(warm.command)
        if not cache_dir.is_dir() or not any(cache_dir.iterdir()):
            warm.note = f"warning: {cache_dir} is empty after a run, so these runs were not warm"

    measure(warm, budget, warmup=fill_cache)
    return [startup, cold, cold_one, cold_family, warm]


def other_tool_measurements(corpus: Corpus, budget: Budget, standalone_flake8_async: bool) -> list[Measurement]:
    target = str(corpus.root)
    results: list[Measurement] = []
    # --isolated: Django's own setup.cfg/pyproject must not change what these tools check.
    ruff = Measurement(
        "ruff check --select ASYNC",
        ["ruff", "check", "--isolated", "--select", "ASYNC", "--no-cache", "--exit-zero", target],
    )
    flake8 = Measurement(
        "flake8 --select ASYNC (flake8-async)", ["flake8", "--isolated", "--select", "ASYNC", "--exit-zero", target]
    )
    tools = [(ruff, (0,)), (flake8, (0,))]
    if standalone_flake8_async:
        # One process, like the ast.parse baseline; given the files because it would
        # otherwise ask git for them. Exits 1 when it reports anything.
        standalone = Measurement("flake8-async standalone (1 process)", ["flake8-async", *map(str, corpus.files)])
        tools.append((standalone, (0, 1)))
    for m, ok_codes in tools:
        executable = shutil.which(m.command[0])
        if executable is None:
            m.note = f"skipped: `{m.command[0]}` is not installed"
            print(f"  {m.name}: {m.note}", file=sys.stderr)
        elif m.command[0] == "flake8" and not flake8_has_async(executable):
            m.note = "skipped: flake8 is installed without the flake8-async plugin"
            print(f"  {m.name}: {m.note}", file=sys.stderr)
        else:
            m.command[0] = executable
            measure(m, budget, ok_codes)
        results.append(m)
    return results


def flake8_has_async(executable: str) -> bool:
    result = subprocess.run([executable, "--version"], capture_output=True, text=True)
    return "flake8-async" in result.stdout


# --- reporting ----------------------------------------------------------------------


def fmt_seconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f} s"


def render_table(parse_best: float, measurements: list[Measurement]) -> str:
    rows = [("tool", "best", "ratio to ast.parse", "target", "")]
    rows.append(("ast.parse (1 core, in process)", fmt_seconds(parse_best), "1.00x", "", ""))
    for m in measurements:
        if m.best is None:
            note = "FAILED (see below)" if m.note.startswith("FAILED") else m.note
            rows.append((m.name, "-", "-", "", note))
            continue
        ratio = m.best / parse_best
        target = f"<= {m.target:g}x" if m.target is not None else ""
        verdict = ("within budget" if ratio <= m.target else "OVER BUDGET") if m.target is not None else ""
        rows.append((m.name, fmt_seconds(m.best), f"{ratio:.2f}x", target, "; ".join(filter(None, (verdict, m.note)))))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def json_report(
    args: argparse.Namespace,
    corpus: Corpus,
    version: str,
    parse_runs: list[float],
    failures: int,
    measurements: list[Measurement],
) -> dict:
    parse_best = min(parse_runs)
    return {
        "corpus": {
            "name": "django",
            "version": version,
            "path": str(corpus.root),
            "files": len(corpus.files),
            "lines": corpus.lines,
            "bytes": corpus.size,
            "parse_failures": failures,
        },
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "runs": args.runs,
        "ast_parse": {"best": parse_best, "runs": parse_runs},
        "tools": [
            {
                **asdict(m),
                "command": short_command(m.command),
                "best": m.best,
                "ratio": (m.best / parse_best if m.best is not None else None),
            }
            for m in measurements
        ],
    }


def short_command(command: list[str]) -> list[str]:
    """The command without a long list of file arguments."""
    if len(command) <= 12:
        return command
    return [*command[:2], f"<{len(command) - 2} more arguments>"]


def print_family_overhead(measurements: list[Measurement]) -> None:
    """The DBK1xx family's cost over DBK101 alone (startup included in both)."""
    by_name = {m.name: m.best for m in measurements}
    one, family = by_name.get("deblock cold --select DBK101"), by_name.get(FAMILY_ROW)
    if one and family:
        overhead = family / one - 1
        verdict = "within budget" if overhead <= FAMILY_OVERHEAD_TARGET else "OVER BUDGET"
        print(f"\nDBK1xx family over DBK101 alone: {overhead:+.0%} (<= +{FAMILY_OVERHEAD_TARGET:.0%}: {verdict})")


def print_failures(measurements: list[Measurement]) -> None:
    """Each distinct failure once, under the names of the rows it emptied."""
    by_note: dict[str, list[str]] = {}
    for m in measurements:
        if m.note.startswith("FAILED"):
            by_note.setdefault(m.note, []).append(m.name)
    for note, names in by_note.items():
        print(f"\n{'; '.join(names)}:\n{note}")


def failed(measurements: list[Measurement]) -> bool:
    return any(m.note.startswith("FAILED") for m in measurements)


# --- main ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        help="an existing Django tree (sdist, checkout or the django/ package); skips the download",
    )
    parser.add_argument(
        "--django-version", default=DJANGO_VERSION, help=f"sdist version to download (default {DJANGO_VERSION})"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is reported (default 3)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--deblock", metavar="CMD", help="how to invoke deblock (default: `deblock` on PATH, else `python -m deblock`)"
    )
    parser.add_argument(
        "--time-cap",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="stop repeating a tool once its runs add up to this many seconds (default 60)",
    )
    parser.add_argument("--skip-others", action="store_true", help="do not run ruff and flake8-async")
    parser.add_argument(
        "--standalone-flake8-async",
        action="store_true",
        help="also time the single-process `flake8-async` CLI (slow: minutes on Django)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the downloaded tree and print its path (reuse it with --source)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.time_cap <= 0:
        parser.error("--time-cap must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="deblock-bench-"))
    try:
        if args.source:
            package = find_django_package(args.source)
            version = django_version(package)
        else:
            print(f"downloading Django {args.django_version} sdist ...", file=sys.stderr)
            archive = download_sdist(args.django_version, scratch / "sdist")
            package = find_django_package(extract(archive, scratch / "src"))
            version = args.django_version
        corpus = load_corpus(package)
        print(f"corpus: {package} ({len(corpus.files)} files, {corpus.lines} lines)", file=sys.stderr)

        parse_runs, failures = time_ast_parse(corpus, args.runs)
        parse_best = min(parse_runs)
        print(f"  ast.parse: {fmt_seconds(parse_best)}", file=sys.stderr)
        budget = Budget(args.runs, args.time_cap)
        measurements = deblock_measurements(deblock_command(args.deblock), package, budget, scratch)
        if not args.skip_others:
            measurements += other_tool_measurements(corpus, budget, args.standalone_flake8_async)

        print()
        print(
            f"Django {version}: {len(corpus.files)} files, {corpus.lines} lines, {corpus.size / 1e6:.1f} MB; "
            f"best of {args.runs}; {os.cpu_count()} CPUs; Python {platform.python_version()}"
        )
        if failures:
            print(f"note: {failures} files did not parse with this Python (ast.parse time still counts them)")
        print(render_table(parse_best, measurements))
        print_family_overhead(measurements)
        print_failures(measurements)
        if args.json:
            args.json.write_text(
                json.dumps(json_report(args, corpus, version, parse_runs, failures, measurements), indent=2) + "\n"
            )
        return 1 if failed(measurements) else 0
    except BenchError as exc:
        print(f"bench_django: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep and not args.source and (scratch / "src").is_dir():
            print(f"kept the source tree: {scratch / 'src'} (pass it to --source)", file=sys.stderr)
            shutil.rmtree(scratch / "sdist", ignore_errors=True)
            shutil.rmtree(scratch / "deblock-cache", ignore_errors=True)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
