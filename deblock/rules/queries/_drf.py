"""Shared by DBK203/DBK204: the relations a DRF serializer or a display method reads on
each row it renders, and the rows a DRF list view serializes.

DRF rendering rules followed here (rest_framework 3.x `ModelSerializer`):

* a declared field reads its `source` (default: its name), one attribute per dotted step;
* a nested serializer reads the relation, then whatever its own fields read (two levels);
* `PrimaryKeyRelatedField`/`HyperlinkedRelatedField` without `many=True` read only
  `<fk>_id` of the last step (DRF's "pk only" optimisation); with `many=True` any related
  field runs `.all()` on the manager;
* a relation named in `Meta.fields` without a declaration renders as a primary key (a
  forward ForeignKey/OneToOne: no query) or a list of them (M2M, reverse: one query per
  row); `Meta.depth` turns forward relations into nested serializers instead;
  `"__all__"` covers forward relations only, never reverse ones;
* a `SerializerMethodField` reads whatever `get_<name>(self, obj)` reads on `obj`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from deblock.analyzer.facts.model import (
    ArgFact,
    ClassAssignFact,
    FunctionFact,
    ModuleFacts,
)
from deblock.analyzer.frameworks._common import derives_from, project_method
from deblock.analyzer.models import ModelGraph, Relation, model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO, Rows, rows_of
from deblock.model import Span
from deblock.rules.queries._loops import RelationRead, relation_reads

SERIALIZERS = ("rest_framework.serializers.",)
RELATED_FIELDS = ("rest_framework.relations.",)
_RELATED = frozenset({"PrimaryKeyRelatedField", "SlugRelatedField", "StringRelatedField",
                      "HyperlinkedRelatedField", "RelatedField", "ManyRelatedField"})
_PK_ONLY = frozenset({"PrimaryKeyRelatedField", "HyperlinkedRelatedField"})
_FORWARD = frozenset({"fk", "o2o", "m2m"})
# Views whose `list` serializes every row of the queryset (retrieve-only views read one).
LIST_VIEWS = frozenset({
    "rest_framework.viewsets.ModelViewSet", "rest_framework.viewsets.ReadOnlyModelViewSet",
    "rest_framework.generics.ListAPIView", "rest_framework.generics.ListCreateAPIView",
    "rest_framework.mixins.ListModelMixin",
})
_NESTING = 2  # nested serializers followed below the view's own


@dataclass(frozen=True)
class FieldRead:
    field: str  # `BookSerializer.author_name`
    where: str  # `catalog/serializers.py:9`
    relations: tuple[Relation, ...]

    @property
    def path(self) -> str:
        return "__".join(r.name for r in self.relations)


def class_assign(project: Project, qualname: str, name: str) -> tuple[str, ClassAssignFact] | None:
    """The class attribute an instance sees (first in the project MRO) and its owner."""
    for owner in project.mro(qualname):
        cls = project.classes.get(owner)
        found = next((a for a in cls.assigns if a.name == name), None) if cls else None
        if found is not None:
            return owner, found
    return None


def literal(value: ArgFact | None) -> object:
    return value.value if value is not None and value.kind == "literal" else None


def list_rows(project: Project, facts: ModuleFacts, view: str) -> tuple[Rows, Span, str] | None:
    """A DRF list view of this module: the rows it serializes, where its queryset is
    written (here), and its serializer class; None when either is not known statically."""
    if not any(derives_from(project, view, (base,)) for base in LIST_VIEWS):
        return None
    if project_method(project, view, "get_serializer_class") is not None:
        return None  # the serializer depends on the request
    found = class_assign(project, view, "serializer_class")
    serializer = project.resolve(str(found[1].value.value)) if found and found[1].value.kind == "ref" else None
    if serializer not in project.classes or not derives_from(project, serializer, SERIALIZERS):
        return None
    mine = {c.qualname for c in facts.classes}
    method = project_method(project, view, "get_queryset")
    if method is not None:
        if method.class_qualname not in mine or not method.returned_origins:
            return None
        rows = rows_of(project, facts, method.returned, method.returned_origins, "get_queryset()")
        return (rows, method.returned_origins[-1], serializer) if rows else None
    found = class_assign(project, view, "queryset")
    if found is None or found[0] not in mine or found[1].value.kind != "call" or found[1].span is None:
        return None
    value = found[1].value
    rows = rows_of(project, facts, f"{value.value}()", (value.span or found[1].span,), "queryset")
    return (rows, found[1].span, serializer) if rows is not None and rows.orm == DJANGO else None


def serializer_reads(project: Project, serializer: str, model: str | None = None,
                     prefix: tuple[Relation, ...] = (), level: int = 0) -> Iterator[FieldRead]:
    """Relations the serializer reads per object, prefixed by the path to the object."""
    graph = model_graph(project)
    meta = f"{serializer}.Meta"
    found = class_assign(project, meta, "model") if meta in project.classes else None
    model = project.resolve(str(found[1].value.value)) if found and found[1].value.kind == "ref" else model
    module = project.module_of(serializer)
    if model is None or graph.model(model) is None or module is None:
        return
    fields_assign = class_assign(project, meta, "fields") if meta in project.classes else None
    listed = literal(fields_assign[1].value) if fields_assign else None
    exclude = literal(class_assign(project, meta, "exclude")[1].value) if class_assign(project, meta, "exclude") else None
    names = set(listed) if isinstance(listed, tuple) else None  # None: every declared field
    declared: dict[str, ClassAssignFact] = {}
    for owner in project.mro(serializer):
        for assign in project.classes[owner].assigns if owner in project.classes else ():
            if assign.value.kind == "call":
                declared.setdefault(assign.name, assign)
    short = serializer.rpartition(".")[2]
    for name, assign in declared.items():
        if names is not None and name not in names:
            continue
        where = f"{module.path}:{assign.span.line}" if assign.span else module.path
        for relations in _field_relations(project, graph, serializer, model, name, assign.value):
            yield FieldRead(f"{short}.{name}", relations[2] or where, (*prefix, *relations[0]))
            if relations[1] and level < _NESTING and relations[0][-1].target:
                yield from serializer_reads(project, relations[1], relations[0][-1].target,
                                            (*prefix, *relations[0]), level + 1)
    depth = literal(class_assign(project, meta, "depth")[1].value) if class_assign(project, meta, "depth") else 0
    model_relations = graph.model(model).relations  # type: ignore[union-attr]
    if listed == "__all__" or (listed is None and isinstance(exclude, tuple)):
        names = {n for n, r in model_relations.items() if r.kind in _FORWARD} - set(exclude or ())
    where = f"{module.path}:{fields_assign[1].span.line}" if fields_assign and fields_assign[1].span else module.path
    for name in sorted((names or set()) - set(declared)):
        relation = model_relations.get(name)
        if relation is None or relation.kind.startswith("generic"):
            continue
        if isinstance(depth, int) and depth > 0 or relation.many or relation.kind == "reverse_o2o":
            yield FieldRead(f"{short}.{name}", where, (*prefix, relation))


def _field_relations(project: Project, graph: ModelGraph, serializer: str, model: str, name: str,
                     value: ArgFact) -> Iterator[tuple[tuple[Relation, ...], str | None, str | None]]:
    """(relations read, nested serializer to follow, where a method reads them) for one declared field."""
    callee = project.resolve(str(value.value)) or str(value.value)
    last = callee.rpartition(".")[2]
    keywords = dict(value.keywords)
    source = literal(keywords.get("source")) or name
    if source == "*" or not isinstance(source, str):
        return
    many = literal(keywords.get("many")) is True
    parts = source.split(".")
    relations = graph.follow(model, parts)
    if last == "SerializerMethodField":
        method_name = literal(keywords.get("method_name")) or (literal(value.args[0]) if value.args else None)
        fn = project_method(project, serializer, str(method_name or f"get_{name}"))
        if fn is not None and len(fn.params) >= 2:
            module = project.module_of(fn.qualname)
            reads = parameter_reads(project, module, fn, fn.params[1].name, model) if module else ()
            for read in (r for r in reads if r.method in (None, "all")):
                yield read.relations, None, f"{module.path}:{read.span.line}"  # type: ignore[union-attr]
    elif callee in project.classes and derives_from(project, callee, SERIALIZERS):
        if relations and len(relations) == len(parts):
            yield tuple(relations), callee, None
    elif last in _RELATED or (callee in project.classes and derives_from(project, callee, RELATED_FIELDS)):
        if len(relations) != len(parts):
            return
        if not many and last in _PK_ONLY and relations[-1].kind in ("fk", "o2o"):
            relations = relations[:-1]  # reads `<fk>_id` only
        if relations:
            yield tuple(relations), None, None
    else:
        out = []
        for index, relation in enumerate(relations):
            if relation.many:
                if parts[index + 1:index + 2] == ["all"]:
                    out.append(relation)
                break
            out.append(relation)
        if out:
            yield tuple(out), None, None


def parameter_reads(project: Project, facts: ModuleFacts, fn: FunctionFact, param: str,
                    model: str) -> Iterator[RelationRead]:
    """Relations a method reads on one of its parameters (a row of `model`): attribute
    chains, related-manager `.all()` calls, and loops over related collections."""
    graph = model_graph(project)
    for attr in facts.attributes:
        if attr.name == param and attr.function == fn.qualname:
            relations = []
            for relation in graph.follow(model, attr.path):
                if relation.many:
                    break  # a related manager runs no query until called
                relations.append(relation)
            if relations:
                yield RelationRead(attr.span, ".".join([param, *(r.name for r in relations)]), tuple(relations))
    for call in facts.calls:
        if call.function != fn.qualname or not call.text.startswith(param + "."):
            continue
        *path, method = call.text.split(".")[1:]
        relations = graph.follow(model, path)
        if path and len(relations) == len(path) and relations[-1].many and method == "all":
            yield RelationRead(call.span, f"{call.text}()", tuple(relations), method)
    for loop in facts.iterations:
        parts = loop.text.split(".")
        if loop.function != fn.qualname or parts[0] != param or len(loop.targets) != 1:
            continue
        path = parts[1:-1] if parts[-1] in ("all()", "all") else parts[1:]
        relations = graph.follow(model, path)
        if path and len(relations) == len(path) and relations[-1].many and relations[-1].target:
            yield from relation_reads(project, facts, loop, relations[-1].target, tuple(relations))
