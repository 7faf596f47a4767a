"""`r = requests.get(url, ...)` -> `async with httpx.AsyncClient() as client: r = await client.get(url, ...)`.

Rewrites a `requests` module-level call (fix argument `verb`: get, post, put, patch,
delete, head, options, request) that is a whole statement: `x = call`, `return call`
or `call` alone. Keywords keep requests' behaviour where httpx differs:
- `follow_redirects=True` is added (requests follows redirects except for `head`);
  `allow_redirects=` is renamed to `follow_redirects=`;
- `timeout=None` is added when no `timeout=` is given (httpx defaults to 5 s);
- `data=` with a str/bytes value becomes `content=`; a dict (or an unknown value) stays;
- `verify=`, `cert=` and a single-URL `proxies=` (as `proxy=`) move to `httpx.AsyncClient(...)`;
- `json=`, `params=`, `headers=`, `cookies=`, `auth=`, `timeout=` pass through.

Anything else (the call inside a larger expression, `*args`/`**kwargs`, `stream=`,
`files=`, `hooks=`, a dict of proxies, unknown keywords) falls back to the worker-thread
form of `offload_to_thread` for the fix argument `library`.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from deblock.codemods._base import SpanCodemod
from deblock.codemods.offload_to_thread import offload_call

_PASS = frozenset({"json", "params", "headers", "cookies", "auth", "timeout"})
_CLIENT = frozenset({"verify", "cert"})
_BODY = frozenset({"data", "json", "content"})
_POSITIONAL = {"get": ("params",), "post": ("data", "json"), "put": ("data",), "patch": ("data",), "request": ()}
_NO_BODY = frozenset({"get", "head", "options", "delete"})  # httpx's shortcuts take no body


def _is_text(node: cst.BaseExpression) -> bool:
    """A str/bytes value written as such: a string literal, f-string, `.encode()`, `json.dumps()`."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        name = node.func.attr.value
        if name in ("encode", "dumps", "format"):
            return True
    return False


def _comma(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))


def _last(args: list[cst.Arg]) -> list[cst.Arg]:
    return [_comma(a) for a in args[:-1]] + [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args[-1:]]


def _join(args: list[cst.Arg], original: Sequence[cst.Arg], opening: cst.BaseParenthesizableWhitespace) -> list[cst.Arg]:
    """Commas for the call's new argument list, keeping a one-argument-per-line layout
    (and its comments) when the original call had one, and its trailing comma."""
    if not original:
        return _last(args)
    first = original[0].comma
    layout = opening if isinstance(opening, cst.ParenthesizedWhitespace) else None
    if layout is None and len(original) > 1 and isinstance(first, cst.Comma):
        layout = first.whitespace_after if isinstance(first.whitespace_after, cst.ParenthesizedWhitespace) else None
    multiline = layout is not None
    sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if layout is not None:  # the same line break and indent, without the first argument's comment
        sep = cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), indent=layout.indent, last_line=layout.last_line))  # type: ignore[union-attr]
    trailing = original[-1].comma
    out = []
    for index, arg in enumerate(args):
        if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace) and index < len(args) - 1:
            arg = arg.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        if index == len(args) - 1:  # the original last argument's layout before `)`
            comma = trailing
            if arg.comma is not trailing and isinstance(trailing, cst.Comma) and isinstance(
                trailing.whitespace_after, cst.ParenthesizedWhitespace
            ):  # a new last argument: the trailing comma without the old last argument's comment
                comma = cst.Comma(whitespace_after=trailing.whitespace_after.with_changes(first_line=cst.TrailingWhitespace()))
            out.append(arg.with_changes(comma=comma, whitespace_after_arg=original[-1].whitespace_after_arg))
        elif multiline and isinstance(arg.comma, cst.Comma):
            if arg.comma is trailing:  # keep its comment, but indent the next argument
                layout = sep.whitespace_after
                arg = arg.with_changes(comma=trailing.with_changes(  # type: ignore[union-attr]
                    whitespace_after=arg.comma.whitespace_after.with_changes(  # type: ignore[union-attr]
                        indent=layout.indent, last_line=layout.last_line)))  # type: ignore[union-attr]
            out.append(arg)  # an original argument: keep its comma and comments
        else:
            out.append(arg.with_changes(comma=sep))
    return out


def _kw(name: str, value: cst.BaseExpression, original: cst.Arg | None = None) -> cst.Arg:
    if original is not None and original.keyword is not None:
        return original.with_changes(keyword=cst.Name(name))
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    comma = original.comma if original is not None else cst.MaybeSentinel.DEFAULT
    return cst.Arg(value=value, keyword=cst.Name(name), equal=equal, comma=comma)


def translate(call: cst.Call, verb: str) -> tuple[str, list[cst.Arg], list[cst.Arg]] | None:
    """(httpx method, call arguments, client arguments), or None when the call must fall back."""
    if any(a.star for a in call.args):
        return None
    positional = [a for a in call.args if a.keyword is None]
    keywords = [a for a in call.args if a.keyword is not None]
    leading = 2 if verb == "request" else 1
    extra_names = _POSITIONAL.get(verb, ())
    if len(positional) < leading or len(positional) > leading + len(extra_names):
        return None
    args = list(positional[:leading])
    named = [(n, a) for n, a in zip(extra_names, positional[leading:])]
    named += [(a.keyword.value, a) for a in keywords]  # type: ignore[union-attr]
    client: list[cst.Arg] = []
    seen: set[str] = set()
    for name, arg in named:
        seen.add(name)
        value = arg.value
        if name == "allow_redirects":
            args.append(_kw("follow_redirects", value, arg))
        elif name == "data":
            args.append(_kw("content" if _is_text(value) else "data", value, arg))
        elif name == "proxies":
            if not isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
                return None
            client.append(_kw("proxy", value))
        elif name in _CLIENT:
            client.append(_kw(name, value))
        elif name in _PASS:
            args.append(_kw(name, value, arg))
        else:
            return None  # stream=, files=, hooks=, unknown keywords
    if verb != "head" and "allow_redirects" not in seen:
        args.append(_kw("follow_redirects", cst.Name("True")))
    if "timeout" not in seen:
        args.append(_kw("timeout", cst.Name("None")))
    method = verb
    if verb in _NO_BODY and seen & _BODY:
        method = "request"
        args.insert(0, cst.Arg(cst.SimpleString(f'"{verb.upper()}"')))
    return method, args, client


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class RequestsToHttpx(SpanCodemod):
    NAME = "requests_to_httpx"
    DESCRIPTION = "Replace a requests module call with an httpx.AsyncClient request."

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._wrap: dict[cst.SimpleStatementLine, tuple[str, list[cst.Arg]]] = {}

    def _statement(self, node: cst.Call) -> cst.SimpleStatementLine | None:
        """The one-statement line of which this call is the whole value, if any."""
        parent = self.parent(node)
        if not isinstance(parent, (cst.Assign, cst.Return, cst.Expr)) or parent.value is not node:
            return None
        line = self.parent(parent)
        if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
            return line
        return None

    def _client_name(self, node: cst.CSTNode) -> str:
        scope: cst.CSTNode | None = node
        while scope is not None and not isinstance(scope, (cst.FunctionDef, cst.Module)):
            scope = self.parent(scope)
        visitor = _Names()
        if scope is not None:
            scope.visit(visitor)
        for name in ("client", "http_client", "httpx_client"):
            if name not in visitor.names:
                return name
        index = 2
        while f"client{index}" in visitor.names:
            index += 1
        return f"client{index}"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        fix = self.fix_for(original_node, original_node.func)
        if fix is None:
            return updated_node
        line = self._statement(original_node)
        plan = translate(updated_node, fix.arg("verb", "get")) if line is not None else None
        if line is None or plan is None:
            return offload_call(self, original_node, updated_node, fix.arg("library", "asyncio"))
        method, args, client_args = plan
        name = self._client_name(original_node)
        self._wrap[line] = (name, client_args)
        AddImportsVisitor.add_needed_import(self.context, "httpx")
        RemoveImportsVisitor.remove_unused_import_by_node(self.context, original_node.func)
        call = cst.Call(
            func=cst.Attribute(cst.Name(name), cst.Name(method)), args=_join(args, updated_node.args, updated_node.whitespace_before_args),
            whitespace_before_args=updated_node.whitespace_before_args,
        )
        return cst.Await(expression=call, lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        if original_node not in self._wrap:
            return updated_node
        name, client_args = self._wrap.pop(original_node)
        client = cst.Call(func=cst.parse_expression("httpx.AsyncClient"), args=_last(client_args))
        return cst.With(
            items=[cst.WithItem(item=client, asname=cst.AsName(name=cst.Name(name)))],
            body=cst.IndentedBlock(body=[updated_node.with_changes(leading_lines=())]),
            asynchronous=cst.Asynchronous(),
            leading_lines=updated_node.leading_lines,
        )
