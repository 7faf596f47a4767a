"""Send a module-level `requests.get(...)`-style call through one shared `requests.Session`.
Fix arguments:

- `method`: the Session method to call (`get`, `post`, ..., `request`: the same signature
  as the module-level function);
- `session`: a module-level Session already in the module (`_session.get(...)`); when
  empty, a `functools.cache`d factory `_http_session()` is written (or reused) above the
  top-level statement holding the call, and the call becomes `_http_session().get(...)`.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods.hoist_to_cached_factory import FactoryCodemod


class SharedSession(FactoryCodemod):
    NAME = "shared_session"
    DESCRIPTION = "Send a module-level requests call through a shared Session."

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
