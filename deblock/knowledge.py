"""Knowledge tables from `deblock/data/*.toml`, loaded once and validated on load."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from deblock.model import Applicability

FALLBACKS = ("to_thread", "sync_to_async", "")


class KnowledgeError(ValueError):
    """A row of a data table is malformed (a bug in deblock, caught by tests)."""


@dataclass(frozen=True, slots=True)
class BlockingCall:
    match: str
    code: str
    replacement: tuple[tuple[str, str], ...]  # async library -> call template
    awaited: bool
    safety: Applicability
    semantic_delta: str
    imports_add: tuple[tuple[str, str], ...]
    fallback: str
    source: str

    def replacement_for(self, library: str) -> str | None:
        return dict(self.replacement).get(library)

    def import_for(self, library: str) -> str | None:
        return dict(self.imports_add).get(library)


_REQUIRED = ("match", "code", "awaited", "safety", "semantic_delta", "fallback", "source")


def _row(raw: dict, index: int) -> BlockingCall:
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise KnowledgeError(f"blocking.toml row {index}: missing {', '.join(missing)}")
    if raw["fallback"] not in FALLBACKS:
        raise KnowledgeError(f"blocking.toml row {index}: fallback must be one of {FALLBACKS}")
    if not str(raw["source"]).startswith("https://"):
        raise KnowledgeError(f"blocking.toml row {index}: source must be an https URL")
    try:
        safety = Applicability(raw["safety"])
    except ValueError:
        raise KnowledgeError(f"blocking.toml row {index}: unknown safety {raw['safety']!r}") from None
    return BlockingCall(
        match=raw["match"],
        code=raw["code"],
        replacement=tuple(sorted(raw.get("replacement", {}).items())),
        awaited=bool(raw["awaited"]),
        safety=safety,
        semantic_delta=raw["semantic_delta"],
        imports_add=tuple(sorted(raw.get("imports_add", {}).items())),
        fallback=raw["fallback"],
        source=raw["source"],
    )


@cache
def blocking_calls() -> dict[str, BlockingCall]:
    """The blocking-call catalogue keyed by qualified name. Immutable once loaded."""
    text = resources.files("deblock.data").joinpath("blocking.toml").read_text(encoding="utf-8")
    rows = [_row(raw, i) for i, raw in enumerate(tomllib.loads(text).get("call", []))]
    table = {row.match: row for row in rows}
    if len(table) != len(rows):
        raise KnowledgeError("blocking.toml: duplicate `match`")
    return table
