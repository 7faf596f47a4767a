"""What DBK301-DBK303 share: find the pooled objects of one kind built on a hot path, and
offer to hoist each into one shared, lazily built instance per process.

The fix (codemod `hoist_to_cached_factory`) moves the construction into a module-level
`@functools.cache` factory: `_engine()`, or `_engine_for(url)` keyed by the arguments
that change per call. It is never a `global` statement (PLW0603), and never a
module-level constant: a constant is built at import, in the parent of a pre-forking
server (`gunicorn --preload`), and its sockets would then be shared by every worker;
the factory builds it on first use, in the process that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import ArgFact, CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Fix
from deblock.pooling_knowledge import (
    Constructor,
    constructor_names,
    constructors,
    pool_settings,
)
from deblock.rules._base import Rule
from deblock.rules.pooling._hot import hot_context

HOIST = "hoist_to_cached_factory"
# Methods after which the per-call object is finished with: sharing it would close it
# for every later caller.
_CLOSING = frozenset({"close", "dispose", "aclose", "shutdown", "__exit__", "__aexit__"})
_CONFIG_CALLS = ("os.environ.get()", "os.getenv()", "os.environ[", "os.environ.__getitem__")
_SETTINGS = ("django.conf.settings.",)
_PROXIES = ("flask.", "quart.", "werkzeug.", "starlette.", "fastapi.")
_UNHASHABLE = frozenset({"builtins.dict", "builtins.list", "builtins.set", "builtins.bytearray"})


def constructor_of(project: Project, call: CallFact) -> Constructor | None:
    return constructors().get(project.resolve(call.callee) or call.callee or "")


def written(call: CallFact) -> str:
    return call.text + ("(...)" if call.args or call.keywords or call.has_star_args else "()")


def built_per_call(rule: Rule, facts: ModuleFacts, project: Project, kind: str) -> Iterator[Finding]:
    for call in project.calls_ending(facts, constructor_names()):
        built = constructor_of(project, call)
        if built is None or built.kind != kind or any(k in built.shared_pool for k, _ in call.keywords):
            continue  # `redis.Redis(connection_pool=POOL)` borrows a shared pool: cheap
        if _without_pool(project, call):
            continue  # `create_engine(url, poolclass=NullPool)` per call is deliberate (superset: per-user engines)
        hot = hot_context(project, facts, call, is_async=built.is_async)
        if hot is None:
            continue
        fix = _hoist(rule, facts, project, call, built)
        finding = rule.finding(facts, call.span, fix=fix, what=built.label, call=written(call),
                               function=call.function.rpartition(".")[2], why=hot.why,
                               advice=_advice(built, call, fix))
        yield replace(finding, severity=hot.severity)


def _without_pool(project: Project, call: CallFact) -> bool:
    """The engine is built with `poolclass=NullPool`, or with `**options` that may say so
    (Superset's `create_engine(url, **engine_kwargs)` adds NullPool there): no pool is
    thrown away per call, or deblock cannot tell."""
    if call.has_star_args and constructor_of(project, call).kind == "engine":
        return True
    pool = dict(call.keywords).get("poolclass")
    return (pool is not None and pool.kind == "ref"
            and (project.resolve(str(pool.value)) or pool.value) in pool_settings().no_pool)


def _advice(built: Constructor, call: CallFact, fix: Fix | None) -> str:
    if not built.hoist:
        text = built.advice
    elif built.is_async:
        text = ("open one per process on the serving event loop (FastAPI: in the app's lifespan, kept on "
                "`app.state` and handed out by a dependency) and close it at shutdown")
    elif fix is None:
        text = "build one per process (a module-level `functools.cache`d factory), reuse it and stop closing it after each use"
    else:
        text = "build one per process, on first use, and reuse it"
    return text + (f"; {built.caveat}" if built.caveat else "")


def _hoist(rule: Rule, facts: ModuleFacts, project: Project, call: CallFact, built: Constructor) -> Fix | None:
    if not built.hoist or built.is_async or call.used_as == "with" or call.has_star_args:
        return None
    if not all(_hashable(a) for a in (*call.args, *(v for _, v in call.keywords))):
        return None  # the factory is keyed by its arguments: they must be hashable
    if not _module_level_import(facts, call.text.partition(".")[0]) or _closed_later(project, facts, call, built):
        return None
    fixed = [str(i) for i, a in enumerate(call.args) if _same_every_call(project, facts, a)]
    fixed += [k for k, a in call.keywords if _same_every_call(project, facts, a)]
    return rule.make_fix(HOIST, call.span, factory=built.factory, params=",".join(built.params), fixed=",".join(fixed))


def _same_every_call(project: Project, facts: ModuleFacts, arg: ArgFact) -> bool:
    """A literal, a module-level name or configuration (`settings.X`, `os.environ[...]`):
    it can move into the factory's body. Context-local proxies (`current_app`, `request`,
    `g`) and locals cannot: they become the factory's parameters."""
    if arg.kind == "literal" or (arg.kind in ("list", "dict") and _hashable(arg)):
        return True
    value = arg.value if arg.kind == "ref" and isinstance(arg.value, str) else ""
    if value.startswith(_CONFIG_CALLS) or value.startswith(_SETTINGS):
        return True
    if value.endswith("()") or value.startswith(_PROXIES) or "()" in value:
        return False
    head, _, name = value.rpartition(".")
    module_global = head == facts.module and any(a.name == name for a in facts.assigns)
    project_constant = head in project.modules and name.isupper()  # `from app.config import DB_URL`
    return module_global or project_constant


def _hashable(arg: ArgFact) -> bool:
    if arg.kind in ("list", "dict"):
        return all(a.kind == "literal" for a in (*arg.args, *(v for _, v in arg.keywords)))
    if arg.kind == "ref":
        return arg.value not in _UNHASHABLE
    return arg.kind != "lambda"


def _module_level_import(facts: ModuleFacts, alias: str) -> bool:
    """The factory sits at module level: the callee's name must be bound there."""
    functions = [f.span for f in facts.functions]
    return any(i.alias == alias and not any(s.contains(i.span) for s in functions) for i in facts.imports)


def _closed_later(project: Project, facts: ModuleFacts, call: CallFact, built: Constructor) -> bool:
    for other in facts.calls:
        if other.function != call.function:
            continue
        name = project.resolve(other.callee) or other.callee or ""
        owner, _, method = name.rpartition(".")
        if method in _CLOSING and owner in (built.name, built.name + "()"):
            return True
    return False
