"""DBK103 on asyncio: offer `asyncio.create_subprocess_exec` for `subprocess.run`,
`check_call` and `check_output` (the codemod falls back to a worker thread itself when
the call's shape cannot be rewritten exactly)."""

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

SWAPPABLE = frozenset({"subprocess.run", "subprocess.check_call", "subprocess.check_output"})


def with_asyncio_swaps(rule: Rule, findings: Iterable[Finding], facts: ModuleFacts, project: Project) -> Iterator[Finding]:
    if project.async_library(facts) != "asyncio":
        yield from findings
        return
    callees = {call.span: entry.match for call, entry in blocking_calls_on_loop(facts, project, rule.code)}
    for finding in findings:
        callee = callees.get(finding.span, "")
        if finding.fix is not None and finding.fix.codemod == "offload_to_thread" and callee in SWAPPABLE:
            fix = rule.make_fix(
                "subprocess_to_asyncio", finding.fix.span,
                title="Run with `await asyncio.create_subprocess_exec(...)` (else in a worker thread)",
                applicability=Applicability.UNSAFE, callee=callee,
            )
            finding = dataclasses.replace(finding, fix=fix)
        yield finding
