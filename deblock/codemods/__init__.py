"""Codemods by name: every `SpanCodemod` subclass in this package, found by walking it."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from deblock.codemods._base import SpanCodemod


@cache
def codemods() -> dict[str, type[SpanCodemod]]:
    found: dict[str, type[SpanCodemod]] = {}
    for info in pkgutil.iter_modules(__path__, prefix=__name__ + "."):
        if info.name.rpartition(".")[2].startswith("_") or info.name.endswith(".apply"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SpanCodemod) and value.NAME:
                found[value.NAME] = value
    return found
