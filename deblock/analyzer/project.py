"""The project index: all modules' facts, cross-module name resolution, and the lazily
built call graph and entry points that project rules read."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from deblock.analyzer.facts.model import CallFact, ClassFact, FunctionFact, ModuleFacts
from deblock.analyzer.facts.resolve import looks_like_class
from deblock.config import ASYNC_LIBRARIES, Settings
from deblock.knowledge import return_types

if TYPE_CHECKING:
    from deblock.analyzer.callgraph import CallGraph
    from deblock.analyzer.frameworks import EntryPoint

T = TypeVar("T")
_MAX_DEPTH = 12  # re-export chains longer than this are treated as unresolvable


class Project:
    def __init__(self, facts: Iterable[ModuleFacts], settings: Settings) -> None:
        self.settings = settings
        self.files: dict[str, ModuleFacts] = {}
        self.modules: dict[str, ModuleFacts] = {}
        self.functions: dict[str, FunctionFact] = {}
        self.classes: dict[str, ClassFact] = {}
        self._module_of: dict[str, ModuleFacts] = {}
        self._bindings: dict[str, dict[str, str]] = {}
        self._resolved: dict[str, str | None] = {}
        self._mro: dict[str, list[str]] = {}
        self._memo: dict[Hashable, Any] = {}
        for module in facts:
            self.files[module.path] = module
            # Two files can claim one module name (scripts in different folders); the
            # first keeps the name, the others stay reachable by path.
            self.modules.setdefault(module.module, module)
            for fn in module.functions:
                self.functions.setdefault(fn.qualname, fn)
                self._module_of.setdefault(fn.qualname, module)
            for cls in module.classes:
                self.classes.setdefault(cls.qualname, cls)
                self._module_of.setdefault(cls.qualname, module)

    def __iter__(self) -> Iterator[ModuleFacts]:
        return iter(self.files.values())

    def module_of(self, qualname: str) -> ModuleFacts | None:
        return self._module_of.get(qualname)

    # ------------------------------------------------------------------ resolution
    def bindings(self, module: ModuleFacts) -> dict[str, str]:
        """Module-level names another module can import from this one."""
        cached = self._bindings.get(module.module)
        if cached is None:
            cached = {}
            for imp in module.imports:
                cached.setdefault(imp.alias, imp.target)
            for assign in module.assigns:
                value = assign.value
                if value.kind == "ref" and isinstance(value.value, str):
                    cached[assign.name] = value.value
                elif value.kind == "call" and isinstance(value.value, str):
                    is_class = value.value in self.classes or looks_like_class(value.value)
                    cached[assign.name] = value.value if is_class else value.value + "()"
            prefix = module.module + "."
            for qualname in (*(f.qualname for f in module.functions), *(c.qualname for c in module.classes)):
                tail = qualname[len(prefix):] if qualname.startswith(prefix) else ""
                if tail and "." not in tail:
                    cached[tail] = qualname
            self._bindings[module.module] = cached
        return cached

    def resolve(self, dotted: str | None) -> str | None:
        """Canonical name of a facts-level dotted name, following re-exports, module-level
        instances, `self.x` attribute types, inheritance and annotated return types."""
        if dotted is None:
            return None
        if dotted not in self._resolved:
            self._resolved[dotted] = None  # guards against cycles while resolving
            self._resolved[dotted] = self._resolve(dotted, 0)
        return self._resolved[dotted]

    def _resolve(self, dotted: str, depth: int) -> str | None:
        if depth > _MAX_DEPTH:
            return dotted
        if dotted in self.functions or dotted in self.classes:
            return dotted
        if dotted in self.modules:
            # `pkg.load` is the package's binding when `pkg/__init__.py` rebinds the name
            # (`from .load import load`): in Python that overwrites the submodule attribute.
            parent, _, name = dotted.rpartition(".")
            bound = self.bindings(self.modules[parent]).get(name) if parent in self.modules else None
            if bound is None or bound == dotted:
                return dotted
            return self._resolve(bound, depth + 1)
        head, sep, tail = dotted.partition("()")
        if sep:
            target = self._resolve(head, depth + 1)
            returns = self._returns(target)
            if returns is None:
                return dotted if target is None else target + "()" + tail
            return self._resolve(returns + tail, depth + 1)
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            prefix, rest = ".".join(parts[:cut]), parts[cut:]
            if prefix in self.classes:
                return self._member(prefix, rest, depth)
            module = self.modules.get(prefix)
            if module is not None:
                bound = self.bindings(module).get(rest[0])
                if bound is None or bound == dotted:
                    return dotted
                return self._resolve(".".join([bound, *rest[1:]]), depth + 1)
        return dotted

    def _returns(self, target: str | None) -> str | None:
        """What calling `target` gives: its return annotation, else the value its last
        `return` builds when that is a call chain (`return Book.objects.filter(...)`),
        else the library return-type table."""
        fn = self.functions.get(target or "")
        if fn is None:
            return return_types().get(target or "")
        if fn.returns is not None or fn.is_generator:
            return fn.returns
        returned = fn.returned
        if returned and returned.endswith("()") and "<locals>" not in returned and returned != target + "()":
            return returned[:-2] + "()"
        return None

    def _member(self, class_qualname: str, rest: list[str], depth: int) -> str:
        """`Class.attr...`: a method found through the bases, or a typed attribute."""
        name, more = rest[0], rest[1:]
        for owner in self.mro(class_qualname):
            cls = self.classes.get(owner)
            if cls is None:
                continue
            if name in cls.methods:
                return ".".join([f"{owner}.{name}", *more])
            attr_type = dict(cls.attribute_types).get(name)
            if attr_type is not None:
                attr_type = self._built_by_factory(class_qualname, owner, attr_type)
                return self._resolve(".".join([attr_type, *more]), depth + 1) or attr_type
        return ".".join([class_qualname, *rest])

    def _built_by_factory(self, class_qualname: str, owner: str, attr_type: str) -> str:
        """`self.repo = self.repository_class()` in `owner`, read on a `class_qualname`
        instance: the class that `class_qualname` (or its nearest base) assigns to
        `repository_class`, when it is a project class."""
        factory = attr_type[len(owner) + 1:-2] if attr_type.startswith(owner + ".") and attr_type.endswith("()") else ""
        if factory and "." not in factory and "(" not in factory:
            value = self._class_value(class_qualname, factory)
            if value is not None and value[0] == "ref":
                return value[1]
        return attr_type

    def project_bases(self, class_qualname: str) -> list[str]:
        cls = self.classes.get(class_qualname)
        if cls is None:
            return []
        return [b for b in (self.resolve(base) for base in cls.bases) if b and b in self.classes and b != class_qualname]

    def imports(self, package: str) -> bool:
        """Does any module import `package` (or something under it)? A cheap gate for
        framework passes that would otherwise resolve every class's bases."""
        top = self.memo("imported-packages", lambda: frozenset(
            imp.target.partition(".")[0] for module in self for imp in module.imports))
        return package in top

    def calls_ending(self, module: ModuleFacts, names: Collection[str]) -> list[CallFact]:
        """The module's calls whose callee (as the facts resolved it) ends in one of `names`,
        in source order: rules looking for a few library functions (`create_engine`,
        `Redis`, `set`) skip the module's other calls without resolving each of them."""
        index = self.memo(("calls-by-last-name", module.path), lambda: _calls_by_last_name(module))
        found = [call for name in names for call in index.get(name, ())]
        return sorted(found, key=lambda c: (c.span.line, c.span.col)) if len(found) > 1 else found

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A derived index computed once per project (e.g. a rule family's per-module
        matches, shared by several rules). Rules stay pure: the value depends only on facts."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def mro(self, class_qualname: str, _seen: frozenset[str] = frozenset()) -> list[str]:
        """Project classes in Python's C3 method-resolution order (library bases left out).

        Falls back to depth-first order where C3 has no solution (code Python would
        reject) and stops at inheritance cycles, which only broken code has.
        """
        if class_qualname in _seen:
            return []
        known = self._mro.get(class_qualname)
        if known is not None:
            return known
        seen = _seen | {class_qualname}
        bases = self.project_bases(class_qualname)
        sequences = [self.mro(base, seen) for base in bases] + [list(bases)]
        order = [class_qualname]
        while any(sequences):
            sequences = [seq for seq in sequences if seq]
            head = next((seq[0] for seq in sequences if not any(seq[0] in other[1:] for other in sequences)), None)
            if head is None:  # inconsistent hierarchy: keep the remaining classes depth-first
                order.extend(c for seq in sequences for c in seq if c not in order)
                break
            order.append(head)
            sequences = [seq[1:] if seq[0] == head else seq for seq in sequences]
        result = list(dict.fromkeys(order))
        if not _seen:  # a result computed inside a cycle guard may be truncated
            self._mro[class_qualname] = result
        return list(result)

    def callee(self, name: str | None) -> FunctionFact | None:
        """The project function a call runs, if any (a class call runs its `__init__`)."""
        resolved = self.resolve(name)
        if resolved in self.functions:
            return self.functions[resolved]
        if resolved in self.classes:
            return self.functions.get(self._member(resolved, ["__init__"], 0))
        return None

    def call_targets(self, call: CallFact) -> list[FunctionFact]:
        """The project functions a call may run: `callee`'s single target, else what only the
        class the call sits in explains (inheritance that name resolution alone misses):

        - `super().m()`: the next class defining `m` in the enclosing class's MRO;
        - `self.attr.m()` where `attr` holds an instance assigned at class level
          (`service = Service()`);
        - `self.attr.m()` / `self.m()` in a base class where `attr` (or `m`) is only defined
          by subclasses (`self.repo` set in each subclass's `__init__`, or built by the base
          from a class attribute the subclasses set: `self.repo = self.repository_class()`):
          every subclass's target, since any of them may be `self` at run time.
        """
        dotted = call.callee
        target = self.callee(dotted)
        if target is not None:
            if target.class_qualname is None or not dotted:
                return [target]
            return self.memo(("call-overrides", dotted), lambda: self._with_overrides(dotted, target))
        if not dotted:
            return []
        if dotted.startswith("builtins.super()."):
            fn = self.functions.get(call.function)
            return self._super_targets(fn.class_qualname, dotted[len("builtins.super()."):]) if fn else []
        key = ("call-targets", dotted)
        return self.memo(key, lambda: self._dispatch_targets(dotted))

    def _with_overrides(self, dotted: str, target: FunctionFact) -> list[FunctionFact]:
        """`self.render()` in a base class may run a subclass's override: the method found
        and every override of it in the receiver's subclasses."""
        receiver, rest = self._class_prefix(self.resolve(dotted) or dotted)
        if receiver is None or len(rest) != 1 or receiver not in self.classes:
            receiver, rest = self._class_prefix(dotted)
        if receiver is None or len(rest) != 1 or rest[0] != target.name:
            return [target]
        found = {target.qualname: target}
        for sub in self.subclasses(receiver):
            override = self.functions.get(f"{sub}.{target.name}")
            if override is not None and target.name in self.classes[sub].methods:
                found[override.qualname] = override
        return [found[name] for name in sorted(found)]

    def _super_targets(self, cls: str | None, rest: str) -> list[FunctionFact]:
        name, _, more = rest.partition(".")
        if cls is None or more:
            return []
        for owner in self.mro(cls)[1:]:
            klass = self.classes.get(owner)
            if klass is not None and name in klass.methods and f"{owner}.{name}" in self.functions:
                return [self.functions[f"{owner}.{name}"]]
        return []

    def _dispatch_targets(self, dotted: str) -> list[FunctionFact]:
        resolved = self.resolve(dotted) or dotted
        receiver, rest = self._class_prefix(dotted if "()" in resolved else resolved)
        head, call, tail = resolved.partition("()")
        if call:  # `self.repo.m()` where a base sets `self.repo = self.repository_class()`
            cls, _, factory = head.rpartition(".")
            if cls not in self.classes or not tail.startswith(".") or "()" in tail:
                return []
            if receiver is None or cls not in self.mro(receiver):
                receiver = cls
            attrs = [n for n, t in self.classes[cls].attribute_types if t == head + "()"]
            found: dict[str, FunctionFact] = {}
            for owner in [receiver, *self.subclasses(receiver)]:
                value = self._class_value(owner, factory)
                candidates = [value[1] + tail] if value is not None and value[0] == "ref" else []
                candidates += [f"{owner}.{attr}{tail}" for attr in attrs if owner != cls]  # a subclass sets it itself
                for candidate in candidates:
                    if (target := self.callee(candidate)) is not None:
                        found[target.qualname] = target
            return [found[name] for name in sorted(found)]
        if receiver is None:
            return []
        targets: dict[str, FunctionFact] = {}
        for owner in [receiver, *self.subclasses(receiver)]:
            value = self._class_value(owner, rest[0]) if len(rest) >= 2 else None  # `service = Service()`
            target = self.callee(".".join([value[1], *rest[1:]])) if value and value[0] == "call" else None
            if target is None and owner != receiver:
                name = self.resolve(".".join([owner, *rest]))
                target = self.functions.get(name or "")
            if target is not None:
                targets[target.qualname] = target
        return [targets[name] for name in sorted(targets)]

    def _class_prefix(self, dotted: str) -> tuple[str | None, list[str]]:
        """`pkg.mod.Class.attr.m` -> ("pkg.mod.Class", ["attr", "m"]); (None, []) otherwise."""
        if "()" in dotted:
            return None, []
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            if ".".join(parts[:cut]) in self.classes:
                return ".".join(parts[:cut]), parts[cut:]
        return None, []

    def _class_value(self, cls: str, name: str) -> tuple[str, str] | None:
        """A class-level `name = Klass` ("ref") or `name = Klass(...)` ("call") seen from
        `cls` (nearest class in its MRO), when `Klass` is a project class."""
        for owner in self.mro(cls):
            for assign in self.classes[owner].assigns if owner in self.classes else ():
                if assign.name == name:
                    value = assign.value
                    held = self.resolve(value.value) if isinstance(value.value, str) else None
                    if value.kind in ("ref", "call") and held in self.classes:
                        return value.kind, held
                    return None
        return None

    def subclasses(self, class_qualname: str) -> list[str]:
        """Project classes that inherit from `class_qualname` (directly or not), sorted."""
        index = self.memo("subclasses", lambda: _subclass_index(self))
        return index.get(class_qualname, [])

    # ------------------------------------------------------------------ indexes
    @cached_property
    def callgraph(self) -> CallGraph:
        from deblock.analyzer.callgraph import CallGraph

        return CallGraph(self)

    @cached_property
    def entry_points(self) -> dict[str, EntryPoint]:
        from deblock.analyzer.frameworks import find_entry_points

        return {ep.qualname: ep for ep in find_entry_points(self)}

    @cached_property
    def django_version(self) -> tuple[int, ...] | None:
        """`target-django` if configured, else the version the dependency files name."""
        from deblock.analyzer.dependencies import django_version

        return self.settings.target_django or django_version(self.settings.root)

    @cached_property
    def direct_dependencies(self) -> frozenset[str]:
        """Normalised names of the packages the dependency files require directly."""
        from deblock.analyzer.dependencies import direct_dependencies

        return direct_dependencies(self.settings.root)

    def async_library(self, module: ModuleFacts) -> str:
        """The async library advice should use: config, else what the module imports, else asyncio."""
        if self.settings.async_library:
            return self.settings.async_library
        imported = {imp.target.partition(".")[0] for imp in module.imports}
        for library in ("trio", "anyio"):
            if library in imported and "asyncio" not in imported:
                return library
        return ASYNC_LIBRARIES[0]


def _calls_by_last_name(module: ModuleFacts) -> dict[str, list[CallFact]]:
    index: dict[str, list[CallFact]] = {}
    for call in module.calls:
        if call.callee is not None:
            index.setdefault(call.callee.rpartition(".")[2], []).append(call)
    return index


def _subclass_index(project: Project) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for qualname in sorted(project.classes):
        for base in project.mro(qualname)[1:]:
            index.setdefault(base, []).append(qualname)
    return index
