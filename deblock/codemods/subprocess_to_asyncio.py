"""`r = subprocess.run([...], ...)` -> `asyncio.create_subprocess_exec` + `communicate()`,
reproducing what the original returned and raised.

Handled statement forms (inside `async def`), the command being a non-empty list/tuple
literal of simple items (names, attributes, strings, numbers; they may be evaluated twice):
- `[r =] subprocess.run(cmd, ...)` with keywords among `capture_output`, `stdout`,
  `stderr`, `check`, `text`, `cwd`, `env`, `input` -> `r = subprocess.CompletedProcess(...)`
- `[r =] subprocess.check_call(cmd, ...)` with `stdout`, `stderr`, `cwd`, `env`
- `[out =] subprocess.check_output(cmd, ...)` with `stderr`, `text`, `cwd`, `env`, `input`
- any of these with `shell=True` and a string literal command (an f-string of simple
  expressions too) -> `asyncio.create_subprocess_shell(cmd, ...)`; `shell=False` is the default

`check` raises `subprocess.CalledProcessError` as the original does; `text=True` decodes
like `subprocess` (locale encoding, universal newlines). `text=True` together with
`input=` or an explicit `stdout=`/`stderr=`, `timeout=` (asyncio cannot
keep the partial output `subprocess.TimeoutExpired` carries), any other keyword,
non-literal flags, other positional arguments, nested uses and names that would clash
with `proc`/`stdout`/`stderr` fall back to the `offload_to_thread` rewrite.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import ScopeProvider

from deblock.codemods._base import SpanCodemod
from deblock.codemods.offload_to_thread import offload_call

_KEYWORDS = {
    "run": {"capture_output", "stdout", "stderr", "check", "text", "cwd", "env", "input"},
    "check_call": {"stdout", "stderr", "cwd", "env"},
    "check_output": {"stderr", "text", "cwd", "env", "input"},
}
_FLAGS = {"capture_output", "check", "text", "shell"}
_NEW_NAMES = ("proc", "stdout", "stderr")
_SIMPLE = (cst.Name, cst.Attribute, cst.SimpleString, cst.ConcatenatedString, cst.Integer)
_DECODE = '{0} = {0}.decode(locale.getpreferredencoding(False)).replace("\\r\\n", "\\n").replace("\\r", "\\n")'


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _simple(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Attribute):
        return _simple(node.value)
    return isinstance(node, _SIMPLE)


def _string(node: cst.BaseExpression) -> bool:
    """A string literal (an f-string of simple expressions too): always a `str`/`bytes`."""
    if isinstance(node, cst.ConcatenatedString):
        return _string(node.left) and _string(node.right)
    if isinstance(node, cst.FormattedString):
        parts = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
        return all(_simple(p.expression) and p.format_spec is None for p in parts)
    return isinstance(node, cst.SimpleString)


def _command(command: cst.BaseExpression, shell: bool) -> tuple[str, str, str] | None:
    """(asyncio function, its positional arguments, the `args` to report) for a command."""
    if shell:
        if not _string(command):
            return None
        text = _code(command.with_changes(lpar=(), rpar=()))
        return "create_subprocess_shell", text, text
    if not isinstance(command, (cst.List, cst.Tuple)) or not command.elements:
        return None
    if not all(isinstance(e, cst.Element) and _simple(e.value) for e in command.elements):
        return None
    items = ", ".join(_code(e.value) for e in command.elements)
    if isinstance(command, cst.List):
        return "create_subprocess_exec", items, f"[{items}]"
    return "create_subprocess_exec", items, f"({items}{',' if len(command.elements) == 1 else ''})"


class SubprocessToAsyncio(SpanCodemod):
    NAME = "subprocess_to_asyncio"
    DESCRIPTION = "Run a subprocess with asyncio.create_subprocess_exec, keeping its result and errors."
    METADATA_DEPENDENCIES = (*SpanCodemod.METADATA_DEPENDENCIES, ScopeProvider)

    def __init__(self, context, fixes) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context, fixes)
        self._lines: dict[cst.SimpleStatementLine, list[str]] = {}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        planned = self._plan(original_node, fix.arg("callee"))
        if planned is None:
            return offload_call(self, original_node, updated_node, "asyncio")
        line, lines = planned
        self._lines[line] = lines
        AddImportsVisitor.add_needed_import(self.context, "asyncio")
        if any("subprocess." in text for text in lines):
            AddImportsVisitor.add_needed_import(self.context, "subprocess")
        if any("locale." in text for text in lines):
            AddImportsVisitor.add_needed_import(self.context, "locale")
        # The import behind the old callee goes if nothing else still uses it.
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.func)
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        lines = self._lines.pop(original_node, None)
        if lines is None:
            return updated_node
        statements = [cst.parse_statement(text + "\n") for text in lines]
        # The first line keeps the original's leading comments and its trailing comment.
        statements[0] = statements[0].with_changes(
            leading_lines=updated_node.leading_lines, trailing_whitespace=updated_node.trailing_whitespace
        )
        return cst.FlattenSentinel(statements)

    def _plan(self, call: cst.Call, callee: str) -> tuple[cst.SimpleStatementLine, list[str]] | None:
        kind = callee.rpartition(".")[2]
        if kind not in _KEYWORDS:
            return None
        # The statement: `call` or `name = call`, alone on its line.
        parent = self.parent(call)
        target = None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            target = parent.targets[0].target.value
        elif not isinstance(parent, cst.Expr):
            return None
        line = self.parent(parent)
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        scope = self.get_metadata(ScopeProvider, call, None)
        if scope is None or any(name in scope for name in _NEW_NAMES if name != target):
            return None
        # The command: a list/tuple literal of simple items (a simple string expression
        # with `shell=True`), then known keywords.
        if not call.args or call.args[0].keyword or call.args[0].star:
            return None
        command = call.args[0].value
        keywords: dict[str, cst.BaseExpression] = {}
        for arg in call.args[1:]:
            if arg.keyword is None or arg.star or arg.keyword.value not in _KEYWORDS[kind] | {"shell"}:
                return None
            keywords[arg.keyword.value] = arg.value
        flags = {}
        for name in _FLAGS & keywords.keys():
            value = keywords.pop(name)
            if not isinstance(value, cst.Name) or value.value not in ("True", "False"):
                return None
            flags[name] = value.value == "True"
        text, capture = flags.get("text", False), flags.get("capture_output", False)
        shape = _command(command, flags.get("shell", False))
        if shape is None:
            return None
        create, items, args_code = shape
        if capture and ({"stdout", "stderr"} & keywords.keys()):
            return None  # subprocess raises ValueError
        if text and ({"stdout", "stderr", "input"} & keywords.keys()):
            return None  # decoding needs streams known to be piped
        check = kind != "run" or flags.get("check", False)
        options = []
        if "input" in keywords:
            options.append("stdin=asyncio.subprocess.PIPE")
        piped = []
        if capture or kind == "check_output":
            options.append("stdout=asyncio.subprocess.PIPE")
            piped.append("stdout")
        elif "stdout" in keywords:
            options.append(f"stdout={_code(keywords['stdout'])}")
        if capture:
            options.append("stderr=asyncio.subprocess.PIPE")
            piped.append("stderr")
        elif "stderr" in keywords:
            options.append(f"stderr={_code(keywords['stderr'])}")
        options += [f"{name}={_code(keywords[name])}" for name in ("cwd", "env") if name in keywords]
        lines = [f"proc = await asyncio.{create}({', '.join([items, *options])})"]
        stdin = _code(keywords["input"]) if "input" in keywords else ""
        lines.append(f"stdout, stderr = await proc.communicate({stdin})")
        if text:
            lines += [_DECODE.format(stream) for stream in piped]
        if check:
            error = "proc.returncode, " + args_code + ("" if kind == "check_call" else ", stdout, stderr")
            lines.append(f"if proc.returncode:\n    raise subprocess.CalledProcessError({error})")
        if target is not None:
            result = {
                "run": f"subprocess.CompletedProcess({args_code}, proc.returncode, stdout, stderr)",
                "check_call": "proc.returncode",
                "check_output": "stdout",
            }[kind]
            lines.append(f"{target} = {result}")
        return line, lines
