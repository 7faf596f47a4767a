"""A legacy `Query` chain -> a 2.0 `select()` run by an `AsyncSession`:

    Post.query.filter_by(slug=slug).first_or_404()   ->  await db.first_or_404(select(Post).filter_by(slug=slug).limit(1))
    db.session.query(Tag).filter(Tag.name == n).all() -> (await db.session.scalars(select(Tag).where(Tag.name == n))).all()

Fix arguments (computed by `deblock migrate` from the project, deblock/data/quart.toml):
`template` (the terminal's rewrite with `{stmt}`, `{session}`, `{db}`, `{fetch}`,
`{entity}`, `{args}`, `{kwargs}`), `form` (`model` for `Model.query`, `session` for
`session.query(...)`), `session`, `db` and `fetch` (`scalars` for one mapped entity,
`execute` for rows). The steps between the root and the terminal keep their arguments;
`filter` becomes `where`. The fix names the terminal call's span."""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod, needs_parentheses_as_primary

_RENAMED_STEPS = {"filter": "where"}


class LegacyQueryToSelect(SpanCodemod):
    NAME = "legacy_query_to_select"
    DESCRIPTION = "Rewrite a legacy Query chain to select() run by an AsyncSession."

    def _code(self, node: cst.CSTNode) -> str:
        return cst.Module(body=()).code_for_node(node)

    def _args(self, args: tuple[cst.Arg, ...] | list[cst.Arg], keyword: bool) -> str:
        chosen = [a for a in args if (a.keyword is not None) == keyword]
        return ", ".join(self._code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in chosen)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None or not isinstance(updated_node.func, cst.Attribute):
            return updated_node
        steps: list[str] = []
        node: cst.BaseExpression = updated_node.func.value
        session = fix.arg("session")
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not (
                fix.arg("form") == "session" and node.func.attr.value == "query"):
            name = node.func.attr.value
            steps.append(f".{_RENAMED_STEPS.get(name, name)}({self._code_args(node.args)})")
            node = node.func.value
        if fix.arg("form") == "session":
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
                return updated_node
            session = self._code(node.func.value)
            entity = self._code_args(node.args)
        else:
            if not isinstance(node, cst.Attribute):
                return updated_node
            entity = self._code(node.value)
        stmt = f"select({entity})" + "".join(reversed(steps))
        kwargs = self._args(updated_node.args, keyword=True)
        text = fix.arg("template").format(stmt=stmt, session=session, db=fix.arg("db"), fetch=fix.arg("fetch"),
                                          entity=entity, args=self._args(updated_node.args, keyword=False),
                                          kwargs=f", {kwargs}" if kwargs else "")
        AddImportsVisitor.add_needed_import(self.context, "sqlalchemy", "select")
        if "func.count()" in text:
            AddImportsVisitor.add_needed_import(self.context, "sqlalchemy", "func")
        replacement = cst.parse_expression(text)
        if isinstance(replacement, cst.Await) and (
                updated_node.lpar or needs_parentheses_as_primary(self.parent(original_node), original_node)):
            replacement = replacement.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return replacement

    def _code_args(self, args: tuple[cst.Arg, ...] | list[cst.Arg]) -> str:
        return ", ".join(self._code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for a in args)
