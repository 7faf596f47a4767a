"""Value types shared by every layer: spans, fixes and findings.

Everything here is a frozen dataclass so it can be pickled between worker
processes, cached by content hash and compared in tests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Span:
    """A source range: 1-based lines, 0-based columns counted in characters (LibCST's model)."""

    line: int
    col: int
    end_line: int
    end_col: int

    def contains(self, other: Span) -> bool:
        """`other` lies inside this range (bounds included)."""
        return (self.line, self.col) <= (other.line, other.col) and (other.end_line, other.end_col) <= (
            self.end_line, self.end_col)


class Applicability(str, enum.Enum):
    """How sure a fix is to keep the program's meaning (ruff's three tiers)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class FixAvailability(str, enum.Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Fix:
    """A fix as data: which codemod to run, on which node (by span), with which arguments."""

    codemod: str
    span: Span
    title: str
    applicability: Applicability
    args: tuple[tuple[str, str], ...] = ()

    def arg(self, name: str, default: str = "") -> str:
        return dict(self.args).get(name, default)


@dataclass(frozen=True, slots=True)
class Edit:
    """A concrete text replacement, derived from a fix by running its codemod (used by reporters)."""

    content: str
    span: Span


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    span: Span
    severity: Severity = Severity.ERROR
    fix: Fix | None = None
    # Filled in by the engine for reporters, never by rules.
    edits: tuple[Edit, ...] = field(default=(), compare=False)
    fix_applied: bool = field(default=False, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.col, self.code)
