"""`--target quart`: what moving a Flask + Flask-SQLAlchemy app to Quart + AsyncSession changes.

The knowledge is `deblock/data/quart.toml`. This module answers two questions for the
planner and for `deblock migrate`:

- **Which calls and reads become awaits** in a function (`quart_call`, `attribute_sites`):
  Quart's coroutine functions (`render_template`), the request body (`request.get_json()`,
  `request.form`), AsyncSession methods on Flask-SQLAlchemy's `db.session`, legacy
  `Model.query` chains (rewritten to `select()`), and relationship reads on model
  instances whose type is known in the function (`post.author` →
  `await post.awaitable_attrs.author`: a lazy load raises `MissingGreenlet` under asyncio).
- **What changes once per project** (`project_edits`): `flask` imports → `quart`,
  `flask_sqlalchemy` → the `quart_db.py` module written next to the one building `db`
  (deblock/data/templates/quart_db.py.txt), `with app.app_context(): db.create_all()` →
  `app.before_serving(db.create_all)`.

Instance types come from the function's own code only: annotated parameters, the loop
variable over a query, the value of a query that returns one row, and relations of
those. A model instance that arrives any other way (a helper's return value) is not
seen: its relationship reads stay as written, and the migration notes say so.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.models import model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.spans import tree_span as _span
from deblock.knowledge import KnowledgeError, names_in, source_in, tomllib
from deblock.model import Span

TARGETS = ("quart",)
TEMPLATE = "quart_db.py"
# Query terminals that give one row (the value is a model instance when one entity is queried).
_ONE_ROW = frozenset({"first", "one", "one_or_none", "scalar", "get", "first_or_404", "one_or_404", "get_or_404",
                      "scalar_one", "scalar_one_or_none", "get_one"})


@dataclass(frozen=True)
class QuartKnowledge:
    source: str
    renames: Mapping[str, str]
    modules: Mapping[str, str]
    coroutines: frozenset[str]
    request_methods: frozenset[str]
    request_properties: frozenset[str]
    sqlalchemy_source: str
    extension_module: str
    session_awaited: frozenset[str]
    extension_awaited: frozenset[str]
    query_steps: Mapping[str, str]
    query_terminals: Mapping[str, str]


def _table(raw: dict, key: str, where: str) -> dict[str, str]:
    value = raw.get(key)
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) and v for v in value.values()):
        raise KnowledgeError(f"{where}.{key} must be a non-empty table of strings")
    return dict(value)


def parse(text: str) -> QuartKnowledge:
    raw = tomllib.loads(text)
    flask, sa = raw.get("flask", {}), raw.get("sqlalchemy", {})
    extension = sa.get("extension_module")
    if not isinstance(extension, str) or not extension:
        raise KnowledgeError("quart.toml sqlalchemy.extension_module must be a module name")
    return QuartKnowledge(
        source=source_in(raw, "quart.toml"),
        renames=_table(flask, "renames", "quart.toml flask"),
        modules=_table(flask, "modules", "quart.toml flask"),
        coroutines=names_in(flask, "coroutines", "quart.toml flask"),
        request_methods=names_in(flask, "request_methods", "quart.toml flask"),
        request_properties=names_in(flask, "request_properties", "quart.toml flask"),
        sqlalchemy_source=source_in(sa, "quart.toml sqlalchemy"),
        extension_module=extension,
        session_awaited=names_in(sa, "session_awaited", "quart.toml sqlalchemy"),
        extension_awaited=names_in(sa, "extension_awaited", "quart.toml sqlalchemy"),
        query_steps=_table(sa, "query_steps", "quart.toml sqlalchemy"),
        query_terminals=_table(sa, "query_terminals", "quart.toml sqlalchemy"),
    )


@cache
def quart_knowledge() -> QuartKnowledge:
    return parse(resources.files("deblock.data").joinpath("quart.toml").read_text(encoding="utf-8"))


def template_text() -> str:
    return resources.files("deblock.data").joinpath("templates", "quart_db.py.txt").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- names
def _extensions() -> frozenset[str]:
    from deblock.orm_knowledge import sqlalchemy_orm

    return frozenset(sqlalchemy_orm().extensions)


def extension_names(project: Project, module: ModuleFacts) -> list[str]:
    """Names bound in `module` to Flask-SQLAlchemy's `db` object."""
    extensions = _extensions()
    return sorted(name for name, target in project.bindings(module).items()
                  if (project.resolve(target) or target) in extensions)


def is_db_session(project: Project, receiver: str) -> bool:
    """`flask_sqlalchemy.SQLAlchemy.session` (resolved): Flask-SQLAlchemy's scoped session."""
    return any(receiver == f"{ext}.session" for ext in _extensions())


def quart_call(project: Project, resolved: str) -> str | None:
    """The awaited form of a call the Quart target turns into a coroutine call, if it is one."""
    knowledge = quart_knowledge()
    receiver, _, method = resolved.rpartition(".")
    if receiver == "flask" and method in knowledge.coroutines:
        return f"await {method}(...)"
    if receiver == "flask.request" and method in knowledge.request_methods:
        return f"await request.{method}(...)"
    if is_db_session(project, receiver) and method in knowledge.session_awaited:
        return f"AsyncSession: await db.session.{method}(...)"
    if receiver in _extensions() and method in knowledge.extension_awaited:
        return f"await db.{method}(...)"
    return None


# ---------------------------------------------------------------------- legacy Query chains
@dataclass(frozen=True)
class QueryChain:
    terminal: str  # the method that runs the query (`first_or_404`)
    entity: str | None  # the model's qualname when one mapped entity is queried
    form: str  # "model" (`Post.query`) or "session" (`session.query(Post, ...)`)
    steps: tuple[str, ...]  # the methods between the root and the terminal


def _model(project: Project, module: ModuleFacts, node: ast.expr) -> str | None:
    """The SQLAlchemy model class a name or dotted name refers to."""
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - every expr unparses
        return None
    head, _, rest = text.partition(".")
    bound = project.bindings(module).get(head)
    if bound is None:
        return None
    qualname = project.resolve(f"{bound}.{rest}" if rest else bound) or bound
    found = model_graph(project).model(qualname)
    return qualname if found is not None and found.orm == "sqlalchemy" else None


def query_chain(project: Project, module: ModuleFacts, call: ast.Call) -> QueryChain | None:
    """`Post.query.filter_by(...).first()` / `db.session.query(Post).filter(...).all()`."""
    if not isinstance(call.func, ast.Attribute):
        return None
    terminal, steps, node = call.func.attr, [], call.func.value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr == "query":
            if not node.args or node.keywords:
                return None
            receiver = ast.unparse(node.func.value)
            head, _, rest = receiver.partition(".")
            bound = project.bindings(module).get(head)
            resolved = project.resolve(f"{bound}.{rest}" if rest else bound) if bound else None
            if resolved is None or not is_db_session(project, resolved):
                return None
            entity = _model(project, module, node.args[0]) if len(node.args) == 1 else None
            return QueryChain(terminal, entity, "session", tuple(reversed(steps)))
        steps.append(node.func.attr)
        node = node.func.value
    if isinstance(node, ast.Attribute) and node.attr == "query":
        entity = _model(project, module, node.value)
        if entity is not None:
            return QueryChain(terminal, entity, "model", tuple(reversed(steps)))
    return None


def query_rewrite(project: Project, module: ModuleFacts, call: ast.Call) -> tuple[str, dict[str, str]] | None:
    """(what it becomes, codemod args) for a legacy Query call, or None if it cannot be written."""
    chain = query_chain(project, module, call)
    knowledge = quart_knowledge()
    if chain is None or chain.terminal not in knowledge.query_terminals:
        return None
    if any(step not in knowledge.query_steps for step in chain.steps):
        return None
    if chain.terminal in ("get", "get_or_404") and (chain.steps or chain.entity is None):
        return None
    names = extension_names(project, module)
    if not names:
        return None
    db = names[0]
    args = {"db": db, "session": f"{db}.session", "fetch": "scalars" if chain.entity else "execute",
            "form": chain.form}
    return knowledge.query_terminals[chain.terminal], args


# ---------------------------------------------------------------------- instance types in a function
@dataclass(frozen=True)
class AttributeSite:
    span: Span
    text: str  # `post.author`
    kind: str  # "request" | "relation"
    blocked: str | None  # why `await` cannot go there (a lambda, a generator expression), if so


class _Types:
    """Model types of local names in one function, from its own code."""

    def __init__(self, project: Project, module: ModuleFacts, fn: ast.AST) -> None:
        self.project = project
        self.module = module
        self.graph = model_graph(project)
        self.names: dict[str, str] = {}
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for arg in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs):
                if arg.annotation is not None:
                    model = self._annotation(arg.annotation)
                    if model:
                        self.names[arg.arg] = model
        for _ in range(2):  # a second pass sees names typed from names typed later in the walk
            for node in ast.walk(fn):
                if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name):
                    model = self.element(node.iter)
                    if model:
                        self.names[node.target.id] = model
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    model = self.one(node.value)
                    if model:
                        self.names[node.targets[0].id] = model

    def _annotation(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp):  # `Post | None`
            return self._annotation(node.left) or self._annotation(node.right)
        return _model(self.project, self.module, node) if isinstance(node, (ast.Name, ast.Attribute)) else None

    def _select_entity(self, node: ast.expr) -> str | None:
        """The model of `select(M)...` (one entity)."""
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) and len(node.args) == 1:
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name == "select":
                return _model(self.project, self.module, node.args[0])
        return None

    def relation_target(self, node: ast.expr) -> tuple[str, bool] | None:
        """(target model, many) when `node` is `x.rel` on a typed instance."""
        if not isinstance(node, ast.Attribute):
            return None
        owner = self.value(node.value)
        relation = self.graph.relation(owner, node.attr) if owner else None
        if relation is None or relation.orm != "sqlalchemy" or relation.target is None:
            return None
        return relation.target, relation.many

    def value(self, node: ast.expr) -> str | None:
        """The model `node` is one instance of."""
        if isinstance(node, ast.Name):
            return self.names.get(node.id)
        target = self.relation_target(node)
        if target is not None and not target[1]:
            return target[0]
        if isinstance(node, ast.Await):
            return self.value(node.value)
        return None

    def one(self, node: ast.expr) -> str | None:
        """The model of a value that is one row: a query terminal, `session.get(M, ...)`."""
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return self.value(node)
        method = node.func.attr
        if method not in _ONE_ROW:
            return None
        chain = query_chain(self.project, self.module, node)
        if chain is not None:
            return chain.entity
        if method in ("get", "get_or_404", "get_one") and node.args:
            return _model(self.project, self.module, node.args[0])
        if method in ("scalar", "first_or_404", "one_or_404") and node.args:
            return self._select_entity(node.args[0])
        inner = node.func.value  # session.execute(select(M)).scalar_one()
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.args:
            return self._select_entity(inner.args[0]) if inner.func.attr == "execute" else None
        return None

    def element(self, node: ast.expr) -> str | None:
        """The model of the items of an iterable: a query's rows, a to-many relation."""
        target = self.relation_target(node)
        if target is not None:
            return target[0] if target[1] else None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            chain = query_chain(self.project, self.module, node)
            if chain is not None:
                return chain.entity if chain.terminal == "all" else None
            if node.func.attr == "all":
                return self.element(node.func.value)
            if node.func.attr == "scalars" and node.args:
                return self._select_entity(node.args[0])
        if isinstance(node, ast.Attribute) and node.attr == "query":  # iterating `Post.query`
            return _model(self.project, self.module, node.value)
        return None


def _blocked(parents: Mapping[ast.AST, ast.AST], node: ast.AST) -> str | None:
    child = node
    while child in parents:
        parent = parents[child]
        if isinstance(parent, ast.Lambda):
            return "it is read inside a lambda"
        if isinstance(parent, ast.GeneratorExp) and not (parent.generators and parent.generators[0].iter is child):
            return "it is read inside a generator expression"
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        child = parent
    return None


def attribute_sites(project: Project, module: ModuleFacts, fn: ast.AST) -> Iterator[AttributeSite]:
    """Reads in `fn` that become awaits under the Quart target: `request.form`-style body
    properties and relationship reads on typed model instances. Nested functions are not
    looked into (they are functions of their own)."""
    knowledge = quart_knowledge()
    request_names = {n for n, t in project.bindings(module).items() if t == "flask.request"}
    types = _Types(project, module, fn)
    parents: dict[ast.AST, ast.AST] = {}
    own: list[ast.AST] = []
    stack = [fn]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            parents[child] = node
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            own.append(child)
            stack.append(child)
    for node in own:
        if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Call) and parent.func is node:
            continue  # a method call, not a read
        if isinstance(node.value, ast.Name) and node.value.id in request_names and node.attr in knowledge.request_properties:
            yield AttributeSite(_span(node), ast.unparse(node), "request", _blocked(parents, node))
        elif types.relation_target(node) is not None:
            yield AttributeSite(_span(node), ast.unparse(node), "relation", _blocked(parents, node))


# ---------------------------------------------------------------------- once per project
@dataclass(frozen=True)
class ProjectEdit:
    path: str
    codemod: str
    span: Span
    title: str
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProjectNote:
    path: str
    line: int
    what: str


def project_edits(project: Project, sources: Mapping[str, ast.Module]) -> tuple[list[ProjectEdit], list[ProjectNote], dict[str, str]]:
    """(edits, notes, new files) the Quart target makes outside the plan's functions."""
    knowledge = quart_knowledge()
    edits: list[ProjectEdit] = []
    notes: list[ProjectNote] = []
    new_files: dict[str, str] = {}
    db_folders: set[str] = set()  # folders of the modules importing flask_sqlalchemy
    for module in project:
        tree = sources.get(module.path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module in knowledge.modules:
                    renames = ",".join(f"{a.name}={knowledge.renames[a.name]}" for a in node.names
                                       if a.name in knowledge.renames)
                    edits.append(ProjectEdit(module.path, "rewrite_import_from", _span(node), f"{node.module} -> quart",
                                             (("module", knowledge.modules[node.module]), ("renames", renames))))
                elif node.module == knowledge.extension_module:
                    db_folders.add(str(PurePosixPath(module.path).parent))
                    package = module.module if module.is_package else module.module.rpartition(".")[0]
                    names = {a.name for a in node.names}
                    if names - {"SQLAlchemy"}:
                        notes.append(ProjectNote(module.path, node.lineno, "only `SQLAlchemy` is provided by quart_db.py; "
                                                 f"{', '.join(sorted(names - {'SQLAlchemy'}))} must be replaced by hand"))
                    target = ".quart_db" if package else "quart_db"
                    edits.append(ProjectEdit(module.path, "rewrite_import_from", _span(node), "flask_sqlalchemy -> quart_db",
                                             (("module", target), ("renames", ""))))
                elif node.module.split(".")[0].startswith("flask_"):
                    notes.append(ProjectNote(module.path, node.lineno, f"`{node.module}` is a Flask extension: check that "
                                             "it supports Quart (most do not) or replace it"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "flask" or alias.name.startswith("flask."):
                        notes.append(ProjectNote(module.path, node.lineno, f"`import {alias.name}` is not rewritten: "
                                                 "change it to `quart` by hand"))
            elif isinstance(node, ast.With):
                edit = _create_all_block(project, module, node)
                if edit is not None:
                    edits.append(edit)
    for folder in db_folders:
        path = str(PurePosixPath(folder) / TEMPLATE) if folder != "." else TEMPLATE
        new_files[path] = template_text()
    graph = model_graph(project)
    for model in graph.models.values():
        module, cls = project.module_of(model.qualname), project.classes.get(model.qualname)
        if model.orm != "sqlalchemy" or model.abstract or module is None or cls is None or not db_folders:
            continue
        declared = any(a.name in ("__tablename__", "__table__") for owner in project.mro(model.qualname)
                       if (c := project.classes.get(owner)) for a in c.assigns)
        if not declared:
            notes.append(ProjectNote(module.path, cls.span.line, f"`{model.qualname}` has no `__tablename__`: quart_db's "
                                     f"Model does not derive one as Flask-SQLAlchemy did; add `__tablename__ = "
                                     f"\"{model.table}\"`"))
    return edits, notes, new_files


def _create_all_block(project: Project, module: ModuleFacts, node: ast.With) -> ProjectEdit | None:
    """`with app.app_context(): db.create_all()` -> `app.before_serving(db.create_all)`."""
    if len(node.items) != 1 or node.items[0].optional_vars is not None:
        return None
    context = node.items[0].context_expr
    if not (isinstance(context, ast.Call) and isinstance(context.func, ast.Attribute) and context.func.attr == "app_context"
            and not context.args):
        return None
    calls = []
    for stmt in node.body:
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args
                and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr in ("create_all", "drop_all")):
            return None
        receiver = ast.unparse(stmt.value.func.value)
        if receiver not in extension_names(project, module):
            return None
        calls.append(ast.unparse(stmt.value.func))
    return ProjectEdit(module.path, "before_serving", _span(node), "create tables before serving",
                       (("app", ast.unparse(context.func.value)), ("calls", ",".join(calls))))
