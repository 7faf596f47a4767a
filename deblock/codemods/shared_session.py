"""Send a module-level `requests.get(...)`-style call through one shared `requests.Session`.
Fix arguments:

- `method`: the Session method to call (`get`, `post`, ..., `request`: the same signature
  as the module-level function);
- `session`: a module-level Session already in the module (`_session.get(...)`); when
  empty, a `functools.cache`d factory `_http_session()` is written (or reused) above the
  top-level statement holding the call, and the call becomes `_http_session().get(...)`.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod
from deblock.codemods.hoist_to_cached_factory import FactoryWriter


class SharedSession(SpanCodemod):
    NAME = "shared_session"
    DESCRIPTION = "Send a module-level requests call through a shared Session."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writer = FactoryWriter(self)

    def visit_Module(self, node: cst.Module) -> None:
        self.writer.start(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return self.writer.finish(updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        session: cst.BaseExpression
        if fix.arg("session"):
            session = cst.Name(fix.arg("session"))
        else:
            AddImportsVisitor.add_needed_import(self.context, "requests")
            name = self.writer.factory(original_node, "_http_session", [], cst.parse_expression("requests.Session()"))
            session = cst.Call(func=cst.Name(name))
        return updated_node.with_changes(func=cst.Attribute(value=session, attr=cst.Name(fix.arg("method"))))
