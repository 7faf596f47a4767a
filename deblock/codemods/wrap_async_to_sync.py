"""`f(x)` -> `async_to_sync(f)(x)` (asgiref; fix argument `library` "asgiref") or
`asyncio.run(f(x))` ("asyncio"): a sync caller that must stay sync calls a function that
became async. Valid only where no event loop runs in the calling thread."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod


class WrapAsyncToSync(SpanCodemod):
    NAME = "wrap_async_to_sync"
    DESCRIPTION = "Call a coroutine function from sync code through an event loop."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        if fix.arg("library", "asgiref") == "asgiref":
            AddImportsVisitor.add_needed_import(self.context, "asgiref.sync", "async_to_sync")
            wrapper = cst.Call(func=cst.Name("async_to_sync"), args=[cst.Arg(updated_node.func)])
            return updated_node.with_changes(func=wrapper)
        AddImportsVisitor.add_needed_import(self.context, "asyncio")
        inner = updated_node.with_changes(lpar=(), rpar=())
        return cst.Call(func=cst.parse_expression("asyncio.run"), args=[cst.Arg(inner)],
                        lpar=updated_node.lpar, rpar=updated_node.rpar)
