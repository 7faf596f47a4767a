"""Where an object built per call is built per request: the hot paths of the DBK3xx rules.

A call is hot when its function is reachable from a framework entry point that runs per
request or per task (a route, view, viewset, admin page, FastAPI dependency or
middleware, Flask request hook, Celery task), or when it sits in a loop. Code that runs
once per process is exempt, and so is everything reached only through it: worker and
fork initialisers (Celery `worker_process_init` and friends, gunicorn `post_fork` in
`gunicorn.conf.py`, `initializer=` of process and thread pools), app factories, FastAPI
lifespans and startup events, Flask `before_serving`, functions behind
`functools.cache`/`lru_cache`, module-level code (including `if __name__ == "__main__":`),
management commands, scripts, migrations and tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.frameworks import LOOP, EntryPoint
from deblock.analyzer.project import Project
from deblock.analyzer.reach import Reach, hot_reach, once_per_process
from deblock.model import Severity
from deblock.rules._context import is_low_priority_path


@dataclass(frozen=True)
class Hot:
    why: str  # " on every request to `GET /x` through `a -> b`", " in a loop"
    severity: Severity
    entry: EntryPoint | None  # None: hot only because of the loop


def hot_context(project: Project, facts: ModuleFacts, call: CallFact, *, is_async: bool = False) -> Hot | None:
    """Why `call` runs per request, per task or per iteration; None when it runs once."""
    fn = project.functions.get(call.function)
    if fn is None or is_low_priority_path(facts.path) or call.function in once_per_process(project):
        return None  # module-level code runs once, at import
    reach = hot_reach(project).get(call.function)
    if reach is not None and is_async and _fresh_loop(reach.entry):
        return None
    loop = " in a loop" if call.loop_depth > 0 else ""
    if reach is not None:
        return Hot(loop + " " + describe(reach), Severity.WARNING, reach.entry)
    callers = project.callgraph.callers(call.function)
    if not loop or (callers and all(c not in project.functions for c in callers)):
        return None  # not on a hot path, or only called from module level (once)
    return Hot(" in a loop", Severity.INFO, None)


def _fresh_loop(entry: EntryPoint) -> bool:
    """An async object built where each call runs on a new event loop cannot be shared:
    Flask runs every `async def` view in its own loop, and code under a sync entry point
    that awaits does so through its own `asyncio.run`."""
    return entry.framework == "flask" or entry.runs_on != LOOP


def describe(reach: Reach) -> str:
    entry = reach.entry
    via = f" through `{reach.render()}`" if len(reach.chain) > 1 else ""
    if entry.kind == "admin":
        return f"on Django admin requests to `{entry.qualname}`{via}"
    if entry.kind in ("route", "view", "viewset"):
        target = " ".join(p for p in (",".join(entry.methods), entry.url) if p)
        what = f"`{target}`" if target else f"{entry.framework} {entry.kind} `{entry.qualname}`"
        return f"on every request to {what}{via}"
    if entry.kind == "dependency":
        return f"in the FastAPI dependency `{entry.qualname}`, run on every request that uses it{via}"
    if entry.kind == "task":
        return f"on every run of the Celery task `{entry.qualname}`{via}"
    return f"in the {entry.framework} request hook `{entry.qualname}`{via}"
