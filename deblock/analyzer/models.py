"""The ORM model graph: every Django and SQLAlchemy model of the project with its plain
fields and its relations (forward, reverse and inherited), read from class facts.

Rules ask it what `order.customer.address` is: a chain of relations that each may run
a query when read lazily. Nothing is imported; the graph is built once per project
(`project.memo`) and only from classes whose bases can reach an ORM model base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from deblock.analyzer.facts.model import ArgFact
from deblock.analyzer.project import Project
from deblock.model import Span

DJANGO = "django"
SQLALCHEMY = "sqlalchemy"
# Import roots that can declare models; a project importing none of them has no models.
_DJANGO_ROOTS = ("django", "modelcluster")
_SQLALCHEMY_ROOTS = ("sqlalchemy", "flask_sqlalchemy", "sqlmodel")


@dataclass(frozen=True)
class Relation:
    model: str  # qualname of the model the accessor is on
    name: str  # the accessor (`author`, `books`, `book_set`, `profile`)
    target: str | None  # qualname of the related model; None when unknown
    # django: "fk", "o2o", "m2m", "reverse_fk", "reverse_o2o", "reverse_m2m", "generic_fk",
    # "generic_relation"; sqlalchemy: "many_to_one", "one_to_many", "one_to_one", "many_to_many"
    kind: str
    many: bool  # multi-valued (reverse FK, M2M, one-to-many, generic relation)
    orm: str  # "django" | "sqlalchemy"
    lazy: str | None = None  # sqlalchemy `relationship(lazy=...)`, "select" when not given; None for django
    field: str | None = None  # reverse relations: the declaring field as "Model.name"
    query_name: str | None = None  # django lookup name
    span: Span | None = None  # the class assignment; None for implicit reverse/ptr relations


@dataclass(frozen=True)
class Model:
    qualname: str
    orm: str
    abstract: bool
    # Plain (non-relation) field/column names, inherited ones included; for Django also
    # "pk", "id" and the `<fk>_id` attributes, which read no related row.
    fields: frozenset[str]
    relations: Mapping[str, Relation]  # accessor -> relation, inherited and reverse ones included
    table: str | None = None  # sqlalchemy `__tablename__`


@dataclass(frozen=True)
class ModelGraph:
    models: dict[str, Model] = field(default_factory=dict)

    def model(self, qualname: str | None) -> Model | None:
        return self.models.get(qualname) if qualname else None

    def relation(self, model: str, name: str) -> Relation | None:
        found = self.model(model)
        return found.relations.get(name) if found else None

    def follow(self, model: str, path: Sequence[str]) -> list[Relation]:
        """The relations along `path` from `model` (`("customer", "address", "city")` ->
        [Order.customer, Customer.address]); stops at the first name that is not a relation."""
        found: list[Relation] = []
        current: str | None = model
        for name in path:
            relation = self.relation(current, name) if current else None
            if relation is None:
                break
            found.append(relation)
            current = relation.target
        return found


def model_graph(project: Project) -> ModelGraph:
    """The project's model graph, built once per project."""
    return project.memo("model-graph", lambda: _build(project))


def _build(project: Project) -> ModelGraph:
    # Imported here: the builders construct `Relation`/`Model` from this module.
    from deblock.analyzer import _models_django, _models_sqlalchemy

    imported = _imported_roots(project)
    models: dict[str, Model] = {}
    if imported & set(_DJANGO_ROOTS):
        models.update(_models_django.build(project))
    if imported & set(_SQLALCHEMY_ROOTS):
        models.update(_models_sqlalchemy.build(project))
    return ModelGraph(models)


def _imported_roots(project: Project) -> set[str]:
    """Top-level packages the project imports: a cheap gate that keeps projects without
    any ORM from resolving a single class base."""
    return {imp.target.partition(".")[0] for module in project for imp in module.imports}


# ---------------------------------------------------------------- helpers for the builders
def keyword(value: ArgFact, name: str) -> ArgFact | None:
    return next((arg for key, arg in value.keywords if key == name), None)


def literal(value: ArgFact | None) -> object:
    """The Python value of a literal argument, else None."""
    return value.value if value is not None and value.kind == "literal" else None


def text(value: ArgFact | None) -> str | None:
    found = literal(value)
    return found if isinstance(found, str) else None


def callee(project: Project, value: ArgFact) -> str | None:
    """The resolved callee of a call argument (`models.ForeignKey` -> `django.db.models.ForeignKey`)."""
    if value.kind != "call" or not isinstance(value.value, str):
        return None
    return project.resolve(value.value) or value.value


def lower_name(qualname: str) -> str:
    return qualname.rpartition(".")[2].lower()
