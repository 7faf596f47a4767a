"""DBK110 on attribute reads: lazy Django ORM attributes touched on the event loop.

- `book.author` where `book` is a model instance and `author` a single-valued relation
  (forward ForeignKey/OneToOne, reverse OneToOne, GenericForeignKey): the first read runs a query (SynchronousOnlyOperation in async code)
  unless the instance came from a query with `select_related`.
- `request.user` in an async Django view: a lazy object that loads the session and the
  user from the database on first use; Django 5.0 adds `await request.auser()`.
"""

from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.django_orm import is_model
from deblock.analyzer.facts.model import AttributeFact, ModuleFacts
from deblock.analyzer.models import model_graph
from deblock.analyzer.project import Project

# Query methods that return one model instance (sync and async twins).
INSTANCE_RESULTS = frozenset({
    "get", "first", "last", "earliest", "latest", "create",
    "aget", "afirst", "alast", "aearliest", "alatest", "acreate",
})


def relations(project: Project, model: str) -> frozenset[str]:
    """Single-valued relations of a model (forward ForeignKey/OneToOne, reverse OneToOne,
    GenericForeignKey), inherited ones included: reading one runs a query."""
    found = model_graph(project).model(model)
    if found is None:
        return frozenset()
    return frozenset(name for name, r in found.relations.items() if not r.many)


def instance_model(project: Project, value: str | None) -> str | None:
    """The model a value is an instance of: `Book(...)`, `b: Book`, or the result of
    `Book.objects....get()/aget()/first()...` without `select_related` in the chain."""
    if not value:
        return None
    resolved = project.resolve(value) or value
    if resolved in project.classes:
        return resolved if is_model(project, resolved) else None
    if not resolved.endswith("()"):
        return None
    base, _, method = resolved[:-2].rpartition(".")
    if method not in INSTANCE_RESULTS:
        return None
    parts = base.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        model = ".".join(parts[:cut])
        if model in project.classes and is_model(project, model):
            # A chain that joins related rows may have loaded the attribute already.
            return None if any(p.startswith("select_related") for p in parts[cut:]) else model
    return None


def request_param(project: Project, function: str) -> str | None:
    """The request parameter of an async Django view (function or class-based)."""
    fn = project.functions.get(function)
    entry = project.entry_points.get(function)
    if fn is None or not fn.is_async or entry is None or entry.framework != "django":
        return None
    params = [p.name for p in fn.params]
    if fn.class_qualname and params:
        params = params[1:]  # `self`
    return params[0] if params else None


def lazy_attributes(facts: ModuleFacts, project: Project) -> Iterator[tuple[AttributeFact, str, str | None]]:
    """(attribute read, kind, model) for lazy ORM attributes read in async code;
    kind is "relation" or "request.user"."""
    for attr in facts.attributes:
        if not attr.in_async:
            continue
        if attr.attr == "user" and attr.name == request_param(project, attr.function):
            yield attr, "request.user", None
            continue
        model = instance_model(project, attr.base)
        if model is not None and attr.attr in relations(project, model):
            yield attr, "relation", model
