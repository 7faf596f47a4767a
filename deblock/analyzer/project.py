"""The project index: all modules' facts, cross-module name resolution, and the lazily
built call graph and entry points that project rules read."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from deblock.analyzer.facts.model import ClassFact, FunctionFact, ModuleFacts
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
                return self._resolve(".".join([attr_type, *more]), depth + 1) or attr_type
        return ".".join([class_qualname, *rest])

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
