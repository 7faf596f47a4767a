"""Replace an `@functools.lru_cache`/`@functools.cache` decorator on a method that takes only
`self` with `@functools.cached_property` (DBK402). The target is the decorator expression;
`import functools` is added and a `from functools import lru_cache` left unused is removed."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod


class LruCacheToCachedProperty(SpanCodemod):
    NAME = "lru_cache_to_cached_property"
    DESCRIPTION = "Turn a memoised no-argument method into a cached property."

    def leave_Decorator(self, original_node: cst.Decorator, updated_node: cst.Decorator) -> cst.Decorator:
        if self.fix_for(original_node.decorator) is None:
            return updated_node
        AddImportsVisitor.add_needed_import(self.context, "functools")
        for name in ("lru_cache", "cache"):
            RemoveImportsVisitor.remove_unused_import(self.context, "functools", name)
        return updated_node.with_changes(decorator=cst.parse_expression("functools.cached_property"))
