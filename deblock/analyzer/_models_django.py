"""Django models for the model graph: fields, forward relations, reverse accessors, and
abstract / multi-table / proxy inheritance, read from class facts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from types import MappingProxyType

from deblock.analyzer.django_orm import is_model
from deblock.analyzer.facts.model import ArgFact
from deblock.analyzer.models import (
    DJANGO,
    Model,
    Relation,
    callee,
    keyword,
    literal,
    lower_name,
    text,
)
from deblock.analyzer.project import Project
from deblock.model import Span

_RELATED = "django.db.models.fields.related."
_GENERIC = "django.contrib.contenttypes.fields."
FIELD_KINDS = {
    "django.db.models.ForeignKey": "fk",
    "django.db.models.OneToOneField": "o2o",
    "django.db.models.ManyToManyField": "m2m",
    _RELATED + "ForeignKey": "fk",
    _RELATED + "OneToOneField": "o2o",
    _RELATED + "ManyToManyField": "m2m",
    _GENERIC + "GenericForeignKey": "generic_fk",
    _GENERIC + "GenericRelation": "generic_relation",
    "modelcluster.fields.ParentalKey": "fk",
    "modelcluster.fields.ParentalManyToManyField": "m2m",
}
_REVERSE = {"fk": "reverse_fk", "o2o": "reverse_o2o", "m2m": "reverse_m2m"}
_MANY = frozenset({"m2m", "generic_relation", "reverse_fk", "reverse_m2m"})
_PLAIN = "plain"
# Models Django ships, for `"auth.User"` strings when the app is not part of the project.
_BUILTIN = {
    "auth.user": "django.contrib.auth.models.User",
    "auth.group": "django.contrib.auth.models.Group",
    "auth.permission": "django.contrib.auth.models.Permission",
    "contenttypes.contenttype": "django.contrib.contenttypes.models.ContentType",
    "sites.site": "django.contrib.sites.models.Site",
}


@dataclass(frozen=True)
class _Decl:
    name: str
    kind: str  # a FIELD_KINDS value, or _PLAIN
    value: ArgFact
    span: Span | None


@dataclass(frozen=True)
class _Meta:
    abstract: bool
    proxy: bool
    app_label: str


def build(project: Project) -> dict[str, Model]:
    names = [q for q in project.classes if not q.endswith(".Meta") and is_model(project, q)]
    return _Django(project, names).models() if names else {}


def default_app_label(module: str) -> str:
    """The app a models module belongs to: the package holding `models`
    (`shop.catalog.models` and `shop.catalog.models.book` -> `catalog`)."""
    parts = module.split(".")
    if "models" in parts[1:]:
        return parts[len(parts) - 1 - parts[::-1].index("models") - 1]
    return parts[-2] if len(parts) > 1 else parts[0]


class _Django:
    def __init__(self, project: Project, names: list[str]) -> None:
        self.project = project
        self.names = set(names)
        self.kinds: dict[str, str | None] = {}
        self.declared: dict[str, list[_Decl]] = {}
        self.user_model: str | None = None
        self.meta = {q: self._meta(q) for q in names}
        self.by_app = {(self.meta[q].app_label.lower(), lower_name(q)): q for q in names}
        self.local = {q: self._local_chain(q) for q in names}
        self.parents = {q: self._concrete_parents(q) for q in names}
        self.forward = {q: self._forward(q) for q in names}
        self.reverse: dict[str, dict[str, Relation]] = defaultdict(dict)
        for q in names:
            self._add_reverse(q)
        self.totals: dict[str, Model] = {}

    def models(self) -> dict[str, Model]:
        return {q: self._total(q) for q in self.names}

    # ------------------------------------------------------------ per class facts
    def _meta(self, q: str) -> _Meta:
        meta = self.project.classes.get(q + ".Meta")
        values = {a.name: literal(a.value) for a in meta.assigns} if meta else {}
        module = self.project.module_of(q)
        label = values.get("app_label")
        if not isinstance(label, str):
            label = default_app_label(module.module if module else q.rpartition(".")[0])
        return _Meta(values.get("abstract") is True, values.get("proxy") is True, label)

    def _kind(self, name: str | None) -> str | None:
        """Relation kind, _PLAIN for other fields, None for non-fields (managers...)."""
        if name is None:
            return None
        if name not in self.kinds:
            self.kinds[name] = None  # guards against inheritance cycles
            self.kinds[name] = self._compute_kind(name)
        return self.kinds[name]

    def _compute_kind(self, name: str) -> str | None:
        if name in FIELD_KINDS:
            return FIELD_KINDS[name]
        if name in self.project.classes:  # a project field class: what its bases are
            for owner in self.project.mro(name):
                cls = self.project.classes[owner]
                for base in cls.bases:
                    kind = self._kind(self.project.resolve(base) or base)
                    if kind is not None:
                        return kind
        # Third-party and Django fields alike are named `...Field`; a read needs no query.
        return _PLAIN if name.rpartition(".")[2].endswith("Field") else None

    def _decls(self, q: str) -> list[_Decl]:
        if q not in self.declared:
            self.declared[q] = self._compute_decls(q)
        return self.declared[q]

    def _compute_decls(self, q: str) -> list[_Decl]:
        found = []
        for assign in self.project.classes[q].assigns:
            kind = self._kind(callee(self.project, assign.value))
            if kind is not None:
                found.append(_Decl(assign.name, kind, assign.value, assign.span))
        return found

    def _local_chain(self, q: str) -> list[str]:
        """`q` and its abstract ancestors that no concrete ancestor already holds: the
        classes whose fields Django copies into `q`."""
        chain = [a for a in self.project.mro(q) if a in self.names]
        concrete = [a for a in chain[1:] if not self.meta[a].abstract]
        covered = {c for parent in concrete for c in self.project.mro(parent)}
        return [a for a in chain if a == q or (self.meta[a].abstract and a not in covered)]

    def _concrete_parents(self, q: str) -> list[str]:
        """Nearest concrete model ancestors: multi-table (or proxy) parents."""
        chain = [a for a in self.project.mro(q)[1:] if a in self.names and not self.meta[a].abstract]
        above = {c for a in chain for c in self.project.mro(a)[1:]}
        return [a for a in chain if a not in above]

    # ------------------------------------------------------------ relations
    def _forward(self, q: str) -> tuple[set[str], dict[str, Relation]]:
        fields: set[str] = {"pk", "id"}
        relations: dict[str, Relation] = {}
        for owner in reversed(self.local[q]):
            for decl in self._decls(owner):
                if decl.kind == _PLAIN:
                    fields.add(decl.name)
                    continue
                target = None if decl.kind == "generic_fk" else self._target(decl.value, q)
                relations[decl.name] = Relation(
                    q, decl.name, target, decl.kind, decl.kind in _MANY, DJANGO, query_name=decl.name, span=decl.span
                )
                if decl.kind in ("fk", "o2o"):
                    fields.add(decl.name + "_id")
        if not self.meta[q].abstract and not self.meta[q].proxy:
            for parent in self.parents[q]:
                ptr = lower_name(parent) + "_ptr"
                relations[ptr] = Relation(q, ptr, parent, "o2o", False, DJANGO, query_name=ptr)
                fields.add(ptr + "_id")
        return fields, relations

    def _add_reverse(self, q: str) -> None:
        if self.meta[q].abstract:
            return  # only concrete models register accessors on their targets
        for owner in self.local[q]:
            for decl in self._decls(owner):
                if decl.kind in _REVERSE:
                    self._add_one_reverse(q, decl)
        if not self.meta[q].proxy:
            for parent in self.parents[q]:
                name = lower_name(q)
                self.reverse[parent][name] = Relation(
                    parent, name, q, "reverse_o2o", False, DJANGO, field=f"{q}.{lower_name(parent)}_ptr", query_name=name
                )

    def _add_one_reverse(self, q: str, decl: _Decl) -> None:
        target = self.forward[q][1][decl.name].target
        if target not in self.names:
            return
        related = self._interpolate(text(keyword(decl.value, "related_name")), q)
        if related is not None and related.endswith("+"):
            return
        symmetrical = literal(keyword(decl.value, "symmetrical"))
        if decl.kind == "m2m" and target == q and symmetrical is not False:
            return  # a symmetrical M2M to self has no reverse accessor
        default = lower_name(q) + ("" if decl.kind == "o2o" else "_set")
        name = related or default
        query = self._interpolate(text(keyword(decl.value, "related_query_name")), q) or related or lower_name(q)
        kind = _REVERSE[decl.kind]
        self.reverse[target][name] = Relation(
            target, name, q, kind, kind in _MANY, DJANGO, field=f"{q}.{decl.name}", query_name=query
        )

    def _interpolate(self, name: str | None, q: str) -> str | None:
        if name is None:
            return None
        return name.replace("%(class)s", lower_name(q)).replace("%(app_label)s", self.meta[q].app_label.lower())

    def _total(self, q: str) -> Model:
        if q not in self.totals:
            fields: set[str] = set()
            relations: dict[str, Relation] = {}
            for parent in reversed(self.parents[q]):
                inherited = self._total(parent)
                fields |= inherited.fields
                relations.update(inherited.relations)
            own_fields, forward = self.forward[q]
            relations.update(self.reverse.get(q, {}))
            relations.update(forward)
            meta = self.meta[q]
            self.totals[q] = Model(q, DJANGO, meta.abstract, frozenset(fields | own_fields), MappingProxyType(relations))
        return self.totals[q]

    # ------------------------------------------------------------ targets
    def _target(self, value: ArgFact, q: str) -> str | None:
        to = value.args[0] if value.args else keyword(value, "to")
        if to is None:
            return None
        if to.kind == "ref" and isinstance(to.value, str):
            resolved = self.project.resolve(to.value) or to.value
            return self._user_model() if resolved.endswith(".AUTH_USER_MODEL") else resolved
        name = text(to)
        return self._by_string(name, q) if name else None

    def _by_string(self, name: str, q: str) -> str | None:
        if name == "self":
            return q
        if "." not in name:
            module = self.project.module_of(q)
            local = f"{module.module}.{name}" if module else None
            if local in self.names:
                return local
            return self.by_app.get((self.meta[q].app_label.lower(), name.lower()))
        app, _, model = name.rpartition(".")
        found = self.by_app.get((app.lower(), model.lower())) or _BUILTIN.get(name.lower())
        if found is None and "." in app:  # a dotted `pkg.mod.Model`
            resolved = self.project.resolve(name)
            found = resolved if resolved in self.project.classes else None
        return found

    def _user_model(self) -> str:
        if self.user_model is None:
            self.user_model = self._find_user_model()
        return self.user_model

    def _find_user_model(self) -> str:
        """`settings.AUTH_USER_MODEL`: the settings modules' value, else Django's User."""
        for module in self.project:
            if "settings" not in module.module.split(".")[-1]:
                continue
            for assign in module.assigns:
                label = text(assign.value) if assign.name == "AUTH_USER_MODEL" else None
                if label and "." in label:
                    return self._by_string(label, "") or _BUILTIN["auth.user"]
        return _BUILTIN["auth.user"]
