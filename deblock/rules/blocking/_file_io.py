"""DBK104: offer `anyio.open_file` / `aiofiles.open` for `with open(...) as f:` when the
project depends on anyio or aiofiles (the codemod falls back to a worker thread itself
when the `with` cannot be rewritten exactly)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding
from deblock.rules.blocking._matching import blocking_calls_on_loop

if TYPE_CHECKING:
    from deblock.rules._base import Rule

OPENERS = frozenset({"builtins.open", "io.open"})
_TITLES = {
    "anyio": "Use `async with await anyio.open_file(...)` and await the file's methods",
    "aiofiles": "Use `async with aiofiles.open(...)` and await the file's methods",
}


def async_file_library(facts: ModuleFacts, project: Project) -> str | None:
    """anyio or aiofiles when the module imports it or the project requires it directly;
    aiofiles only on asyncio (it runs its threads through the asyncio loop)."""
    imported = {imp.target.partition(".")[0] for imp in facts.imports}
    asyncio = project.async_library(facts) == "asyncio"
    for library in ("anyio", "aiofiles"):
        if library in imported and (library == "anyio" or asyncio):
            return library
    for library in ("anyio", "aiofiles"):
        if library in project.direct_dependencies and (library == "anyio" or asyncio):
            return library
    return None


def with_async_files(rule: Rule, findings: Iterable[Finding], facts: ModuleFacts, project: Project) -> Iterator[Finding]:
    library = async_file_library(facts, project)
    if library is None:
        yield from findings
        return
    openers = {call.span for call, entry in blocking_calls_on_loop(facts, project, rule.code)
               if entry.match in OPENERS and call.used_as == "with"}
    for finding in findings:
        if finding.fix is not None and finding.fix.codemod == "offload_to_thread" and finding.span in openers:
            fix = rule.make_fix(
                "open_to_async_file", finding.fix.span, title=_TITLES[library], applicability=Applicability.UNSAFE,
                library=library, fallback=finding.fix.arg("library", "asyncio"),
            )
            finding = dataclasses.replace(finding, fix=fix)
        yield finding
