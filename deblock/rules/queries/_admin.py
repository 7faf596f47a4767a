"""DBK204's view of a Django `ModelAdmin` changelist: its model, what `list_display`
reads on each row, and what the changelist query loads.

Django's `ChangeList.get_queryset` (django/contrib/admin/views/main.py, 2.x to 5.2) calls
`apply_select_related` only when `get_queryset()` did not already call `select_related`:

* `list_select_related = True` -> `qs.select_related()`;
* `False` (the default) -> `qs.select_related()` when a `list_display` item is a forward
  ForeignKey/OneToOne field (`has_related_field_in_list_display`, `<fk>_id` excluded);
* a list/tuple -> `qs.select_related(*items)`; an empty one loads nothing.

`select_related()` without arguments follows non-null forward ForeignKey/OneToOne
fields only (recursively), so a nullable `ForeignKey` is never loaded by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.frameworks._common import (
    calls,
    framework_bases,
    project_method,
    ref,
)
from deblock.analyzer.models import Relation, model_graph
from deblock.analyzer.project import Project
from deblock.model import Applicability, Fix, Span
from deblock.rules.queries._drf import class_assign, literal, parameter_reads
from deblock.rules.queries._eager import SELECT_RELATED_KINDS

REGISTER = frozenset({"django.contrib.admin.register", "django.contrib.admin.decorators.register"})


@dataclass(frozen=True)
class DisplayRead:
    item: str  # the list_display entry
    where: str | None  # `catalog/admin.py:19` for a display method's read
    relations: tuple[Relation, ...]

    @property
    def path(self) -> str:
        return "__".join(r.name for r in self.relations)

    @property
    def many(self) -> bool:
        return any(r.kind not in SELECT_RELATED_KINDS for r in self.relations)


@dataclass(frozen=True)
class Loading:
    loaded: frozenset[str]  # paths (and their prefixes) loaded by name
    select_all: bool  # a bare `select_related()` runs
    editable: bool  # `list_select_related` decides (get_queryset calls no select_related)
    setting: object  # the literal `list_select_related` value (False when absent)


def is_model_admin(project: Project, qualname: str) -> bool:
    return any(b.startswith("django.contrib.") and b.endswith(".ModelAdmin") for b in framework_bases(project, qualname))


def admin_model(project: Project, admin: str) -> str | None:
    """`@admin.register(Book)`, `admin.site.register(Book, BookAdmin)`, or `model = Book`."""
    cls = project.classes[admin]
    for dec in cls.decorators:
        if project.resolve(dec.name) in REGISTER and dec.args:
            return ref(project, dec.args[0])
    for use in calls(project, {"register"}):
        args = use.call.args
        if len(args) >= 2 and ref(project, args[1]) == admin:
            return ref(project, args[0])
    found = class_assign(project, admin, "model")
    return project.resolve(str(found[1].value.value)) if found and found[1].value.kind == "ref" else None


def display_reads(project: Project, admin: str, model: str, items: tuple[object, ...]) -> Iterator[DisplayRead]:
    graph = model_graph(project)
    for item in (i for i in items if isinstance(i, str)):
        parts = item.split("__")
        relations = graph.follow(model, parts)
        if relations and all(r.kind in SELECT_RELATED_KINDS for r in relations):
            yield DisplayRead(item, None, tuple(relations))  # str(obj.fk) or obj.fk.name
            continue
        fn, param = project_method(project, admin, item), 1
        if fn is None:
            fn, param = project_method(project, model, item), 0  # a model method or property
        module = project.module_of(fn.qualname) if fn is not None else None
        if fn is None or module is None or len(fn.params) <= param:
            continue
        for read in parameter_reads(project, module, fn, fn.params[param].name, model):
            if read.method in (None, "all"):
                yield DisplayRead(item, f"{module.path}:{read.span.line}", read.relations)


def loading(project: Project, admin: str, model: str, items: tuple[object, ...]) -> Loading | None:
    """What the changelist loads; None when `list_select_related` is not a literal."""
    found = class_assign(project, admin, "list_select_related")
    setting = literal(found[1].value) if found else False
    if found and found[1].value.kind != "literal":
        return None
    loaded: set[str] = set()
    select_all, select_in_queryset = False, False
    fn = project_method(project, admin, "get_queryset")
    module = project.module_of(fn.qualname) if fn is not None else None
    for call in module.calls if module is not None and fn is not None else ():
        method = call.text.rpartition(".")[2]
        if call.function != fn.qualname or method not in ("select_related", "prefetch_related"):  # type: ignore[union-attr]
            continue
        select_in_queryset |= method == "select_related"
        select_all |= method == "select_related" and (not call.args or call.has_star_args)
        loaded.update(str(a.value) for a in call.args if a.kind == "literal")
    if not select_in_queryset:
        graph = model_graph(project)
        has_fk = any(isinstance(i, str) and (r := graph.relation(model, i)) and r.kind in ("fk", "o2o") for i in items)
        select_all |= setting is True or (setting is False and bool(has_fk))
        if isinstance(setting, tuple):
            loaded.update(str(s) for s in setting)
    prefixes = {"__".join(p.split("__")[: i + 1]) for p in loaded for i in range(p.count("__") + 1)}
    return Loading(frozenset(prefixes), select_all, not select_in_queryset, setting)


def is_covered(project: Project, load: Loading, read: DisplayRead) -> bool:
    if read.path in load.loaded:
        return True
    return load.select_all and all(r.kind in ("fk", "o2o") and not _nullable(project, r) for r in read.relations)


def _nullable(project: Project, relation: Relation) -> bool:
    found = class_assign(project, relation.model, relation.name)
    return found is not None and literal(dict(found[1].value.keywords).get("null")) is True


def module_classes(facts: ModuleFacts) -> set[str]:
    return {c.qualname for c in facts.classes}


def select_related_fix(project: Project, facts: ModuleFacts, admin: str, load: Loading,
                       reads: list[DisplayRead], display: object) -> Fix | None:
    """`list_select_related` naming every single-valued path the changelist reads."""
    if not load.editable:
        return None  # get_queryset() calls select_related(): Django ignores the setting
    single = {r.path for r in reads if not r.many}
    wanted = sorted(p for p in single if not any(q.startswith(p + "__") for q in single))
    current = class_assign(project, admin, "list_select_related")
    mine = module_classes(facts)
    if isinstance(load.setting, tuple) and current and current[0] in mine and current[1].span:
        value = "[" + ", ".join(f'"{p}"' for p in wanted if p not in load.setting) + "]"
        return _fix(current[1].span, Applicability.SAFE, name="list_select_related", value=value, mode="extend")
    unsafe = load.select_all  # the list replaces a bare select_related()
    value = "[" + ", ".join(f'"{p}"' for p in wanted) + "]"
    applicability = Applicability.UNSAFE if unsafe else Applicability.SAFE
    if current and current[0] in mine and current[1].span:
        return _fix(current[1].span, applicability, name="list_select_related", value=value, mode="replace")
    anchor = class_assign(project, admin, "list_display")
    if current or not anchor or anchor[0] not in mine or not anchor[1].span:
        return None
    return _fix(anchor[1].span, applicability, name="list_select_related", value=value, mode="add")


def prefetch_fix(project: Project, admin: str, reads: list[DisplayRead], display: object) -> Fix | None:
    """A `get_queryset()` override prefetching the collections the changelist walks, for an
    admin that does not override it (in the project: Django's own is fine)."""
    span = getattr(display, "span", None)
    if span is None or any("get_queryset" in getattr(project.classes.get(c), "methods", ()) for c in project.mro(admin)):
        return None
    many = sorted({r.path for r in reads if r.many})
    code = ("def get_queryset(self, request):\n"
            f"    return super().get_queryset(request).prefetch_related({', '.join(repr(p) for p in many)})\n")
    return Fix("add_class_attribute", span, "Prefetch the collections in `get_queryset()`", Applicability.UNSAFE,
               (("code", code.replace("'", '"')),))


def _fix(span: Span, applicability: Applicability, **args: str) -> Fix:
    return Fix("add_class_attribute", span, "Load the relation with `list_select_related`", applicability,
               tuple(sorted(args.items())))
