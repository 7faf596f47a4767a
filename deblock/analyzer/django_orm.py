"""Django models, managers and QuerySet chains as facts resolve them, for DBK110.

A resolved callee such as `app.models.Book.objects.filter().exclude().first` is parsed
into the model (`app.models.Book`), the manager (`objects`), the chain of methods called
on the way (`filter`, `exclude`) and the final method (`first`). A model instance is
recognised when facts resolve the receiver to the model class (`b = Book(...)` gives
`app.models.Book.save`) or to the result of an instance-returning call
(`Book.objects.get().save`). Never imports the analysed code.
"""

from __future__ import annotations

from dataclasses import dataclass

from deblock.analyzer.project import Project
from deblock.orm_knowledge import django_orm

QUERYSET = "queryset"
INSTANCE = "instance"



@dataclass(frozen=True)
class OrmChain:
    model: str  # the model's project qualname
    manager: str | None  # `objects`; None when the receiver is an instance made by `Model(...)`
    chain: tuple[str, ...]  # methods called between the manager and the final method
    final: str | None  # the method called last; None when the expression is a QuerySet value
    kind: str  # QUERYSET (final acts on a QuerySet/manager) or INSTANCE (on a model instance)


def _reaches(project: Project, class_qualname: str, bases: frozenset[str]) -> bool:
    for owner in project.mro(class_qualname):
        cls = project.classes.get(owner)
        if cls is not None and any((project.resolve(b) or b) in bases or b in bases for b in cls.bases):
            return True
    return False


def is_model(project: Project, class_qualname: str) -> bool:
    """A project class whose bases reach `django.db.models.Model` (abstract models included)."""
    cache: dict[str, bool] = project.memo("django-models", dict)
    if class_qualname not in cache:
        cache[class_qualname] = class_qualname in project.classes and _reaches(
            project, class_qualname, django_orm().model_bases
        )
    return cache[class_qualname]


def is_manager(project: Project, dotted: str | None) -> bool:
    """Does calling `dotted` make a manager (`BookManager()`, `QS.as_manager()`, `from_queryset(QS)()`)?"""
    if not dotted:
        return False
    if dotted.endswith((".as_manager", ".from_queryset()")):
        return True
    resolved = project.resolve(dotted) or dotted
    bases = django_orm().manager_bases
    return resolved in bases or (resolved in project.classes and _reaches(project, resolved, bases))


def managers(project: Project, model: str) -> dict[str, str | None]:
    """Manager attribute -> the project class behind it (None for Django's own)."""
    cache: dict[str, dict[str, str | None]] = project.memo("django-managers", dict)
    if model not in cache:
        cache[model] = _managers(project, model)
    return cache[model]


def _managers(project: Project, model: str) -> dict[str, str | None]:
    found: dict[str, str | None] = dict.fromkeys(django_orm().default_managers)
    for owner in reversed(project.mro(model)):
        cls = project.classes.get(owner)
        for assign in cls.assigns if cls else ():
            value = assign.value
            if value.kind == "call" and isinstance(value.value, str) and is_manager(project, value.value):
                target = project.resolve(value.value.removesuffix(".as_manager")) or value.value
                found[assign.name] = target if target in project.classes else None
    return found


def _custom_methods(project: Project, manager_class: str | None) -> set[str]:
    if manager_class is None:
        return set()
    return {m for owner in project.mro(manager_class) for m in getattr(project.classes.get(owner), "methods", ())}


def parse(project: Project, dotted: str | None) -> OrmChain | None:
    """Split a resolved dotted name into model, manager, chain and final method; None if
    it is not a Django ORM expression."""
    if not dotted:
        return None
    cache: dict[str, OrmChain | None] = project.memo("django-parse", dict)
    if dotted not in cache:
        cache[dotted] = None  # guards the recursion through `_instance_model`
        cache[dotted] = _parse(project, dotted)
    return cache[dotted]


def _parse(project: Project, dotted: str) -> OrmChain | None:
    parts = dotted.split(".")
    related = _related_manager(project, parts) if "()." in dotted or len(parts) > 4 else None
    if related is not None:
        return related
    for cut in range(len(parts) - 1, 0, -1):
        if any("(" in part for part in parts[:cut]):
            continue
        model = ".".join(parts[:cut])
        if model in project.classes:
            return _split(project, model, parts[cut:]) if is_model(project, model) else None
    return None


def _related_manager(project: Project, parts: list[str]) -> OrmChain | None:
    """`<instance>.books.filter()...`: a multi-valued relation's manager on a model instance
    (`Author.objects.get()`, a parameter typed `Author`) acts as a manager of the related
    model."""
    from deblock.analyzer.models import model_graph  # the graph module imports this one

    for index in range(2, len(parts) - 1):
        base, name = ".".join(parts[:index]), parts[index]
        if "(" in name or not parts[index - 1].endswith("()") and base not in project.classes:
            continue
        owner = _instance_model(project, base)
        relation = model_graph(project).relation(owner, name) if owner else None
        if relation is not None and relation.many and relation.target:
            return _split(project, relation.target, parts[index:], manager=name)
    return None


def _instance_model(project: Project, base: str) -> str | None:
    if base in project.classes:
        return base if is_model(project, base) else None
    if not base.endswith("()") or "(" in base[:-2]:
        return None
    chain = parse(project, base[:-2])
    if chain is None or chain.final is None:
        return None
    final = chain.final.removeprefix("a") if chain.final.startswith("a") and chain.final[1:] in django_orm().returns_instance else chain.final
    return chain.model if final in django_orm().returns_instance else None


def _split(project: Project, model: str, rest: list[str], manager: str | None = None) -> OrmChain | None:
    orm = django_orm()
    head = rest[0]
    if len(rest) == 1 and not head.endswith("()"):  # `Book(...).save()` -> `app.models.Book.save`
        return OrmChain(model, None, (), head, INSTANCE) if head in orm.instance else None
    known = managers(project, model) if manager is None else {manager: None}
    if head not in known:
        return None
    custom = _custom_methods(project, known[head])
    calls, last = rest[1:], None
    if calls and not calls[-1].endswith("()"):
        last = calls.pop()
    chain: list[str] = []
    for index, part in enumerate(calls):
        name, _, tail = part.partition("(")
        if tail != ")":
            return None
        if name in orm.chainable or name in custom:
            chain.append(name)
        elif name in orm.returns_instance and index == len(calls) - 1 and last is not None:
            return OrmChain(model, head, tuple(chain), last, INSTANCE) if last in orm.instance else None
        else:
            return None
    if last is None and not chain:
        return None  # the manager itself is not a QuerySet value
    return OrmChain(model, head, tuple(chain), last, QUERYSET)
