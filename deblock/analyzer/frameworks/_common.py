"""Helpers the framework modules share: finding decorators and calls by resolved name,
reading their arguments, and walking class hierarchies down to framework bases.

Everything reads facts through the `Project`; names are always passed through
`project.resolve` so re-exports (`from .app import app`) and project subclasses of
framework classes (`class MyApp(Flask)`) are seen as the framework names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import (
    ArgFact,
    CallFact,
    DecoratorFact,
    FunctionFact,
    ModuleFacts,
)
from deblock.analyzer.frameworks import LOOP, EntryPoint
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
AS_VIEW = ".as_view"

Keywords = tuple[tuple[str, ArgFact], ...]


@dataclass(frozen=True, slots=True)
class Decorated:
    """A project function together with one of its decorators, by resolved name."""

    module: ModuleFacts
    function: FunctionFact
    decorator: DecoratorFact
    name: str  # the decorator's canonical name


@dataclass(frozen=True, slots=True)
class Called:
    """A call anywhere in the project, by resolved callee."""

    module: ModuleFacts
    call: CallFact
    name: str  # the callee's canonical name


def runs_on(fn: FunctionFact, sync: str) -> str:
    """Where a framework that awaits coroutine functions and runs others on `sync` puts `fn`."""
    return LOOP if fn.is_async else sync


def member(name: str) -> tuple[str, str]:
    """`flask.Flask.route` -> (`flask.Flask`, `route`)."""
    owner, _, attr = name.rpartition(".")
    return owner, attr


def _decorators_by_last_name(project: Project) -> dict[str, list[tuple[ModuleFacts, FunctionFact, DecoratorFact]]]:
    index: dict[str, list[tuple[ModuleFacts, FunctionFact, DecoratorFact]]] = {}
    for module in project:
        for fn in module.functions:
            for dec in fn.decorators:
                if dec.name:
                    index.setdefault(member(dec.name)[1], []).append((module, fn, dec))
    return index


def _calls_by_last_name(project: Project) -> dict[str, list[tuple[ModuleFacts, CallFact]]]:
    index: dict[str, list[tuple[ModuleFacts, CallFact]]] = {}
    for module in project:
        for call in module.calls:
            if call.callee:
                index.setdefault(member(call.callee)[1], []).append((module, call))
    return index


def decorations(project: Project, last: Collection[str]) -> Iterator[Decorated]:
    """Decorators whose name ends in one of `last` (an index built once per project, so the
    many framework queries never rescan every decorator)."""
    index = project.memo("frameworks-decorators-by-last-name", lambda: _decorators_by_last_name(project))
    for name in sorted(set(last)):
        for module, fn, dec in index.get(name, ()):
            yield Decorated(module, fn, dec, project.resolve(dec.name) or dec.name)


def calls(project: Project, last: Collection[str]) -> Iterator[Called]:
    """Calls whose callee ends in one of `last` (indexed once per project)."""
    index = project.memo("frameworks-calls-by-last-name", lambda: _calls_by_last_name(project))
    for name in sorted(set(last)):
        for module, call in index.get(name, ()):
            yield Called(module, call, project.resolve(call.callee) or call.callee)


def framework_bases(project: Project, qualname: str) -> set[str]:
    """The non-project classes a class derives from (through its project bases).

    A name that is not a project class is its own framework base, so an instance of
    `flask.Flask` and of `class App(Flask)` both answer {"flask.Flask", ...}.
    """
    if qualname not in project.classes:
        return {qualname}

    def compute() -> frozenset[str]:
        out: set[str] = set()
        for owner in project.mro(qualname):
            cls = project.classes.get(owner)
            for base in cls.bases if cls else ():
                resolved = project.resolve(base) or base
                if resolved not in project.classes:
                    out.add(resolved)
        return frozenset(out)

    return set(project.memo(("framework-bases", qualname), compute))


def derives_from(project: Project, qualname: str, prefixes: Iterable[str]) -> bool:
    prefixes = tuple(prefixes)
    return any(base.startswith(prefixes) for base in framework_bases(project, qualname))


def lookup(project: Project, qualname: str, table: Mapping[str, str]) -> str | None:
    """The value `table` gives the first framework base of `qualname` it knows."""
    for base in sorted(framework_bases(project, qualname)):
        if base in table:
            return table[base]
    return None


def project_method(project: Project, class_qualname: str, name: str) -> FunctionFact | None:
    """The project definition of `name` that an instance of the class uses (first in the MRO)."""
    for owner in project.mro(class_qualname):
        cls = project.classes.get(owner)
        if cls is not None and name in cls.methods:
            return project.functions.get(f"{owner}.{name}")
    return None


def project_methods(project: Project, class_qualname: str, names: Iterable[str] | None = None) -> Iterator[FunctionFact]:
    """Methods defined by the class or its project bases; all of them when `names` is None."""
    if names is None:
        seen: list[str] = []
        for owner in project.mro(class_qualname):
            cls = project.classes.get(owner)
            seen.extend(m for m in (cls.methods if cls else ()) if m not in seen)
        names = seen
    for name in names:
        fn = project_method(project, class_qualname, name)
        if fn is not None:
            yield fn


def project_classes(project: Project) -> Iterator[tuple[ModuleFacts, str]]:
    for module in project:
        for cls in module.classes:
            yield module, cls.qualname


# ---------------------------------------------------------------------- arguments
def argument(args: tuple[ArgFact, ...], keywords: Keywords, index: int, name: str) -> ArgFact | None:
    """A parameter passed by position or by keyword."""
    if len(args) > index:
        return args[index]
    return dict(keywords).get(name)


def literal_str(arg: ArgFact | None) -> str | None:
    return arg.value if arg is not None and arg.kind == "literal" and isinstance(arg.value, str) else None


def literal_methods(arg: ArgFact | None) -> tuple[str, ...]:
    """`methods=["GET", "post"]` -> ("GET", "POST"); anything not literal -> ()."""
    if arg is None or arg.kind != "literal":
        return ()
    values = arg.value if isinstance(arg.value, tuple) else (arg.value,)
    return tuple(v.upper() for v in values if isinstance(v, str))


def declared_methods(keywords: Keywords, default: tuple[str, ...] = ("GET",)) -> tuple[str, ...]:
    """`methods=` of a route: the framework default when absent, () when not a literal."""
    methods = dict(keywords).get("methods")
    return default if methods is None else literal_methods(methods)


def ref(project: Project, arg: ArgFact | None) -> str | None:
    """Canonical name of a reference argument (`views.index` -> `shop.views.index`)."""
    if arg is None or arg.kind != "ref" or not isinstance(arg.value, str):
        return None
    return project.resolve(arg.value)


def as_view_class(project: Project, callee: str | None) -> str | None:
    """`shop.views.BookList.as_view` -> `shop.views.BookList` when that is a project class."""
    if not callee or not callee.endswith(AS_VIEW):
        return None
    cls = project.resolve(callee[: -len(AS_VIEW)])
    return cls if cls in project.classes else None


@dataclass(frozen=True, slots=True)
class View:
    """What a view argument (`views.index`, `V.as_view(...)`, `login_required(...)`) denotes."""

    qualname: str  # a project function, or a project class for `as_view`
    is_class: bool


def view_target(project: Project, module: ModuleFacts, arg: ArgFact | None, unwrap: Collection[str] = ()) -> View | None:
    """Follow a view argument through `as_view()` and wrapper calls such as `login_required(v)`.

    Arguments of nested calls are cut short in facts, so the wrapper's own CallFact
    (found by span) supplies the full argument. Calls named in `unwrap` are not
    followed (e.g. `include(...)`).
    """
    for _ in range(4):  # wrappers are rarely nested deeper
        if arg is None:
            return None
        if arg.kind == "ref":
            return _view_ref(project, ref(project, arg))
        if arg.kind != "call" or arg.span is None:
            return None
        cls = as_view_class(project, arg.value if isinstance(arg.value, str) else None)
        if cls is not None:
            return View(cls, True)
        call = _call_at(module, arg.span)
        if call is None or project.resolve(call.callee) in unwrap:
            return None
        arg = call.args[0] if call.args else None
    return None


def _view_ref(project: Project, target: str | None) -> View | None:
    """A function, or a variable holding `V.as_view(...)` (resolved as `pkg.V.as_view()`)."""
    if target in project.functions:
        return View(target, False)
    if target and target.endswith(AS_VIEW + "()"):
        cls = as_view_class(project, target[:-2])
        return View(cls, True) if cls else None
    return None


def _call_at(module: ModuleFacts, span: Span) -> CallFact | None:
    return next((c for c in module.calls if c.span == span), None)


def entry(module: ModuleFacts, fn: FunctionFact, span: Span, framework: str, kind: str, runs: str,
          url: str | None = None, methods: tuple[str, ...] = ()) -> EntryPoint:
    return EntryPoint(fn.qualname, framework, kind, runs, module.path, span, url, methods)
