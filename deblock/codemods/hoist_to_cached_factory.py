"""Hoist a per-call construction (`create_engine(url)`, `redis.Redis(...)`,
`requests.Session()`) into a module-level `functools.cache`d factory, so that each process
builds the object once, on first use, and every later call shares it. Fix arguments:

- `factory`: the stem of the factory's name (`_engine`); `_for` is appended when the
  factory takes parameters, and a number when the name is taken;
- `params`: comma-separated names for the call's leading positional arguments;
- `fixed`: comma-separated positions (`0`) and keywords (`host`) of the arguments that are
  the same on every call (literals, module-level names, `settings.X`, `os.environ`): they
  stay in the factory's body, evaluated on its first call. The other arguments become its
  parameters, so there is one object per distinct value (`_engine_for(url)`).

The factory is inserted just above the top-level statement (function or class) that holds
the call; an identical factory already in the module is reused.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from deblock.codemods._base import SpanCodemod

_WHY = "# One per process, built on first use (after any fork) and shared by every call."


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def module_names(module: cst.Module) -> set[str]:
    visitor = _Names()
    module.visit(visitor)
    return visitor.names


def top_level_index(codemod: SpanCodemod, module: cst.Module, node: cst.CSTNode) -> int:
    """Position in `module.body` of the top-level statement that holds `node`."""
    current, parent = node, codemod.parent(node)
    while parent is not None and not isinstance(parent, cst.Module):
        current, parent = parent, codemod.parent(parent)
    return next(i for i, statement in enumerate(module.body) if statement is current)


class FactoryWriter:
    """Writes `@functools.cache` factories into one module, reusing identical ones."""

    def __init__(self, codemod: SpanCodemod) -> None:
        self.codemod = codemod
        self.module: cst.Module | None = None
        self.taken: set[str] = set()
        self.existing: dict[str, str] = {}  # factory code without its name -> name
        self.pending: list[tuple[int, cst.FunctionDef]] = []

    def start(self, module: cst.Module) -> None:
        self.module = module
        self.taken = module_names(module)
        for statement in module.body:
            if isinstance(statement, cst.FunctionDef):
                self.existing[self._key(statement)] = statement.name.value

    def _key(self, function: cst.FunctionDef) -> str:
        return cst.Module([]).code_for_node(function.with_changes(name=cst.Name("_"), leading_lines=()))

    def factory(self, near: cst.CSTNode, stem: str, params: list[str], body: cst.BaseExpression) -> str:
        """The name of a cached factory `def stem(params): return body`, written above the
        top-level statement holding `near` unless an identical one exists."""
        assert self.module is not None
        AddImportsVisitor.add_needed_import(self.codemod.context, "functools")
        code = "@functools.cache\ndef _({}):\n    {}\n    return {}\n".format(
            ", ".join(params), _WHY, cst.Module([]).code_for_node(body))
        function = cst.ensure_type(cst.parse_statement(code), cst.FunctionDef)
        key = self._key(function)
        if key in self.existing:
            return self.existing[key]
        name, number = stem, 2
        while name in self.taken:
            name, number = f"{stem}_{number}", number + 1
        self.taken.add(name)
        self.existing[key] = name
        blank = cst.EmptyLine(indent=False)
        function = function.with_changes(name=cst.Name(name), leading_lines=(blank, blank))
        self.pending.append((top_level_index(self.codemod, self.module, near), function))
        return name

    def finish(self, module: cst.Module) -> cst.Module:
        if not self.pending:
            return module
        body = list(module.body)
        for index, function in sorted(self.pending, key=lambda p: -p[0]):
            following = body[index]
            lines = list(following.leading_lines)
            blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
            if blank < 2:  # two blank lines between the factory and what follows it
                lines[:0] = [cst.EmptyLine(indent=False)] * (2 - blank)
                body[index] = following.with_changes(leading_lines=lines)
            body.insert(index, function)
        self.pending = []
        return module.with_changes(body=body)


class FactoryCodemod(SpanCodemod):
    """A codemod that may add cached module-level factories (through a FactoryWriter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writer = FactoryWriter(self)

    def visit_Module(self, node: cst.Module) -> None:
        self.writer.start(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return self.writer.finish(updated_node)


class HoistToCachedFactory(FactoryCodemod):
    NAME = "hoist_to_cached_factory"
    DESCRIPTION = "Build a pooled object once per process through a cached module-level factory."

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node)
        if fix is None:
            return updated_node
        names = [p for p in fix.arg("params").split(",") if p]
        fixed = set(fix.arg("fixed").split(","))
        params: list[str] = []
        body_args: list[cst.Arg] = []
        call_args: list[cst.Arg] = []
        position = 0
        for arg in updated_node.args:
            key = arg.keyword.value if arg.keyword is not None else str(position)
            if arg.keyword is None:
                position += 1
            if key in fixed:
                body_args.append(arg)
                continue
            name = key if arg.keyword is not None else (names[int(key)] if int(key) < len(names) else f"arg{key}")
            while name in params:
                name += "_"
            params.append(name)
            body_args.append(arg.with_changes(value=cst.Name(name)))
            call_args.append(arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) if arg.keyword else arg)
        body = updated_node.with_changes(args=_commas(body_args))
        stem = fix.arg("factory") + ("_for" if params else "")
        name = self.writer.factory(original_node, stem, params, body)
        return cst.Call(func=cst.Name(name), args=_commas(call_args))


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    """Each argument but the last keeps (or gets) a comma; the last loses a trailing one."""
    fixed = []
    for i, arg in enumerate(args):
        last = i == len(args) - 1
        if last:
            fixed.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        elif arg.comma is cst.MaybeSentinel.DEFAULT:
            fixed.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            fixed.append(arg)
    return fixed
