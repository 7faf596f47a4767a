"""One `ast` pass per module that turns a tree into `ModuleFacts`.

This is the only code in deblock that walks syntax trees. Scope context is a stack
of frames pushed on entering a def/lambda/class and popped on leaving (never a
boolean "inside async def" flag: a nested sync `def` inside an `async def` must not
leak the async context, see style.md §1 on Fixit's bug).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from deblock.analyzer.facts.model import (
    LAMBDA,
    OTHER,
    ArgFact,
    AssignFact,
    AwaitLoopFact,
    CallFact,
    ClassAssignFact,
    ClassFact,
    DecoratorFact,
    AttributeFact,
    FunctionFact,
    HandlerFact,
    ImportFact,
    IterationFact,
    ParamFact,
    StoreFact,
    ValueUseFact,
)
from deblock.analyzer.facts.resolve import (
    BUILTIN_NAMES,
    OFFLOAD_DECORATORS,
    PARTIAL,
    looks_like_class,
    offload_index,
)
from deblock.analyzer.spans import node_span, source_lines
from deblock.model import Span

_FILE_WRAPPERS = frozenset({"trio.wrap_file", "anyio.wrap_file"})
_ANNOTATED = ("typing.Annotated", "typing_extensions.Annotated")
_ARG_DEPTH = 2  # nesting kept for call arguments (`path("x", View.as_view())`)
_ASSIGN_DEPTH = 5  # module-level values (`urlpatterns`, `DATABASES`) are kept deeper
_LITERAL_STR_MAX = 200
# Request types whose `.user` / `.session` reads are always recorded (per-user views, DBK401/DBK403).
_REQUEST_TYPES = frozenset({"django.http.HttpRequest", "django.http.request.HttpRequest", "rest_framework.request.Request"})

# Response writes the cache rules read (StoreFact): HTTP caching headers set by subscript
# (`response["Cache-Control"] = ...`) and werkzeug/Starlette caching attributes.
_CACHE_HEADERS = frozenset({"cache-control", "etag", "last-modified", "expires", "surrogate-control", "cdn-cache-control"})
_CACHE_ATTRS = frozenset({"cache_control", "expires", "last_modified", "etag"})


@dataclass(slots=True)
class _Frame:
    kind: str  # "module" | "class" | "function" | "lambda"
    qualname: str
    is_async: bool = False
    offloaded: bool = False
    bindings: dict[str, str | None] = field(default_factory=dict)
    class_qualname: str | None = None  # for methods: the class they belong to
    loop_kinds: list[str] = field(default_factory=list)
    awaits: int = 0
    is_generator: bool = False
    attr_types: dict[str, str] | None = None  # for class frames: `self.x` types
    # Declared types (`x: T`, annotated parameters): they persist across later
    # assignments of unknown type, as a type checker reads them.
    declared: dict[str, str] = field(default_factory=dict)
    # Spans of the expressions a local name's value was built from (IterationFact.origins).
    origins: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    params: frozenset[str] = frozenset()  # parameters after `self`/`cls` (AttributeFact)
    loop_assigned: list[set[str]] = field(default_factory=list)  # names bound in each open `for` body
    returned: str | None = None
    returned_origins: tuple[Span, ...] = ()
    globals: set[str] = field(default_factory=set)  # names declared `global` in a function


def _leaf_classes() -> frozenset[type]:
    """Node classes with nothing to gather below them (contexts, operators, names, constants)."""
    leaves: set[type] = {ast.Constant, ast.Name, ast.Pass, ast.Break, ast.Continue, ast.alias, ast.Global, ast.Nonlocal}
    for base in (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop):
        leaves.update(base.__subclasses__())
    return frozenset(leaves)


_LEAVES = _leaf_classes()


class FactGatherer(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, source: str) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self._lines = source_lines(source)
        module_frame = _Frame("module", module)
        self.stack: list[_Frame] = [module_frame]
        self.imports: list[ImportFact] = []
        self.functions: list[FunctionFact] = []
        self.classes: list[ClassFact] = []
        self.calls: list[CallFact] = []
        self.iterations: list[IterationFact] = []
        self.attributes: list[AttributeFact] = []
        self.value_uses: list[ValueUseFact] = []
        self._chain_nodes: set[int] = set()
        self._callee_nodes: set[int] = set()
        self.await_loops: list[AwaitLoopFact] = []
        self._used_as: dict[int, str] = {}
        self.assigns: list[AssignFact] = []
        self.stores: list[StoreFact] = []
        self.handlers: list[HandlerFact] = []
        self._awaited: set[int] = set()
        self._offloaded: set[int] = set()
        self._class_attr_types: dict[str, dict[str, str]] = {}
        self._dispatch: dict[type, Callable[[ast.AST], None]] = {}

    # ------------------------------------------------------------------ traversal
    # ast.NodeVisitor's own visit/generic_visit look the method up by name for every
    # node and descend into leaves such as `Load` contexts; this pair caches the lookup
    # per class and skips leaves, which halves the cost of the pass.
    def visit(self, node: ast.AST) -> None:
        cls = node.__class__
        method = self._dispatch.get(cls)
        if method is None:
            method = getattr(self, "visit_" + cls.__name__, None) or self.generic_visit
            self._dispatch[cls] = method
        method(node)

    def generic_visit(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST) and item.__class__ not in _LEAVES:
                        self.visit(item)
            elif isinstance(value, ast.AST) and value.__class__ not in _LEAVES:
                self.visit(value)

    # ------------------------------------------------------------------ positions
    def span(self, node: ast.AST) -> Span:
        return node_span(node, self._lines)

    # ------------------------------------------------------------------ resolution
    def _function_frame(self) -> _Frame | None:
        for frame in reversed(self.stack):
            if frame.kind in ("function", "lambda"):
                return frame
        return None

    def lookup(self, name: str) -> str | None:
        innermost = True
        for frame in reversed(self.stack):
            # Class bodies are not visible from the methods nested in them.
            if frame.kind == "class" and not innermost:
                continue
            innermost = False
            if name in frame.bindings:
                return frame.bindings[name]
        if name in BUILTIN_NAMES:
            return "builtins." + name
        # Bound nowhere in this module (no import, def, class, assignment or parameter):
        # at run time it can only be a global from elsewhere (a star import, a test's
        # `# type: ignore` snippet), so it denotes that global name. Parameters and locals
        # of unknown type are bound (to None) and never get here.
        return name

    def origins(self, node: ast.expr) -> tuple[Span, ...]:
        """Spans of the expressions that built `node`'s value (IterationFact.origins)."""
        root = node
        while isinstance(root, (ast.Attribute, ast.Call, ast.Subscript, ast.Await)):
            root = root.func if isinstance(root, ast.Call) else root.value
        # Names handed to the calls on the way count too: `session.scalars(stmt)`.
        names = [a for n in _spine(node) if isinstance(n, ast.Call) for a in n.args if isinstance(a, ast.Name)]
        found: tuple[Span, ...] = ()
        for name in [root, *names]:
            if isinstance(name, ast.Name):
                found += self._name_origins(name.id)
        if root is not node and any(isinstance(n, ast.Call) for n in _spine(node)):
            found = (*found, self.span(node))
        return found

    def _name_origins(self, name: str) -> tuple[Span, ...]:
        for frame in reversed(self.stack):
            if name in frame.bindings:
                return frame.origins.get(name, ())
        return ()

    def resolve(self, node: ast.expr) -> str | None:
        """Canonical dotted name of what an expression denotes (see facts/model.py)."""
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is None:
                return None
            attr_types = self._class_attr_types.get(base)
            if attr_types is not None and node.attr in attr_types:
                return attr_types[node.attr]
            # Interned: equal names then pickle once per module (smaller, faster cache).
            return sys.intern(f"{base}.{node.attr}")
        if isinstance(node, ast.Call):
            callee = self.resolve(node.func)
            if callee is None:
                return None
            if callee in self._class_attr_types or looks_like_class(callee):
                return callee  # an instance: its methods are `Class.method`
            return sys.intern(callee + "()")
        if isinstance(node, ast.Await):
            return self.resolve(node.value)
        return None

    def annotation(self, node: ast.expr | None) -> str | None:
        """Resolved type of an annotation, unwrapping Optional[X], X | None and strings."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
            return self.annotation(sides[0]) if len(sides) == 1 else None
        if isinstance(node, ast.Subscript):
            outer = self.resolve(node.value)
            if outer in ("typing.Optional", "Optional", *_ANNOTATED):
                inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
                return self.annotation(inner)
            if outer in ("typing.Union", "Union") and isinstance(node.slice, ast.Tuple):
                members = [e for e in node.slice.elts if not (isinstance(e, ast.Constant) and e.value is None)]
                return self.annotation(members[0]) if len(members) == 1 else None
            return outer  # `Mapped[X]`, `list[X]`: the container itself
        return self.resolve(node)

    def annotation_args(self, node: ast.expr) -> tuple[str, ...]:
        """Resolved names inside an annotation's brackets (ClassAssignFact.annotation_args)."""
        if not isinstance(node, ast.Subscript):
            return ()
        out: list[str] = []
        pending: list[ast.expr] = [node.slice]
        while pending and len(out) < 8:
            item = pending.pop(0)
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                try:
                    item = ast.parse(item.value, mode="eval").body
                except SyntaxError:
                    continue
            if isinstance(item, ast.Tuple):
                pending[:0] = item.elts
            elif isinstance(item, ast.Subscript):
                outer = self.resolve(item.value)
                if outer:
                    out.append(outer)
                pending.insert(0, item.slice)
            elif isinstance(item, ast.BinOp) and isinstance(item.op, ast.BitOr):
                pending[:0] = [item.left, item.right]
            elif isinstance(item, (ast.Name, ast.Attribute)):
                name = self.resolve(item)
                if name:
                    out.append(name)
        return tuple(out)

    @staticmethod
    def text(node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
        elif isinstance(node, ast.Call):
            parts.append(FactGatherer.text(node.func) + "()")
        else:
            parts.append("<expr>")
        return ".".join(reversed(parts))

    def arg(self, node: ast.expr, depth: int = _ARG_DEPTH) -> ArgFact:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str) and len(value) > _LITERAL_STR_MAX:
                return OTHER
            if isinstance(value, (str, int, float, bool)) or value is None:
                return ArgFact("literal", value)
            return OTHER
        if isinstance(node, (ast.Name, ast.Attribute)):
            return ArgFact("ref", self.resolve(node))
        if isinstance(node, ast.Lambda):
            return LAMBDA
        if depth <= 0:
            return OTHER
        if isinstance(node, ast.Call):
            return ArgFact(
                "call",
                self.resolve(node.func),
                tuple(self.arg(a, depth - 1) for a in node.args if not isinstance(a, ast.Starred)),
                tuple((k.arg, self.arg(k.value, depth - 1)) for k in node.keywords if k.arg),
                span=self.span(node),
            )
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = tuple(self.arg(e, depth - 1) for e in node.elts)
            if all(i.kind == "literal" for i in items):
                return ArgFact("literal", tuple(i.value for i in items))
            return ArgFact("list", None, items)
        if isinstance(node, ast.Dict):
            pairs = tuple(
                (k.value, self.arg(v, depth - 1))
                for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            )
            return ArgFact("dict", None, (), pairs)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) and node.slice.elts:
            if self.resolve(node.value) in _ANNOTATED:  # `DbDep = Annotated[Session, Depends(get_db)]`
                first, *metadata = node.slice.elts
                return ArgFact("annotated", self.annotation(first), tuple(self.arg(m, depth - 1) for m in metadata))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.arg(node.left, depth - 1), self.arg(node.right, depth - 1)
            if left.kind == "list" or right.kind == "list":  # `urlpatterns = [...] + [...]`
                return ArgFact("list", None, _items(left) + _items(right))
        return OTHER

    # ------------------------------------------------------------------ module
    def gather(self, tree: ast.Module) -> None:
        self._prebind(tree.body, self.stack[0], self.module)
        for stmt in tree.body:
            self.visit(stmt)

    def _prebind(self, body: list[ast.stmt], frame: _Frame, prefix: str) -> None:
        """Bind names defined later in a body, so earlier functions can call them."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                frame.bindings.setdefault(stmt.name, f"{prefix}.{stmt.name}")
                if isinstance(stmt, ast.ClassDef):
                    self._class_attr_types.setdefault(f"{prefix}.{stmt.name}", {})
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)) and frame.kind == "module":
                self._bind_import(stmt, record=False)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and frame.kind == "module":
                # Module attributes assigned below a function that uses them.
                for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                    if isinstance(target, ast.Name):
                        frame.bindings.setdefault(target.id, f"{prefix}.{target.id}")
            elif isinstance(stmt, (ast.If, ast.Try)) and frame.kind == "module":
                nested = list(stmt.body) + list(getattr(stmt, "orelse", []))
                for handler in getattr(stmt, "handlers", []):
                    nested.extend(handler.body)
                self._prebind(nested, frame, prefix)

    def _bind_import(self, node: ast.Import | ast.ImportFrom, record: bool = True) -> None:
        frame = self.stack[-1]
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    local, target = alias.asname, alias.name
                else:  # `import os.path` binds `os`
                    local = target = alias.name.partition(".")[0]
                frame.bindings[local] = target
                if record:
                    self.imports.append(ImportFact(local, alias.name if alias.asname else target, self.span(node)))
            return
        base = node.module or ""
        if node.level:
            parts = self.package.split(".") if self.package else []
            if node.level - 1 >= len(parts) and node.level > 1 or not parts:
                # Beyond the top-level package: Python raises ImportError; bind nothing known.
                for alias in node.names:
                    frame.bindings[alias.asname or alias.name] = None
                return
            parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
            base = ".".join([*parts, base] if base else parts)
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            target = f"{base}.{alias.name}" if base else alias.name
            frame.bindings[local] = target
            if record:
                self.imports.append(ImportFact(local, target, self.span(node)))

    def visit_Import(self, node: ast.Import) -> None:
        self._bind_import(node)

    visit_ImportFrom = visit_Import  # type: ignore[assignment]

    # ------------------------------------------------------------------ definitions
    def _qualname(self, name: str) -> str:
        top = next(f for f in reversed(self.stack) if f.kind != "comprehension")
        if top.kind in ("function", "lambda"):
            return f"{top.qualname}.<locals>.{name}"
        return f"{top.qualname}.{name}"

    def _decorators(self, nodes: list[ast.expr]) -> tuple[DecoratorFact, ...]:
        out = []
        for dec in nodes:
            if isinstance(dec, ast.Call):
                out.append(
                    DecoratorFact(
                        self.resolve(dec.func),
                        True,
                        tuple(self.arg(a) for a in dec.args if not isinstance(a, ast.Starred)),
                        tuple((k.arg, self.arg(k.value)) for k in dec.keywords if k.arg),
                        self.span(dec),
                    )
                )
            else:
                out.append(DecoratorFact(self.resolve(dec), False, span=self.span(dec)))
        return tuple(out)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        is_async = isinstance(node, ast.AsyncFunctionDef)
        parent = self.stack[-1]
        qualname = self._qualname(node.name)
        decorators = self._decorators(node.decorator_list)
        for dec in node.decorator_list:
            self.visit(dec)
        args = node.args
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)
        class_qualname = parent.qualname if parent.kind == "class" else None
        frame = _Frame("function", qualname, is_async=is_async, class_qualname=class_qualname)
        frame.offloaded = any(d.name in OFFLOAD_DECORATORS for d in decorators)
        positional = [*args.posonlyargs, *args.args]
        params = []
        all_args = [*positional, *([args.vararg] if args.vararg else []), *args.kwonlyargs,
                    *([args.kwarg] if args.kwarg else [])]
        defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        is_static = any(d.name == "builtins.staticmethod" for d in decorators)
        skip_first = bool(class_qualname) and not is_static and bool(positional)
        if skip_first and len(all_args) == 2:
            # `def get_total(self, order)`: serializer fields, admin display methods and
            # `to_representation` read relations on their one argument.
            frame.params = frozenset({all_args[1].arg})
        for index, a in enumerate(all_args):
            annotation = self.annotation(a.annotation)
            if index == 0 and class_qualname and not is_static and a in positional:
                annotation = annotation or class_qualname  # `self` / `cls`
            frame.bindings[a.arg] = annotation
            if annotation is not None:
                frame.declared[a.arg] = annotation
            default = defaults.get(a.arg)
            metadata = self.arg(a.annotation) if isinstance(a.annotation, ast.Subscript) else OTHER
            params.append(ParamFact(a.arg, annotation, self.arg(default) if default is not None else None,
                                    metadata.args if metadata.kind == "annotated" else ()))
        returns = self.annotation(node.returns)
        self.stack.append(frame)
        try:
            self._prebind(node.body, frame, f"{qualname}.<locals>")
            for stmt in node.body:
                self.visit(stmt)
        finally:
            self.stack.pop()
        self.functions.append(
            FunctionFact(
                qualname=qualname,
                name=node.name,
                is_async=is_async,
                span=self.span(node),
                class_qualname=class_qualname,
                parent=parent.qualname if parent.kind in ("function", "lambda") else None,
                decorators=decorators,
                params=tuple(params),
                returns=returns,
                returned=frame.returned,
                returned_origins=frame.returned_origins,
                is_generator=frame.is_generator,
                is_property=any(
                    d.name in ("builtins.property", "functools.cached_property") or (d.name or "").endswith(".setter")
                    for d in decorators
                ),
                awaits=frame.awaits,
            )
        )

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        parent_fn = self._function_frame()
        frame = _Frame(
            "lambda",
            self._qualname("<lambda>"),
            offloaded=id(node) in self._offloaded or bool(parent_fn and parent_fn.offloaded),
        )
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            frame.bindings[a.arg] = None
        self.stack.append(frame)
        try:
            self.visit(node.body)
        finally:
            self.stack.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        decorators = self._decorators(node.decorator_list)
        for dec in node.decorator_list:
            self.visit(dec)
        for base in [*node.bases, *(k.value for k in node.keywords)]:
            self.visit(base)
        qualname = self._qualname(node.name)
        self.stack[-1].bindings[node.name] = qualname
        attr_types = self._class_attr_types.setdefault(qualname, {})
        frame = _Frame("class", qualname, attr_types=attr_types)
        self.stack.append(frame)
        assigns: list[ClassAssignFact] = []
        try:
            self._prebind(node.body, frame, qualname)
            for stmt in node.body:
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        if isinstance(target, ast.Name):
                            assigns.append(ClassAssignFact(target.id, self.arg(stmt.value, _ASSIGN_DEPTH), None, self.span(stmt)))
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    annotation = self.annotation(stmt.annotation)
                    value = self.arg(stmt.value, _ASSIGN_DEPTH) if stmt.value else OTHER
                    assigns.append(ClassAssignFact(stmt.target.id, value, annotation, self.span(stmt),
                                                   self.annotation_args(stmt.annotation)))
                    if annotation and stmt.value is None:
                        attr_types.setdefault(stmt.target.id, annotation)
                self.visit(stmt)
        finally:
            self.stack.pop()
        methods = tuple(
            s.name for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
        self.classes.append(
            ClassFact(
                qualname=qualname,
                name=node.name,
                bases=tuple(b for b in (self.resolve(x) for x in node.bases) if b),
                span=self.span(node),
                decorators=decorators,
                assigns=tuple(assigns),
                methods=methods,
                attribute_types=tuple(sorted(attr_types.items())),
            )
        )

    # ------------------------------------------------------------------ bindings
    def _bind_target(self, target: ast.expr, value_type: str | None) -> None:
        if isinstance(target, ast.Name):
            frame = self.stack[-1]
            for names in frame.loop_assigned:
                names.add(target.id)
            if value_type is None:
                value_type = frame.declared.get(target.id)
            if value_type is None and frame.kind == "module":
                # A module attribute of unknown type is still a name other modules can
                # import and the project index can look up (`DbDep = Annotated[...]`).
                value_type = f"{self.module}.{target.id}"
            frame.bindings[target.id] = value_type
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind_target(elt, None)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            fn = self._function_frame()
            owner = fn.class_qualname if fn is not None else None
            if owner and value_type and self.lookup(target.value.id) == owner:
                self._class_attr_types.setdefault(owner, {}).setdefault(target.attr, value_type)

    def _assigned_type(self, value: ast.expr) -> str | None:
        # `x = f()` and `x = await f()`: x holds what the call returns.
        value_type = self.resolve(value) if isinstance(value, (ast.Call, ast.Await)) else None
        if isinstance(value, (ast.Name, ast.Attribute)):
            value_type = self.resolve(value)  # aliases: `get = requests.get`
        if value_type is None or value_type.startswith(("builtins.dict.", "collections.")):
            value_type = self._item_of_global(value) or value_type  # never hides a known type
        return value_type

    def _pairs(self, target: ast.expr, value: ast.expr) -> list[tuple[ast.expr, str | None]] | None:
        """`a, b = f(), g()`: each target with the type of its own element, when both sides
        are tuples or lists of the same length without `*` (else None)."""
        if not (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
                and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts))):
            return None
        pairs: list[tuple[ast.expr, str | None]] = []
        for elt, item in zip(target.elts, value.elts):
            inner = self._pairs(elt, item)
            pairs.extend(inner if inner is not None else [(elt, self._assigned_type(item))])
        return pairs

    def _bind_pairwise(self, target: ast.expr, value: ast.expr) -> bool:
        # Every element is resolved before any name is rebound: `a, b = b, a` swaps.
        pairs = self._pairs(target, value)
        for elt, value_type in pairs or ():
            self._bind_target(elt, value_type)
        return pairs is not None

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        value_type = self._assigned_type(node.value)
        origins = self.origins(node.value) if self.stack[-1].kind == "function" and isinstance(
            node.value, (ast.Call, ast.Attribute, ast.Subscript, ast.Await, ast.Name)) else ()
        for target in node.targets:
            self._store(target, "subscript")
            if not isinstance(target, ast.Name):
                self.visit(target)
            if not self._bind_pairwise(target, node.value):
                self._bind_target(target, value_type)
            if isinstance(target, ast.Name):
                if origins:
                    self.stack[-1].origins[target.id] = origins
                else:
                    self.stack[-1].origins.pop(target.id, None)
        if self.stack[-1].kind == "module":
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.assigns.append(AssignFact(target.id, self.arg(node.value, _ASSIGN_DEPTH), self.span(node)))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        annotation = self.annotation(node.annotation)
        if annotation is not None and isinstance(node.target, ast.Name):
            self.stack[-1].declared[node.target.id] = annotation
        if node.value is not None and annotation is None and isinstance(node.value, ast.Call):
            annotation = self.resolve(node.value)
        self._bind_target(node.target, annotation)
        if self.stack[-1].kind == "module" and isinstance(node.target, ast.Name) and node.value is not None:
            self.assigns.append(AssignFact(node.target.id, self.arg(node.value, _ASSIGN_DEPTH), self.span(node),
                                           self.annotation_args(node.annotation)))

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        value_type = self.resolve(node.value) if isinstance(node.value, (ast.Call, ast.Name, ast.Attribute)) else None
        # A walrus in a comprehension binds in the enclosing function (PEP 572).
        frames = [f for f in self.stack if f.kind != "comprehension"]
        frames[-1].bindings[node.target.id] = value_type
        for names in frames[-1].loop_assigned:
            names.add(node.target.id)

    def visit_Try(self, node: ast.Try) -> None:
        """Record the handlers that catch cancellation (HandlerFact), then visit as usual."""
        fn = self._function_frame()
        for handler in node.handlers:
            caught = self._broad_catch(handler.type)
            if caught is None or not node.body:
                continue
            start = self.span(handler)
            end = self.span(handler.type) if handler.type is not None else Span(
                start.line, start.col, start.line, start.col + len("except"))
            body = Span(self.span(node.body[0]).line, self.span(node.body[0]).col,
                        self.span(node.body[-1]).end_line, self.span(node.body[-1]).end_col)
            self.handlers.append(HandlerFact(
                caught=caught,
                function=fn.qualname if fn else self.module,
                in_async=bool(fn and fn.kind == "function" and fn.is_async),
                reraises=any(isinstance(n, ast.Raise) for n in _same_scope_walk(handler.body)),
                body_awaits=any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith))
                                for n in _same_scope_walk(node.body)),
                body_span=body,
                span=Span(start.line, start.col, end.end_line, end.end_col),
            ))
        self.generic_visit(node)

    visit_TryStar = visit_Try  # type: ignore[assignment]

    def _broad_catch(self, node: ast.expr | None) -> str | None:
        """"bare" for `except:`, "BaseException" when the handler names BaseException, else None."""
        if node is None:
            return "bare"
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        if any(isinstance(i, (ast.Name, ast.Attribute)) and self.resolve(i) == "builtins.BaseException" for i in items):
            return "BaseException"
        return None

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.stack[-1].bindings[node.name] = None  # an exception instance, not the module it shadows
        for stmt in node.body:
            self.visit(stmt)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._store(node.target, "augmented")
        self.visit(node.target)
        if isinstance(node.target, ast.Name):
            for names in self.stack[-1].loop_assigned:
                names.add(node.target.id)
        if self.stack[-1].kind == "module" and isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            # Recorded as one more assignment to the same name; readers merge them.
            self.assigns.append(AssignFact(node.target.id, self.arg(node.value, _ASSIGN_DEPTH), self.span(node)))

    def visit_Global(self, node: ast.Global) -> None:
        fn = self._function_frame()
        if fn is not None:
            fn.globals.update(node.names)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._store(target, "delete")
            self.visit(target)

    def _store(self, target: ast.expr, how: str) -> None:
        """Record a write to module-level state or an HTTP caching header (StoreFact)."""
        key: str | None = None
        node = target
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                key = node.slice.value
            node = node.value
        elif isinstance(node, ast.Attribute):
            how = "attribute" if how == "subscript" else how
        elif isinstance(node, ast.Name):
            fn = self._function_frame()
            if fn is None or node.id not in fn.globals:
                return
            how = "rebind" if how == "subscript" else how
        else:
            return
        path: list[str] = []
        root = node
        while isinstance(root, ast.Attribute):
            path.append(root.attr)
            root = root.value
        if not isinstance(root, ast.Name) or root.id in ("self", "cls"):
            return
        global_name = self._global_name(root.id) or self._alias_of_item(root.id)
        header = key is not None and key.lower() in _CACHE_HEADERS
        value = self._row_binding(root.id) if how == "attribute" and len(path) == 1 and global_name is None else None
        if global_name is None and not header and _CACHE_ATTRS.isdisjoint(path) and value is None:
            return
        fn = self._function_frame()
        frame = fn or self.stack[0]
        self.stores.append(StoreFact(
            target=self.text(node), root=root.id, global_name=global_name, key=key, how=how,
            function=fn.qualname if fn else self.module,
            in_async=bool(fn and fn.kind == "function" and fn.is_async),
            loop_depth=len(frame.loop_kinds), span=self.span(target), value=value,
        ))

    def _row_binding(self, name: str) -> str | None:
        """What the local `name` holds when setting its attribute may write a row: a call's
        result (`x = session.get(M, pk)`), or "" for a name a `for` loop binds; else None."""
        fn = self._function_frame()
        if fn is None or fn.kind != "function" or name not in fn.bindings or name in fn.params:
            return None
        bound = fn.bindings[name]
        if bound is not None and bound.endswith("()"):
            return bound
        return "" if any(name in names for names in fn.loop_assigned) else None

    def _item_of_global(self, value: ast.expr) -> str | None:
        """`pkg.mod._cache[]` for `_cache[k]`, `_cache.get(k)` or `_cache.setdefault(k, [])` in a
        function: a local bound to it holds an item of module-level state, so writes through the
        local (`history.append(pk)`, `del history[:-20]`) change that state (DBK406)."""
        if self.stack[-1].kind != "function":
            return None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in (
                "get", "setdefault"):
            value = value.func.value
        elif isinstance(value, ast.Subscript):
            value = value.value
        else:
            return None
        global_name = self._global_name(value.id) if isinstance(value, ast.Name) else None
        return f"{global_name}[]" if global_name else None

    def _alias_of_item(self, name: str) -> str | None:
        """The global whose item the local `name` holds (see `_item_of_global`), else None."""
        fn = self._function_frame()
        bound = fn.bindings.get(name) if fn is not None else None
        return bound[:-2] if bound and bound.endswith("[]") and bound.startswith(self.module + ".") else None

    def _global_name(self, name: str) -> str | None:
        """`pkg.mod.name` when `name` here denotes a module-level variable, else None."""
        innermost = True
        for frame in reversed(self.stack):
            if frame.kind == "class" and not innermost:
                continue
            innermost = False
            if frame.kind == "module":
                return f"{self.module}.{name}" if name in frame.bindings else None
            if name in frame.globals:
                return f"{self.module}.{name}"
            if name in frame.bindings:
                return None
        return None

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        if isinstance(node, ast.AsyncWith):
            self._count_await()
        for item in node.items:
            self._use(item.context_expr, "with")
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                value = self.resolve(item.context_expr) if isinstance(item.context_expr, ast.Call) else None
                self._bind_target(item.optional_vars, value)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With  # type: ignore[assignment]

    # ------------------------------------------------------------------ attributes
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if (
            isinstance(node.ctx, ast.Load)
            and id(node) not in self._chain_nodes  # a longer read of this chain was recorded
            and id(node) not in self._callee_nodes  # a method call is a CallFact already
        ):
            self._attribute_chain(node)
        self.visit(node.value)

    def _attribute_chain(self, node: ast.Attribute) -> None:
        fn = self._function_frame()
        if fn is None or fn.kind != "function" or not (fn.is_async or fn.loop_kinds or fn.params):
            return  # `request.user` needs `request`, a parameter: such functions pass
        path: list[str] = []
        links: list[ast.expr] = []
        inner: ast.expr = node
        head: ast.Attribute = node
        while isinstance(inner, ast.Attribute):
            path.append(inner.attr)
            head = inner
            inner = inner.value
            links.append(inner)
        if not isinstance(inner, ast.Name) or not (fn.is_async or fn.loop_kinds or inner.id in fn.params or (
                path[-1] in ("user", "session") and self.lookup(inner.id) in _REQUEST_TYPES)):
            return  # `request.user` / `request.session` anywhere: the cache rules leave per-user views alone
        self._chain_nodes.update(map(id, links))
        path.reverse()
        self.attributes.append(
            AttributeFact(
                name=inner.id,
                base=self.lookup(inner.id),
                attr=path[0],
                function=fn.qualname,
                in_async=fn.is_async,
                loop_depth=len(fn.loop_kinds),
                span=self.span(head),
                path=tuple(path),
                chain_span=self.span(node) if node is not head else None,
            )
        )

    # ------------------------------------------------------------------ result usage
    def _use(self, node: ast.AST | None, how: str) -> None:
        if isinstance(node, ast.Await):
            node = node.value
        if isinstance(node, ast.Call):
            self._used_as[id(node)] = how
        elif isinstance(node, ast.Name) and how in ("test", "subscript"):
            value = self.lookup(node.id)
            if value and value.endswith("()"):
                fn = self._function_frame()
                frame = fn or self.stack[0]
                self.value_uses.append(ValueUseFact(
                    name=node.id, value=value, how=how,
                    function=fn.qualname if fn else self.module,
                    in_async=bool(fn and fn.kind == "function" and fn.is_async),
                    loop_depth=len(frame.loop_kinds), span=self.span(node), origins=self.origins(node),
                ))

    def visit_If(self, node: ast.If | ast.While | ast.IfExp | ast.Assert) -> None:
        self._use(node.test, "test")
        self.generic_visit(node)

    visit_IfExp = visit_Assert = visit_If  # type: ignore[assignment]

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        for value in node.values:
            self._use(value, "test")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._use(node.operand, "test")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self._use(node.value, "subscript")
        self.generic_visit(node)

    def _iteration(self, iterable: ast.expr, target: ast.expr, span_node: ast.AST, kind: str, is_async: bool) -> int:
        """Record the loop; returns its index so that `for` loops can add what their body assigns."""
        self._use(iterable, "iter")
        fn = self._function_frame()
        frame = fn or self.stack[0]
        assigned = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        self.iterations.append(
            IterationFact(
                iterable=self.resolve(iterable),
                text=self.text(iterable),
                function=fn.qualname if fn else self.module,
                in_async=bool(fn and fn.kind == "function" and fn.is_async),
                is_async=is_async,
                kind=kind,
                targets=tuple(n.id for n in ast.walk(target) if isinstance(n, ast.Name)),
                loop_depth=len(frame.loop_kinds),
                span=self.span(span_node),
                iter_span=self.span(iterable),
                origins=self.origins(iterable),
                assigned=tuple(sorted(assigned)),
            )
        )
        return len(self.iterations) - 1

    # ------------------------------------------------------------------ loops
    def _in_loop(self, kind: str, nodes: list) -> None:
        frame = self._function_frame() or self.stack[0]
        frame.loop_kinds.append(kind)
        try:
            for n in nodes:
                self.visit(n)
        finally:
            frame.loop_kinds.pop()

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        is_async = isinstance(node, ast.AsyncFor)
        if is_async:
            self._count_await()
        index = self._iteration(node.iter, node.target, node, "for", is_async)
        fn = self._function_frame()
        if not is_async and fn is not None and fn.kind == "function" and fn.is_async:
            self._await_loop(node, fn.qualname)
        self.visit(node.iter)
        frame = fn or self.stack[0]
        frame.loop_assigned.append(set())
        self._bind_target(node.target, None)  # an element's type is not known from the iterable
        try:
            self._in_loop("async for" if is_async else "for", node.body)
        finally:
            assigned = frame.loop_assigned.pop()
        loop = self.iterations[index]
        self.iterations[index] = replace(loop, assigned=tuple(sorted(assigned.union(loop.assigned))))
        for stmt in node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For  # type: ignore[assignment]

    def _await_loop(self, node: ast.For, function: str) -> None:
        """Record a plain `for` in an `async def` whose body awaits (DBK130)."""
        inside = list(_same_scope(node.body))
        awaits = sum(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) for n in inside)
        if not awaits:
            return
        exits = bool(node.orelse) or any(isinstance(n, _EXITS) for n in inside)
        targets = tuple(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        simple = isinstance(node.target, ast.Name) or (
            isinstance(node.target, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.target.elts))
        shape, acc, call = _loop_shape(node.body)
        extra: dict[str, object] = {}
        if call is not None:
            read = {n.id for a in [*call.args, *(k.value for k in call.keywords)] for n in ast.walk(a)
                    if isinstance(n, ast.Name)}
            receiver = {n.id for n in ast.walk(call.func) if isinstance(n, ast.Name)}
            assigned = {n.id for st in node.body for t in [*getattr(st, "targets", ()), getattr(st, "target", None)]
                        if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
            assigned.update(a[0] for a in map(_append_arg, node.body) if a)
            iter_names = {n.id for n in ast.walk(node.iter) if isinstance(n, ast.Name)}
            extra = {
                "shape": shape, "accumulator": acc, "callee": self.resolve(call.func),
                "callee_text": self.text(call.func), "call_span": self.span(call),
                "args_use_target": bool(read & set(targets)),
                "reads_carried": bool((read | receiver) & (assigned - set(targets)) or assigned & iter_names),
            }
        self.await_loops.append(AwaitLoopFact(
            function=function, targets=targets, simple_target=simple, body_len=len(node.body), awaits=awaits,
            exits=exits, span=self.span(node), iter_span=self.span(node.iter), **extra,
        ))

    def visit_While(self, node: ast.While) -> None:
        self._use(node.test, "test")
        self._in_loop("while", [node.test, *node.body])
        for stmt in node.orelse:
            self.visit(stmt)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        first, *rest = node.generators
        self._iteration(first.iter, first.target, node, "comprehension", bool(first.is_async))
        self.visit(first.iter)  # evaluated once, before the loop starts
        inner: list[ast.AST] = [first.target, *first.ifs]
        for gen in rest:
            inner.extend([gen.iter, gen.target, *gen.ifs])
        if any(g.is_async for g in node.generators):
            self._count_await()
        inner.extend([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt])
        # Comprehension variables live in their own scope: they shadow outer names
        # (a loop variable called `requests` is not the module) and do not leak out.
        frame = _Frame("comprehension", self.stack[-1].qualname)
        for gen in node.generators:
            for name in ast.walk(gen.target):
                if isinstance(name, ast.Name):
                    frame.bindings[name.id] = None
        self.stack.append(frame)
        try:
            self._in_loop("comprehension", inner)
        finally:
            self.stack.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension  # type: ignore[assignment]

    # ------------------------------------------------------------------ expressions
    def _count_await(self) -> None:
        frame = self._function_frame()
        if frame is not None:
            frame.awaits += 1

    def visit_Await(self, node: ast.Await) -> None:
        self._count_await()
        if isinstance(node.value, ast.Call):
            self._awaited.add(id(node.value))
        self.visit(node.value)

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is None:
            return
        self.visit(node.value)
        fn = self._function_frame()
        if fn is not None and fn.kind == "function" and isinstance(node.value, (ast.Call, ast.Attribute, ast.Name, ast.Subscript)):
            value = node.value
            while isinstance(value, ast.Subscript):  # `return qs[:10]` is still a QuerySet
                value = value.value
            fn.returned = self.resolve(value) if isinstance(value, (ast.Call, ast.Attribute, ast.Name)) else None
            fn.returned_origins = self.origins(node.value)

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        frame = self._function_frame()
        if frame is not None:
            frame.is_generator = True
        if node.value is not None:
            self.visit(node.value)

    visit_YieldFrom = visit_Yield  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        callee = self.resolve(node.func)
        text = self.text(node.func)
        if callee in _FILE_WRAPPERS and node.args:
            self._use(node.args[0], "wrapped")  # `trio.wrap_file(open(p))`: the idiomatic async file
        index = offload_index(callee, text)
        if index is not None and len(node.args) > index:
            self._mark_offloaded(node.args[index])
        fn = self._function_frame()
        frame_for_loops = fn or self.stack[0]
        self.calls.append(
            CallFact(
                callee=callee,
                text=text,
                function=fn.qualname if fn else self.stack[-1].qualname if self.stack[-1].kind == "class" else self.module,
                in_async=bool(fn and fn.kind == "function" and fn.is_async),
                awaited=id(node) in self._awaited,
                loop_depth=len(frame_for_loops.loop_kinds),
                loop_kind=frame_for_loops.loop_kinds[-1] if frame_for_loops.loop_kinds else None,
                offloaded=bool(fn and fn.offloaded) or id(node) in self._offloaded,
                span=self.span(node),
                args=tuple(self.arg(a) for a in node.args if not isinstance(a, ast.Starred)),
                keywords=tuple((k.arg, self.arg(k.value)) for k in node.keywords if k.arg),
                has_star_args=any(isinstance(a, ast.Starred) for a in node.args)
                or any(k.arg is None for k in node.keywords),
                used_as=self._used_as.get(id(node)),
                reads=_names_read(node) if frame_for_loops.loop_kinds else (),
            )
        )
        self._callee_nodes.add(id(node.func))
        self.visit(node.func)
        for a in node.args:
            self.visit(a)
        for k in node.keywords:
            self.visit(k.value)

    def _mark_offloaded(self, node: ast.expr) -> None:
        if isinstance(node, ast.Lambda):
            self._offloaded.add(id(node))
        elif isinstance(node, ast.Call) and self.resolve(node.func) == PARTIAL and node.args:
            self._mark_offloaded(node.args[0])  # partial(fn, *args): fn is what runs


def _same_scope_walk(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under `body`, not descending into nested defs, lambdas or classes."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))


def _spine(node: ast.expr) -> Iterator[ast.expr]:
    """`a.b(x).c[0]` -> the call, attribute and subscript nodes down to the root name."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript, ast.Await)):
        yield node
        node = node.func if isinstance(node, ast.Call) else node.value


def _names_read(call: ast.Call) -> tuple[str, ...]:
    names: set[str] = set()
    for part in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(part, ast.Name):
            names.add(part.id)
        elif not isinstance(part, ast.Constant):  # most arguments are names or literals
            names.update(n.id for n in ast.walk(part) if isinstance(n, ast.Name))
    return tuple(sorted(names))


_EXITS = (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom, ast.Raise)


def _same_scope(nodes: list) -> Iterator[ast.AST]:
    """Every node under `nodes` that runs in the same scope (nested defs, lambdas and
    classes are skipped: their awaits and returns are their own)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _append_arg(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
    """`acc.append(value)` as an expression statement: (acc, value)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "append" and isinstance(call.func.value, ast.Name)
                and len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred)):
            return call.func.value.id, call.args[0]
    return None


def _awaited_call(node: ast.AST | None) -> ast.Call | None:
    if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
        return node.value
    return None


def _loop_shape(body: list[ast.stmt]) -> tuple[str | None, str | None, ast.Call | None]:
    """(shape, accumulator, awaited call) of a loop body; see AwaitLoopFact."""
    first = body[0]
    if len(body) == 1:
        if isinstance(first, ast.Expr) and (call := _awaited_call(first.value)) is not None:
            return "expr", None, call
        appended = _append_arg(first)
        if appended and (call := _awaited_call(appended[1])) is not None:
            return "append", appended[0], call
        return None, None, None
    if not (isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.targets[0], ast.Name)):
        return None, None, None
    call = _awaited_call(first.value)
    accumulators = []
    for stmt in body[1:]:
        appended = _append_arg(stmt)
        if appended:
            accumulators.append(appended[0])
            value = appended[1]
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            value = stmt.value
        else:
            return None, None, None
        if any(isinstance(n, (ast.Call, ast.Await, ast.NamedExpr, ast.Lambda)) for n in ast.walk(value)):
            return None, None, None
    if call is None:
        return None, None, None
    return "assign-collect", (accumulators[0] if accumulators else None), call


def _items(arg: ArgFact) -> tuple[ArgFact, ...]:
    if arg.kind == "list":
        return arg.args
    if arg.kind == "literal" and isinstance(arg.value, tuple):
        return tuple(ArgFact("literal", v) for v in arg.value)
    return (arg,)
