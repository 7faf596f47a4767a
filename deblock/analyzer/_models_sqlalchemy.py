"""SQLAlchemy (and Flask-SQLAlchemy, SQLModel) declarative models for the model graph:
columns, `relationship()`s with their direction, and the inverse relations `backref`
creates, read from class facts."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from types import MappingProxyType

from deblock.analyzer.facts.model import ArgFact, ClassAssignFact, ClassFact
from deblock.analyzer.models import (
    SQLALCHEMY,
    Model,
    Relation,
    callee,
    keyword,
    literal,
    text,
)
from deblock.analyzer.project import Project
from deblock.orm_knowledge import sqlalchemy_orm

_ROOTS = ("sqlalchemy.", "flask_sqlalchemy.", "sqlmodel.")
# Subclassing one of these makes the declarative base itself, not a mapped class.
_BASE_MAKERS = frozenset({
    "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
    "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
})
_SQLMODEL = "sqlmodel.SQLModel"
_FACTORIES = frozenset({
    "sqlalchemy.orm.declarative_base()", "sqlalchemy.ext.declarative.declarative_base()",
    "sqlalchemy.orm.decl_api.declarative_base()",
})
_RELATIONSHIPS = frozenset({"relationship", "relation", "Relationship"})
_COLUMNS = frozenset({"Column", "mapped_column", "column_property", "deferred", "synonym", "composite", "Field"})
_MAPPED = frozenset({"Mapped", "WriteOnlyMapped", "DynamicMapped"})
_COLLECTIONS = frozenset({
    "builtins.list", "typing.List", "builtins.set", "typing.Set", "builtins.frozenset", "typing.FrozenSet",
    "typing.Sequence", "collections.abc.Sequence", "typing.Iterable", "collections.abc.Iterable",
    "builtins.dict", "typing.Dict",
})
_WRAPPERS = _COLLECTIONS | {"typing.Optional", "typing.Union", "None", "builtins.None", "types.NoneType"}
_INVERSE = {"many_to_one": "one_to_many", "one_to_many": "many_to_one", "one_to_one": "one_to_one",
            "many_to_many": "many_to_many"}
# `lazy=True/False/None` are old spellings of these strategies.
_LAZY_ALIASES: dict[object, str] = {True: "select", False: "joined", None: "noload"}


@dataclass(frozen=True)
class _Rel:
    """A relationship() as declared: enough to materialise it on any mapped subclass."""

    owner: str
    assign: ClassAssignFact


def build(project: Project) -> dict[str, Model]:
    names = [q for q in project.classes if _is_mapped(project, q)]
    return _SqlAlchemy(project, names).models() if names else {}


def _is_root(base: str) -> bool:
    return base in _BASE_MAKERS or base in _FACTORIES or base in sqlalchemy_orm().model_bases or base == _SQLMODEL


def _library_bases(project: Project, q: str) -> set[str]:
    return {b for owner in project.mro(q) for b in (project.resolve(x) or x for x in project.classes[owner].bases)}


def _is_mapped(project: Project, q: str) -> bool:
    cls = project.classes[q]
    if not cls.bases or q.endswith(".Meta"):
        return False
    own = {project.resolve(b) or b for b in cls.bases}
    if own & _BASE_MAKERS:
        return False  # `class Base(DeclarativeBase)` is the registry, not a table
    bases = _library_bases(project, q)
    if not any(_is_root(b) for b in bases):
        return False
    # SQLModel classes are plain pydantic models unless `table=True`, which facts do not
    # keep: count those that declare a primary key, a relationship or a table name.
    return bases != {_SQLMODEL} or any(_is_table_marker(project, a) for o in project.mro(q) for a in project.classes[o].assigns)


def _is_table_marker(project: Project, assign: ClassAssignFact) -> bool:
    name = (callee(project, assign.value) or "").rpartition(".")[2]
    return assign.name == "__tablename__" or name == "Relationship" or literal(keyword(assign.value, "primary_key")) is True


def _short(project: Project, value: ArgFact) -> str | None:
    """The last name of an SQLAlchemy-family callee (`db.relationship` -> `relationship`)."""
    name = callee(project, value)
    return name.rpartition(".")[2] if name and name.startswith(_ROOTS) else None


class _SqlAlchemy:
    def __init__(self, project: Project, names: list[str]) -> None:
        self.project = project
        self.names = set(names)
        self.by_name: dict[str, str] = {}
        for q in names:  # SQLAlchemy's registry resolves string targets by class name
            self.by_name.setdefault(q.rpartition(".")[2], q)
        self.tables = {q: self._table(q) for q in names}
        self.backrefs: dict[str, dict[str, Relation]] = defaultdict(dict)
        self.forward = {q: self._forward(q) for q in names}

    def models(self) -> dict[str, Model]:
        return {q: self._model(q) for q in self.names}

    def _chain(self, q: str) -> list[ClassFact]:
        return [self.project.classes[o] for o in reversed(self.project.mro(q))]

    def _model(self, q: str) -> Model:
        relations: dict[str, Relation] = {}
        for cls in self._chain(q):  # inverse relations a backref put on an ancestor are inherited
            relations.update(self.backrefs.get(cls.qualname, {}))
        relations.update(self.forward[q])
        abstract = any(a.name == "__abstract__" and literal(a.value) is True for a in self.project.classes[q].assigns)
        return Model(q, SQLALCHEMY, abstract, self._fields(q), MappingProxyType(relations), self.tables[q])

    def _table(self, q: str) -> str | None:
        for cls in reversed(self._chain(q)):
            for assign in cls.assigns:
                if assign.name == "__tablename__" and text(assign.value):
                    return text(assign.value)
        bases = _library_bases(self.project, q)
        name = q.rpartition(".")[2]
        if bases & sqlalchemy_orm().model_bases:  # Flask-SQLAlchemy names the table itself
            return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
        return name.lower() if _SQLMODEL in bases else None

    def _fields(self, q: str) -> frozenset[str]:
        found: set[str] = set()
        for cls in self._chain(q):
            for assign in cls.assigns:
                short = _short(self.project, assign.value)
                if short in _RELATIONSHIPS or assign.name.startswith("__"):
                    continue
                mapped = (assign.annotation or "").rpartition(".")[2] in _MAPPED
                if short in _COLUMNS or mapped or (assign.annotation and self._is_sqlmodel(q)):
                    found.add(assign.name)
        return frozenset(found)

    def _is_sqlmodel(self, q: str) -> bool:
        return _SQLMODEL in _library_bases(self.project, q)

    def _foreign_tables(self, q: str) -> set[str]:
        """Tables this class's own columns point at (`ForeignKey("users.id")`)."""
        found: set[str] = set()
        for cls in self._chain(q):
            for assign in cls.assigns:
                for arg in assign.value.args:
                    if _short(self.project, arg) == "ForeignKey" and arg.args and text(arg.args[0]):
                        found.add(str(arg.args[0].value).rpartition(".")[0])
                foreign = text(keyword(assign.value, "foreign_key"))  # SQLModel's Field(foreign_key=...)
                if foreign:
                    found.add(foreign.rpartition(".")[0])
        return found

    # ------------------------------------------------------------ relationships
    def _forward(self, q: str) -> dict[str, Relation]:
        relations: dict[str, Relation] = {}
        for cls in self._chain(q):
            for assign in cls.assigns:
                if _short(self.project, assign.value) in _RELATIONSHIPS:
                    relation = self._relation(q, assign)
                    relations[assign.name] = relation
                    if cls.qualname == q or cls.qualname not in self.names:
                        self._add_backref(relation, assign.value)
        return relations

    def _relation(self, q: str, assign: ClassAssignFact) -> Relation:
        value = assign.value
        target = self._target(q, value, assign)
        uselist = literal(keyword(value, "uselist"))
        many = uselist if isinstance(uselist, bool) else _annotated_many(assign)
        kind = self._kind(q, value, target, many)
        if not isinstance(many, bool):
            many = kind in ("one_to_many", "many_to_many")
        return Relation(q, assign.name, target, kind, many, SQLALCHEMY, lazy=_lazy(value), span=assign.span)

    def _kind(self, q: str, value: ArgFact, target: str | None, many: bool | None) -> str:
        if keyword(value, "secondary") is not None:
            return "many_to_many"
        table = self.tables.get(target or "")
        local_fk = table is not None and table in self._foreign_tables(q)
        if many is True:
            return "one_to_many"
        if (target == q and many is None) or keyword(value, "remote_side") is not None:
            # adjacency list: a self-referential FK is local either way; `remote_side`
            # marks the many-to-one side
            return "many_to_one" if keyword(value, "remote_side") is not None else "one_to_many"
        if many is False:
            return "one_to_one" if table is not None and not local_fk else "many_to_one"
        return "many_to_one" if local_fk else "one_to_many"

    def _add_backref(self, relation: Relation, value: ArgFact) -> None:
        spec = keyword(value, "backref")
        if spec is None or relation.target not in self.names:
            return
        name, options = text(spec), ArgFact("other")
        if spec.kind == "call" and spec.args:
            name, options = text(spec.args[0]), spec
        declared = {a.name for c in self._chain(relation.target) for a in c.assigns}
        if not name or name in declared:
            return  # the other side declares it (`back_populates` style): no duplicate
        kind = _INVERSE[relation.kind]
        uselist = literal(keyword(options, "uselist"))
        if uselist is False and kind == "one_to_many":
            kind = "one_to_one"
        many = uselist if isinstance(uselist, bool) else kind in ("one_to_many", "many_to_many")
        self.backrefs[relation.target][name] = Relation(
            relation.target, name, relation.model, kind, many, SQLALCHEMY,
            lazy=_lazy(options), field=f"{relation.model}.{relation.name}",
        )

    def _target(self, q: str, value: ArgFact, assign: ClassAssignFact) -> str | None:
        first = value.args[0] if value.args else keyword(value, "argument")
        if first is not None and first.kind == "ref" and isinstance(first.value, str):
            return self.project.resolve(first.value) or first.value
        if first is not None and text(first):
            return self._by_name(q, str(first.value))
        names = [n for n in assign.annotation_args if n not in _WRAPPERS]
        return self._by_name(q, names[0]) if names else None

    def _by_name(self, q: str, name: str) -> str | None:
        if name in self.names:
            return name
        resolved = self.project.resolve(name)
        if resolved in self.names:
            return resolved
        module = q.rpartition(".")[0]
        local = f"{module}.{name}"
        return local if local in self.names else self.by_name.get(name.rpartition(".")[2])


def _annotated_many(assign: ClassAssignFact) -> bool | None:
    """Multi-valued per the annotation: `Mapped[list[X]]`, `WriteOnlyMapped[X]` -> True,
    `Mapped[X]` -> False, none -> None. SQLModel writes `list["Hero"]` bare."""
    annotation = (assign.annotation or "").rpartition(".")[2]
    if annotation in ("WriteOnlyMapped", "DynamicMapped"):
        return True
    if assign.annotation in _COLLECTIONS:
        return True
    if annotation == "Mapped":
        return bool(assign.annotation_args) and assign.annotation_args[0] in _COLLECTIONS
    return False if assign.annotation else None


def _lazy(value: ArgFact) -> str:
    lazy = keyword(value, "lazy")
    if lazy is None or lazy.kind != "literal":
        return "select"
    return lazy.value if isinstance(lazy.value, str) else _LAZY_ALIASES.get(lazy.value, "select")
