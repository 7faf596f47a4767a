"""Shared pieces of the DBK402/DBK404-DBK406 caching rules: module-level containers and the
request handlers that write them, memoising decorators, and redis-py client calls."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from deblock.analyzer.facts.model import (
    ArgFact,
    AssignFact,
    CallFact,
    FunctionFact,
    ModuleFacts,
)
from deblock.analyzer.project import Project
from deblock.analyzer.reach import Reach, hot_reach
from deblock.caching_knowledge import RedisWrite, caching_knowledge
from deblock.model import Span


@dataclass(frozen=True)
class Write:
    """A change to a module-level container from inside a function."""

    path: str
    span: Span
    function: str
    how: str  # "subscript", "delete", "rebind", "augmented", or the mutating method (`pop`)


def is_container(assign: AssignFact) -> bool:
    """A module-level dict/list/set display or a call building a mutable container, unless
    its annotation says it holds objects that live in one process (tasks, locks)."""
    knowledge = caching_knowledge()
    if not knowledge.process_bound.isdisjoint(assign.annotation_args):
        return False
    value = assign.value
    if value.kind in ("dict", "list"):
        return True
    return value.kind == "call" and value.value in knowledge.constructors


def _method_write(project: Project, module: ModuleFacts, call: CallFact) -> str | None:
    """The module-level name a mutating method call changes (`_cache.pop(k)`), else None."""
    root, _, method = call.text.rpartition(".")
    if method not in caching_knowledge().mutating or call.callee is None:
        return None
    callee = project.resolve(call.callee) or call.callee
    owner = callee.rpartition(".")[0]
    if owner.endswith("[]"):
        return owner[:-2]  # a local holding an item of the container (`history.append(pk)`)
    if owner in project.functions or owner in project.classes:
        return None
    if "." not in root and root.isidentifier():
        # `_cache.pop(k)` in the defining module: the callee names the declared type
        # (`builtins.dict.pop`) when the global is annotated; a parameter shadowing it does not count.
        fn = project.functions.get(call.function)
        if fn is not None and any(p.name == root for p in fn.params):
            return None
        return f"{module.module}.{root}"
    return owner


def writes_by_global(project: Project) -> dict[str, tuple[Write, ...]]:
    """`pkg.mod.name` -> every write to it from inside a function, across the project."""

    def compute() -> dict[str, tuple[Write, ...]]:
        found: dict[str, list[Write]] = defaultdict(list)
        for module in project:
            for store in module.stores:
                if store.global_name is not None and store.function != module.module:
                    found[store.global_name].append(Write(module.path, store.span, store.function, store.how))
            for call in module.calls:
                if call.function == module.module:
                    continue  # import time: registries filled once
                name = _method_write(project, module, call)
                if name is not None:
                    found[name].append(Write(module.path, call.span, call.function, call.text.rpartition(".")[2]))
        return {name: tuple(sorted(writes, key=lambda w: (w.path, w.span.line))) for name, writes in found.items()}

    return project.memo("caching-writes-by-global", compute)


def request_reach(project: Project, function: str) -> Reach | None:
    """How a request handler (not a task, command, lifespan or startup hook) reaches
    `function`, or None; never through code that runs once per process."""
    found = hot_reach(project).get(function)
    return found if found is not None and found.entry.kind in caching_knowledge().request_kinds else None


def describe_reach(found: Reach) -> str:
    entry = found.entry
    route = " ".join(filter(None, ["/".join(entry.methods), entry.url]))
    where = f"{entry.framework} {entry.kind}" + (f" {route}" if route else "")
    chain = f" via {found.render()}" if len(found.chain) > 1 else ""
    return f"{where}{chain}"


# ---------------------------------------------------------------- memoising decorators
def memoizer(fn: FunctionFact) -> tuple[int, str] | None:
    """(index, resolved name) of an `lru_cache`/`cache` decorator on `fn`, else None."""
    decorators = caching_knowledge().memoizers.decorators
    for index, decorator in enumerate(fn.decorators):
        if decorator.name in decorators:
            return index, decorator.name
    return None


def is_enum(project: Project, class_qualname: str) -> bool:
    enum_bases = caching_knowledge().memoizers.enum_bases
    for owner in project.mro(class_qualname):
        cls = project.classes.get(owner)
        if cls is not None and any((project.resolve(b) or b) in enum_bases for b in cls.bases):
            return True
    return False


def cached_property_is_exact(project: Project, fn: FunctionFact) -> bool:
    """Only `self`, not a property, no `__slots__`, and never called: `cached_property` is exact."""
    if len(fn.params) != 1 or fn.is_property or len(fn.decorators) != 1:
        return False
    cls = project.classes.get(fn.class_qualname or "")
    if cls is None or any(a.name == "__slots__" for a in cls.assigns):
        return False
    called = project.memo("caching-called-names", lambda: frozenset(
        call.text.rpartition(".")[2] for module in project for call in module.calls))
    return fn.name not in called


# ---------------------------------------------------------------- redis-py clients
def redis_command(project: Project, call: CallFact) -> str | None:
    """The command name when `call` is a method of a redis-py client (`set`), else None."""
    if call.callee is None:
        return None
    callee = project.resolve(call.callee) or call.callee
    owner, _, method = callee.rpartition(".")
    return method if owner in caching_knowledge().redis_clients else None


def redis_write(project: Project, call: CallFact) -> RedisWrite | None:
    command = redis_command(project, call)
    return caching_knowledge().redis_writes.get(command) if command else None


_REF_KINDS = {"builtins.dict": "dict", "builtins.list": "list", "builtins.set": "set", "builtins.tuple": "tuple"}


def container_kind(project: Project, value: ArgFact) -> str | None:
    """"dict", "list", "set", "tuple" or "list, tuple or set" when `value` is a container
    (a display, a comprehension bound to a local, a container-typed parameter or global), else None."""
    if value.kind == "dict":
        return "dict"
    if value.kind == "list" or (value.kind == "literal" and isinstance(value.value, tuple)):
        return "list, tuple or set"  # the facts keep one kind for the three displays
    if value.kind != "ref" or not isinstance(value.value, str):
        return None
    if value.value in _REF_KINDS:
        return _REF_KINDS[value.value]
    module, _, name = value.value.rpartition(".")
    facts = project.modules.get(module)
    assign = next((a for a in facts.assigns if a.name == name), None) if facts is not None else None
    if assign is None or not is_container(assign):
        return None
    return container_kind(project, assign.value) if assign.value.kind != "call" else None
