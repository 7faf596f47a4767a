"""`for b in qs:` -> `async for b in qs:` (and `[b for b in qs]` -> `[b async for b in qs]`):
iterate a Django QuerySet asynchronously (Django 4.1+). The fix names the iterable's span."""

from __future__ import annotations

import libcst as cst

from deblock.codemods._base import SpanCodemod

_ASYNC = cst.Asynchronous(whitespace_after=cst.SimpleWhitespace(" "))


class AsyncForQueryset(SpanCodemod):
    NAME = "async_for_queryset"
    DESCRIPTION = "Iterate a Django QuerySet with `async for`."

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        if self.fix_for(original_node.iter) is None:
            return updated_node
        return updated_node.with_changes(asynchronous=_ASYNC)

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        # Generator expressions are left alone: an async one is no longer a plain iterable.
        if isinstance(self.parent(original_node), cst.GeneratorExp) or self.fix_for(original_node.iter) is None:
            return updated_node
        return updated_node.with_changes(asynchronous=_ASYNC)
