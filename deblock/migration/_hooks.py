"""Why a function must stay `def` (hazards H1, H9, H10, H13, H14 of the migration
reference): framework hooks, dunders, properties, lambdas, registered callbacks.

Knowledge comes from `deblock/data/migration.toml`; this module only applies it to facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from deblock.migration_knowledge import matches_any, migration_knowledge
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.facts.model import FunctionFact
    from deblock.analyzer.project import Project
    from deblock.migration.hazards import Hazard

KEEP_SYNC = ("keep it sync; call async code from it with `async_to_sync(f)(...)` "
             "(only off the event loop), or keep a sync twin of what it calls")
_ENTRY_KINDS = {"task": "Celery runs tasks synchronously", "command": "management commands run synchronously",
                "admin": "the Django admin is sync"}


def short(project: Project, qualname: str) -> str:
    """`Class.method` / `function`: the qualname without its module."""
    module = project.module_of(qualname)
    if module is not None and qualname.startswith(module.module + "."):
        return qualname[len(module.module) + 1:]
    return qualname.rpartition(".")[2]


def library_bases(project: Project, class_qualname: str) -> tuple[str, ...]:
    """Resolved non-project bases of a class and of its project ancestors, in MRO order."""
    def compute() -> tuple[str, ...]:
        found: list[str] = []
        for owner in project.mro(class_qualname) or [class_qualname]:
            cls = project.classes.get(owner)
            for base in cls.bases if cls else ():
                resolved = project.resolve(base) or base
                if resolved not in project.classes and resolved not in found:
                    found.append(resolved)
        return tuple(found)

    return project.memo(("migration-library-bases", class_qualname), compute)


def decorator_names(project: Project, fn: FunctionFact) -> list[tuple[str, Span | None]]:
    return [(project.resolve(d.name) or d.name, d.span) for d in fn.decorators if d.name]


def must_stay_sync(project: Project, qualname: str) -> Hazard | None:
    """Why a function cannot be recoloured, or None (memoised per project)."""
    return project.memo(("migration-must-stay-sync", qualname), lambda: _must_stay_sync(project, qualname))


def _must_stay_sync(project: Project, qualname: str) -> Hazard | None:
    from deblock.migration.hazards import Hazard

    if qualname.rpartition(".")[2] == "<lambda>":
        return _lambda(project, qualname)
    fn = project.functions.get(qualname)
    module = project.module_of(qualname)
    if fn is None or module is None:
        return None
    knowledge = migration_knowledge()
    name = short(project, qualname)

    def hazard(code: str, kind: str, message: str, span: Span | None = None,
               bridge: str = KEEP_SYNC) -> Hazard:
        return Hazard(code if fn.is_async else "", kind, qualname, module.path, span or fn.span, message, bridge, True)

    # Only a method is a protocol hook; a nested `def __event_emitter__()` is a plain function.
    if (fn.class_qualname is not None and fn.name.startswith("__") and fn.name.endswith("__")
            and fn.name not in knowledge.async_dunders):
        what = ("`async def __init__` makes construction raise TypeError" if fn.name == "__init__"
                else f"Python calls `{fn.name}` synchronously and uses its result as is (a coroutine)")
        return hazard("DBK503", "dunder", f"`{name}` cannot be async: {what}",
                      bridge="keep it sync: do the I/O before (an async factory such as `await Cls.create(...)`) "
                             "or in an explicit `async def` method")
    decorators = decorator_names(project, fn)
    prop = next((span for dec, span in decorators if matches_any(dec, knowledge.properties)), None)
    if fn.is_property or prop is not None:
        return hazard("DBK503", "property",
                      f"`{name}` is a property: every plain read gets a coroutine (templates, serializers, `hasattr`)",
                      prop, "keep it sync, or turn it into an explicit `async def get_...()` method and await each read")
    for dec, span in decorators:
        for row in knowledge.decorators:
            if matches_any(dec, row.names):
                return hazard("DBK502", "sync-hook", f"`{name}` is registered with `{dec}`: {row.what}", span)
    if fn.class_qualname:
        bases = library_bases(project, fn.class_qualname)
        for row in knowledge.hooks:
            base = next((b for b in bases if matches_any(b, row.bases)), None)
            if base is not None and row.covers(fn.name):
                return hazard("DBK502", "sync-hook", f"`{name}` overrides `{base}.{fn.name}`: {row.what}")
    entry = project.entry_points.get(qualname) if not fn.is_async else None
    if entry is not None and entry.kind in _ENTRY_KINDS:
        return hazard("", "sync-hook", f"`{name}` is a {entry.framework} {entry.kind}: {_ENTRY_KINDS[entry.kind]}")
    return None


def _lambda(project: Project, qualname: str) -> Hazard | None:
    from deblock.migration.hazards import Hazard

    parent = qualname.rpartition(".<locals>.")[0] if ".<locals>." in qualname else qualname.rpartition(".")[0]
    module = project.module_of(parent) or project.modules.get(parent)
    if module is None:
        return None
    calls = [c.span for c in module.calls if c.function == qualname]
    owner = project.functions.get(parent)
    span = calls[0] if calls else owner.span if owner else Span(1, 0, 1, 0)
    return Hazard("", "lambda", qualname, module.path, span, "a lambda cannot be async (`await` in a lambda is a "
                  "SyntaxError)", "hoist it into a nested `async def` and await the call, or keep the caller sync",
                  True)
