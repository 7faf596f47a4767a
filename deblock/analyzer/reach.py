"""Which functions run on a request (or task) path, and through which chain.

`hot_reach(project)` is the same walk from the entry points that run per request or per
task only (not lifespans, startup events or commands), never passing through a function
that runs once per process (`once_per_process`: app factories, worker initialisers,
`functools.cache`d factories, gunicorn hooks); the pooling and process-state rules use it.

`reach(project)` walks the call graph breadth-first from every framework entry point at
once, so each reached function keeps its shortest chain from the nearest entry point. An
entry point that is a class (a class-based view, a viewset, a ModelAdmin) reaches all of
its methods. `entries_reaching(project, fn)` walks the other way, for messages that name
every entry point behind a function (the cache rules name each GET that would be served
from a cache).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from deblock.analyzer.facts.model import CallFact, FunctionFact
from deblock.analyzer.frameworks import EntryPoint
from deblock.analyzer.project import Project
from deblock.pooling_knowledge import exemptions

# Routes and views first: at equal distance, the chain shown starts at a URL.
_KIND_ORDER = {"route": 0, "view": 0, "viewset": 0, "dependency": 1, "hook": 2, "task": 3, "admin": 4}
_LOW_PRIORITY_PARTS = ("migrations", "tests", "test", "scripts", "management")
_TEST_MODULES = frozenset({"tests.py", "test.py", "conftest.py"})  # Django's app-level `tests.py`


def is_low_priority_path(path: str) -> bool:
    """Migrations, tests, scripts and management commands: code that never serves a request."""
    parts = path.split("/")
    return (any(p in _LOW_PRIORITY_PARTS for p in parts[:-1]) or parts[-1].startswith("test_")
            or parts[-1] in _TEST_MODULES)


@dataclass(frozen=True, slots=True)
class Reach:
    """How an entry point reaches a function: `chain` runs from the entry to the function."""

    entry: EntryPoint
    chain: tuple[str, ...]

    def render(self) -> str:
        return " -> ".join(self.chain)


def _roots(project: Project, entry: EntryPoint) -> list[str]:
    """The functions the framework calls for `entry`: the function, or a class's methods."""
    cls = project.classes.get(entry.qualname)
    if cls is None:
        return [entry.qualname]
    return [f"{cls.qualname}.{name}" for name in cls.methods]


def reach(project: Project) -> dict[str, Reach]:
    """Every function reachable from an entry point, with its shortest chain."""

    def compute() -> dict[str, Reach]:
        graph = project.callgraph
        found: dict[str, Reach] = {}
        pending: deque[str] = deque()
        for entry in project.entry_points.values():
            for root in _roots(project, entry):
                if root not in found:
                    chain = (entry.qualname,) if root == entry.qualname else (entry.qualname, root)
                    found[root] = Reach(entry, chain)
                    pending.append(root)
        while pending:
            name = pending.popleft()
            here = found[name]
            for callee in graph.callees(name):
                if callee not in found:
                    found[callee] = Reach(here.entry, (*here.chain, callee))
                    pending.append(callee)
        return found

    return project.memo("reach", compute)


def reach_of(project: Project, function: str) -> Reach | None:
    """The shortest chain to `function`, or to the class owning it (a method of a served class)."""
    table = reach(project)
    found = table.get(function)
    if found is None:
        owner = function.rpartition(".")[0]
        entry = project.entry_points.get(owner)
        if entry is not None:
            found = Reach(entry, (owner, function))
    return found


def _entry_methods(project: Project) -> dict[str, str]:
    """Method qualname -> the entry-point class that owns it."""
    return {
        f"{cls.qualname}.{m}": cls.qualname
        for cls_name in project.entry_points
        if (cls := project.classes.get(cls_name)) is not None
        for m in cls.methods
    }


def entries_reaching(project: Project, function: str) -> tuple[EntryPoint, ...]:
    """Every entry point whose calls reach `function` (sorted by qualname)."""

    def compute() -> tuple[EntryPoint, ...]:
        graph = project.callgraph
        entries = project.entry_points
        owners = project.memo("entry-class-methods", lambda: _entry_methods(project))
        seen = {function}
        pending = deque([function])
        found: dict[str, EntryPoint] = {}
        while pending:
            name = pending.popleft()
            for key in (name, owners.get(name)):
                if key is not None and key in entries:
                    found[key] = entries[key]
            for caller in graph.callers(name):
                if caller not in seen:
                    seen.add(caller)
                    pending.append(caller)
        return tuple(found[k] for k in sorted(found))

    return project.memo(("entries-reaching", function), compute)


def hot_reach(project: Project) -> dict[str, Reach]:
    """Like `reach()`, from the per-request and per-task entry points only, and never
    through a function that runs once per process or once per set of arguments."""

    def compute() -> dict[str, Reach]:
        once = once_per_process(project)
        found: dict[str, Reach] = {}
        pending: deque[str] = deque()
        # Routes and views first: at equal distance, the chain shown starts at a URL.
        entries = sorted(project.entry_points.values(), key=lambda e: (_KIND_ORDER.get(e.kind, 9), e.qualname))
        for entry in entries:
            if not _per_request(project, entry) or entry.qualname in once:
                continue
            cls = project.classes.get(entry.qualname)
            roots = [f"{cls.qualname}.{m}" for m in cls.methods] if cls is not None else [entry.qualname]
            for root in roots:
                if root not in found and root not in once:
                    found[root] = Reach(entry, (entry.qualname,) if root == entry.qualname else (entry.qualname, root))
                    pending.append(root)
        while pending:
            name = pending.popleft()
            for callee in project.callgraph.callees(name):
                if callee not in found and callee not in once:
                    found[callee] = Reach(found[name].entry, (*found[name].chain, callee))
                    pending.append(callee)
        return found

    return project.memo("hot-reach", compute)


def _per_request(project: Project, entry: EntryPoint) -> bool:
    if entry.kind == "command" or is_low_priority_path(entry.path):
        return False
    if entry.kind != "hook":
        return True
    fn = project.functions.get(entry.qualname)
    attrs = {d.name.rpartition(".")[2] for d in fn.decorators if d.name} if fn is not None else set()
    if entry.framework == "fastapi":
        return bool(attrs & exemptions().fastapi_request_hooks)
    return not attrs & exemptions().once_hooks


def once_per_process(project: Project) -> frozenset[str]:
    """Functions that run once per process (or once per distinct arguments)."""

    def compute() -> frozenset[str]:
        known = exemptions()
        once: set[str] = set()
        for module in project:
            gunicorn = module.path.rpartition("/")[2] in known.gunicorn_config_files
            for fn in module.functions:
                if _is_once(project, fn, gunicorn and fn.parent is None and fn.class_qualname is None):
                    once.add(fn.qualname)
            for call in module.calls:
                once.update(_initialisers(project, call))
        return frozenset(once)

    return project.memo("once-per-process", compute)


def _is_once(project: Project, fn: FunctionFact, in_gunicorn_config: bool) -> bool:
    known = exemptions()
    if in_gunicorn_config and fn.name in known.gunicorn_hooks:
        return True
    if fn.name in known.app_factories and fn.class_qualname is None:
        return True
    for decorator in fn.decorators:
        name = project.resolve(decorator.name) or decorator.name or ""
        if name in known.caching_decorators or name in known.init_signals:
            return True
        signal, _, attr = name.rpartition(".")
        if attr == "connect" and signal.rpartition(".")[2] in known.app_signals:
            return True
    return False


def _initialisers(project: Project, call: CallFact) -> Iterable[str]:
    """`worker_process_init.connect(init_db)`, `Pool(initializer=init_worker)`."""
    known = exemptions()
    targets = [a for k, a in call.keywords if k in known.initializer_keywords]
    if (project.resolve(call.callee) or call.callee) in known.init_signals and call.args:
        targets.append(call.args[0])
    for arg in targets:
        name = project.resolve(arg.value) if arg.kind == "ref" and isinstance(arg.value, str) else None
        if name in project.functions:
            yield name
