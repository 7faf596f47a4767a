"""DBK102 helpers: which findings get the `requests_to_httpx` fix instead of a worker thread."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding
from deblock.rules.blocking._matching import blocking_calls_on_loop

if TYPE_CHECKING:
    from deblock.rules._base import Rule

HTTPX_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})
HTTPX_LIBRARIES = frozenset({"asyncio", "anyio"})  # httpx runs on both
# Keywords the codemod maps; any other (`stream=`, `files=`, `hooks=`...) keeps the thread fix.
MAPPED = frozenset({"allow_redirects", "data", "json", "params", "headers", "cookies", "auth", "timeout",
                    "verify", "cert", "proxies"})


def _data_note(call: CallFact) -> str:
    """What the title must say about `data=`: httpx wants `content=` for str/bytes."""
    data = dict(call.keywords).get("data")
    if data is None and call.callee and call.callee.endswith((".post", ".put", ".patch")) and len(call.args) > 1:
        data = call.args[1]
    if data is None or data.kind == "dict" or (data.kind == "literal" and isinstance(data.value, str)):
        return ""
    if data.kind == "call" and str(data.value or "").rpartition(".")[2] in ("dumps", "encode", "format", "dict"):
        return ""
    # Bytes literals and f-strings are not in the facts; the codemod sees them and
    # moves them to `content=`, so the note stays true for both outcomes.
    return " (check `data=`: only a str/bytes literal, f-string, `.encode()` or `json.dumps()` moves to `content=`, other values stay `data=`)"


def with_httpx_fixes(rule: Rule, facts: ModuleFacts, project: Project, findings: Iterator[Finding]) -> Iterator[Finding]:
    """Replace the worker-thread fix of `requests.<verb>()` calls in `async def` with the
    `requests_to_httpx` codemod (which itself falls back to the worker thread)."""
    library = project.async_library(facts)
    verbs: dict[tuple[int, int, int, int], tuple[CallFact, str]] = {}
    if library in HTTPX_LIBRARIES:
        for call, entry in blocking_calls_on_loop(facts, project, rule.code):
            module, _, verb = entry.match.rpartition(".")
            mapped = not call.has_star_args and all(name in MAPPED for name, _ in call.keywords)
            if module == "requests" and verb in HTTPX_VERBS and call.in_async and mapped:
                span = call.span
                verbs[(span.line, span.col, span.end_line, span.end_col)] = (call, verb)
    for finding in findings:
        span = finding.span
        hit = verbs.get((span.line, span.col, span.end_line, span.end_col))
        if hit is None or finding.fix is None:
            yield finding
            continue
        call, verb = hit
        fix = rule.make_fix(
            "requests_to_httpx", call.span, applicability=Applicability.UNSAFE, library=library, verb=verb,
            title=f"Use `await httpx.AsyncClient().{verb}(...)`{_data_note(call)}; "
            "a call inside an expression runs in a worker thread instead",
        )
        yield replace(finding, fix=fix)
