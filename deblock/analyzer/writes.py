"""Where the project writes each model: the write-site index the cache rules read
(DBK401 names the writes a cache of a model's rows would have to be invalidated by).

Recognised, across every module (functions only; import-time code is skipped):

* Django: `instance.save()/delete()` on an instance of a known model (`Book(...)`,
  `Book.objects.get()`, a parameter typed `Book`, a loop over a query), manager writes
  (`Book.objects.create/get_or_create/update_or_create/bulk_create/bulk_update`), QuerySet
  `update()/delete()`, and related-manager `add/remove/set/clear/create` (the related model);
  async twins count as the method they mirror.
* SQLAlchemy: `session.add(Model(...))`, `add_all([...])`, `merge(...)`, `delete(obj)` with
  a known model, `update(Model)`/`delete(Model)`/`insert(Model)` statements, Flask-SQLAlchemy
  `Model.query...update()/delete()`, and attribute writes on a loaded row (`product.stock =
  n` in a loop over `select(Product)`, or on `session.get(Product, pk)`), which the unit of
  work flushes.
* Raw SQL: a string literal starting `INSERT INTO t`, `UPDATE t` or `DELETE FROM t`, where
  `t` is a model's table (`__tablename__`, or Django's `<app>_<model>`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from deblock.analyzer.django_orm import parse
from deblock.analyzer.facts.model import ArgFact, CallFact, ModuleFacts, StoreFact
from deblock.analyzer.models import SQLALCHEMY, ModelGraph, model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import rows_of
from deblock.model import Span
from deblock.orm_knowledge import sqlalchemy_orm
from deblock.query_knowledge import django_queries, loop_queries

_RELATED_WRITES = frozenset({"add", "remove", "set", "clear", "create"})
_SESSION_WRITES = frozenset({"add", "add_all", "merge", "delete"})
_STATEMENTS = frozenset({"update", "delete", "insert"})
_SQL = re.compile(r"^\s*(?:insert\s+into|update|delete\s+from)\s+[\"`\[]?(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class WriteSite:
    model: str  # the model's qualname
    path: str
    function: str  # the enclosing function's qualname
    span: Span
    how: str  # `save()`, `objects.create()`, `session.add()`, `update(Product)`, `.stock =`, `UPDATE t`

    def render(self) -> str:
        return f"{self.path}:{self.span.line} ({self.function.rpartition('.')[2]})"


def write_sites(project: Project) -> dict[str, tuple[WriteSite, ...]]:
    """Model qualname -> every write site of that model, in path and line order."""

    def compute() -> dict[str, tuple[WriteSite, ...]]:
        graph = model_graph(project)
        found: dict[str, list[WriteSite]] = defaultdict(list)
        if not graph.models:
            return {}
        tables = _tables(graph)
        for module in project:
            for call in module.calls:
                if call.function != module.module:
                    for model, how in _call_writes(project, module, graph, tables, call):
                        found[model].append(WriteSite(model, module.path, call.function, call.span, how))
            for store in module.stores:
                model = _row_store(project, module, graph, store)
                if model is not None:
                    found[model].append(WriteSite(model, module.path, store.function, store.span,
                                                  f".{store.target.rpartition('.')[2]} ="))
        return {m: tuple(sorted(set(s), key=lambda w: (w.path, w.span.line, w.span.col))) for m, s in found.items()}

    return project.memo("write-sites", compute)


def writes_to(project: Project, models: Iterable[str]) -> tuple[WriteSite, ...]:
    """The write sites of `models` and of the models one relation away from them (a cached
    read of an order line goes stale when its order or book changes too)."""
    graph, index = model_graph(project), write_sites(project)
    wanted: set[str] = set()
    for name in models:
        model = graph.model(name)
        if model is None:
            continue
        wanted.add(name)
        wanted.update(r.target for r in model.relations.values() if r.target)
    sites = {site for name in wanted for site in index.get(name, ())}
    return tuple(sorted(sites, key=lambda w: (w.path, w.span.line, w.span.col)))


def writes_in(project: Project, function: str) -> bool:
    """Does `function` itself write any model?"""
    functions = project.memo("write-functions", lambda: frozenset(
        s.function for sites in write_sites(project).values() for s in sites))
    return function in functions


# ---------------------------------------------------------------------- recognisers
def _call_writes(project: Project, module: ModuleFacts, graph: ModelGraph, tables: dict[str, str],
                 call: CallFact) -> list[tuple[str, str]]:
    resolved = project.resolve(call.callee) or call.callee or ""
    method = resolved.rpartition(".")[2]
    django = _django_write(project, resolved, method)
    if django is not None:
        return [django]
    found = _sqlalchemy_write(project, graph, resolved, method, call)
    sql = call.args[0].value if call.args and call.args[0].kind == "literal" else None
    match = _SQL.match(sql) if isinstance(sql, str) else None
    if match and match.group(1).lower() in tables:
        found.append((tables[match.group(1).lower()], match.group(0).strip().split()[0].upper() + " " + match.group(1)))
    return found


def _django_write(project: Project, resolved: str, method: str) -> tuple[str, str] | None:
    if not resolved:
        return None
    chain = parse(project, resolved)
    if chain is None or chain.final is None:
        return None
    knowledge = django_queries()
    final = _sync(chain.final)
    if chain.kind == "instance":
        return (chain.model, f"{final}()") if final in knowledge.instance_writes - {"refresh_from_db"} else None
    if chain.manager is not None and not chain.chain and (
            final in knowledge.manager_writes | loop_queries().bulk_writes or final in _RELATED_WRITES):
        return chain.model, f"{chain.manager}.{final}()"
    if final in knowledge.queryset_writes:
        return chain.model, f"{final}()"
    return None


def _sync(name: str) -> str:
    return name[1:] if name.startswith("a") and name[1:] in (
        "save", "delete", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update",
        "add", "remove", "set", "clear") else name


def _sqlalchemy_write(project: Project, graph: ModelGraph, resolved: str, method: str,
                      call: CallFact) -> list[tuple[str, str]]:
    receiver = resolved.rpartition(".")[0]
    if method in _SESSION_WRITES and receiver in sqlalchemy_orm().sessions:
        args = call.args[0].args if method == "add_all" and call.args and call.args[0].kind == "list" else call.args[:1]
        return [(m, f"session.{method}()") for m in dict.fromkeys(filter(None, (_model_of(project, graph, a)
                                                                               for a in args)))]
    if method in _STATEMENTS and receiver.partition(".")[0] == "sqlalchemy" and call.args:
        model = _model_of(project, graph, call.args[0], instances=False)
        return [(model, f"{method}({model.rpartition('.')[2]})")] if model else []
    head, sep, _ = resolved.partition(".query.")
    model = graph.model(head) if sep else None
    if model is not None and model.orm == SQLALCHEMY and method in ("update", "delete"):
        return [(model.qualname, f"query.{method}()")]
    return []


def _model_of(project: Project, graph: ModelGraph, arg: ArgFact, *, instances: bool = True) -> str | None:
    """`Comment(...)` or a local holding one (instances), or the class `Product`."""
    if not isinstance(arg.value, str):
        return None
    name = project.resolve(arg.value) or arg.value
    if arg.kind == "call" and instances:
        return name if graph.model(name) else None
    if arg.kind == "ref":
        if instances and name.endswith("()"):
            name = name[:-2]
        elif instances:
            return None
        return name if graph.model(name) else None
    return None


def _row_store(project: Project, module: ModuleFacts, graph: ModelGraph, store: StoreFact) -> str | None:
    """`product.stock = n` on a SQLAlchemy row loaded by a query (the unit of work flushes it)."""
    if store.value is None or store.function == module.module:
        return None
    if store.value:  # `x = session.get(Product, pk)`: the call's entity
        call = next((c for c in module.calls if c.function == store.function and
                     (project.resolve(c.callee) or c.callee or "") + "()" == store.value), None)
        entity = call.args[0] if call is not None and call.args else None
        name = project.resolve(str(entity.value)) or str(entity.value) if entity and entity.kind == "ref" else None
        model = graph.model(name)
        return model.qualname if model is not None and model.orm == SQLALCHEMY else None
    for loop in module.iterations:
        if loop.function == store.function and store.root in loop.targets and loop.span.contains(store.span):
            rows = rows_of(project, module, loop.iterable, loop.origins, loop.text)
            return rows.model if rows is not None and rows.orm == SQLALCHEMY else None
    return None


def _tables(graph: ModelGraph) -> dict[str, str]:
    """Table name -> model: `__tablename__`, or Django's default `<app label>_<model>`."""
    tables: dict[str, str] = {}
    for model in graph.models.values():
        if model.table:
            tables[model.table.lower()] = model.qualname
        elif model.orm != SQLALCHEMY:
            parts = model.qualname.split(".")
            app = parts[-3] if len(parts) >= 3 else parts[0]
            tables[f"{app}_{parts[-1]}".lower()] = model.qualname
    return tables
