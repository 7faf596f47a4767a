"""Rule registry: every `Rule` subclass in the family sub-packages, found by walking them.

There is no hand-kept list (flake8-async needed a test just to catch forgotten
imports); adding a rule is writing one module.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from deblock.rules._base import Invalid, Rule, Valid

__all__ = ["Invalid", "Rule", "Valid", "all_rules", "rule_by_code"]


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code. Cached: the registry is immutable once imported."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__:
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"duplicate rule code {value.code}: {found[value.code]} and {value}")
                found[value.code] = value
    return tuple(found[c] for c in sorted(found))


def rule_by_code(code: str) -> type[Rule] | None:
    return next((r for r in all_rules() if r.code == code.upper()), None)
