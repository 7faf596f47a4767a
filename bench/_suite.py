"""What the suite comparisons (`compare_flake8_async.py`, `compare_ruff_async.py`) share.

Running deblock in process on one test file, naming the ASYNC code a deblock finding
stands for, counting expected/found per code, and sorting deblock's extra findings into
the ones the suite itself marks as its own gap ("# should error", "# not handled", ...)
and the ones nothing explains. Every extra is printed; none is dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from deblock.config import Settings
from deblock.engine import check_source
from deblock.model import Finding

# ASYNC code -> the deblock rule covering the same family.
FAMILY = {
    "ASYNC200": "DBK100",
    "ASYNC210": "DBK102", "ASYNC211": "DBK102", "ASYNC212": "DBK102",
    "ASYNC220": "DBK103", "ASYNC221": "DBK103", "ASYNC222": "DBK103",
    "ASYNC230": "DBK104", "ASYNC231": "DBK104", "ASYNC232": "DBK104",
    "ASYNC240": "DBK105",
    "ASYNC250": "DBK106",
    "ASYNC251": "DBK101",
}
# A comment by which a suite says "this line should be reported, we don't": the line
# or the line above carries it.
GAP_COMMENT = re.compile(
    r"#.*\b(should (?:error|raise|emit|warn|be flagged)|not handled|not implemented|"
    r"won'?t catch|will not catch|todo|false negative|not supported|doesn'?t catch)",
    re.IGNORECASE,
)


def deblock_findings(source: str, name: str, blocking_calls: tuple[tuple[str, str], ...] = ()) -> list[Finding]:
    """deblock's DBK1xx findings (the families in `FAMILY`) on one file, in process."""
    settings = Settings(select=("DBK1",), blocking_calls=blocking_calls)
    stem = name.rsplit("/", 1)[-1].removesuffix(".py")
    return [f for f in check_source(source, settings, name, stem) if f.code in FAMILY.values()]


def callee_text(message: str) -> str:
    """The callee a DBK1xx message names (its first `code` span, without `()`)."""
    match = re.search(r"`([^`]+?)(?:\(\))?`", message)
    return match.group(1) if match else ""


def async_code(finding: Finding) -> str:
    """The flake8-async code a deblock finding corresponds to, from its family and callee
    (deblock's families are coarser than flake8-async's codes)."""
    code, callee = finding.code, callee_text(finding.message)
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


def marks_gap(lines: list[str], number: int, reach: int = 6) -> bool:
    """Whether the suite says it misses line `number` (1-based) on purpose: the line
    itself or the line above carries a gap comment, or the comment heading the case does
    (the nearest comment-only line at most `reach` lines above)."""
    if any(GAP_COMMENT.search(lines[n - 1]) for n in (number, number - 1) if 0 < n <= len(lines)):
        return True
    for n in range(number - 1, max(number - 1 - reach, 0), -1):
        if lines[n - 1].lstrip().startswith("#"):
            return bool(GAP_COMMENT.search(lines[n - 1]))
    return False


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    missed: list[str] = field(default_factory=list)


@dataclass
class Results:
    """Expected/found per ASYNC code, and every deblock finding the suite does not expect."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    gap_extras: list[str] = field(default_factory=list)
    other_code_extras: list[str] = field(default_factory=list)
    unexplained_extras: list[str] = field(default_factory=list)
    extra_codes: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def expect(self, code: str, hit: bool, where: str) -> None:
        tally = self.tallies.setdefault(code, Tally())
        tally.expected += 1
        if hit:
            tally.found += 1
        else:
            tally.missed.append(where)

    def extra(self, name: str, lines: list[str], finding: Finding, other_code: str = "", gap: str = "") -> None:
        """Record a finding the suite does not expect. `other_code`: a code of the same suite
        that reports this line but that the file does not check; `gap`: why the suite
        itself says the line should be reported (besides a gap comment)."""
        line = finding.span.line
        text = f"{name}:{line}: {finding.code}: {lines[line - 1].strip()}"
        self.extra_codes[finding.code] += 1
        if gap:
            self.gap_extras.append(f"{text}  [{gap}]")
        elif marks_gap(lines, line):
            self.gap_extras.append(text)
        elif other_code:
            self.other_code_extras.append(f"{text}  [the suite's {other_code} reports it; not checked in this file]")
        else:
            self.unexplained_extras.append(text)

    def report(self, title: str, show_missed: bool) -> None:
        expected = sum(t.expected for t in self.tallies.values())
        found = sum(t.found for t in self.tallies.values())
        print(title)
        print(f"{'code':<10} {'family':<8} {'expected':>8} {'found':>6} {'recall':>7}")
        for code in sorted(self.tallies):
            t = self.tallies[code]
            print(f"{code:<10} {FAMILY[code]:<8} {t.expected:>8} {t.found:>6} {t.found / t.expected:>7.1%}")
        print(f"{'all':<10} {'':<8} {expected:>8} {found:>6} {found / max(expected, 1):>7.1%}")
        extras = len(self.gap_extras) + len(self.other_code_extras) + len(self.unexplained_extras)
        print(f"deblock findings where the suite expects none, for the codes it checks: {extras} "
              f"({extras / max(expected, 1):.1%} of expected) {dict(self.extra_codes)}")
        print(f"  on lines the suite marks as its own gap: {len(self.gap_extras)}; "
              f"reported by another code of the suite that the file does not check: {len(self.other_code_extras)}; "
              f"unexplained: {len(self.unexplained_extras)} ({len(self.unexplained_extras) / max(expected, 1):.1%})")
        for note in self.notes:
            print(f"note: {note}")
        if show_missed:
            for code in sorted(self.tallies):
                for line in self.tallies[code].missed:
                    print(f"missed {code}: {line}")
        for line in self.gap_extras:
            print(f"extra (suite's own gap) {line}")
        for line in self.other_code_extras:
            print(f"extra (suite's other code) {line}")
        for line in self.unexplained_extras:
            print(f"extra (unexplained) {line}")
