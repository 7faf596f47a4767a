"""How many server processes run the project's code, from its deployment files.

Evidence that a web app runs in several worker processes or instances (DBK406):

* `workers = ...` in a gunicorn configuration module (`gunicorn.conf.py`; read from the
  module's facts, so a computed value such as `2 * cpu_count() + 1` counts as several);
* `uvicorn.run(app, workers=4)` in project code (facts);
* `gunicorn -w 4`, `uvicorn --workers 4`, `WEB_CONCURRENCY=4` on a line of a `Procfile`, a
  `Dockerfile`, a compose file or a shell script, and `replicas:`/`scale:` in compose files
  and Kubernetes manifests (text files, read here).

Text files are looked for in every directory that holds a checked module, and in its parent
directories up to the project root; a file covers the modules under its own directory (a
manifest in `k8s/` covers its parent). Read once per run (`project.memo`). Patterns and file
names live in `deblock/data/caching.toml`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from deblock.analyzer.facts.model import ArgFact
from deblock.analyzer.project import Project
from deblock.caching_knowledge import caching_knowledge

_MAX_BYTES = 200_000  # a deployment file larger than this is generated, not written by hand


@dataclass(frozen=True)
class WorkerEvidence:
    """A line that makes the app run in `count` processes (None: set at run time)."""

    path: str  # POSIX, relative to the project root
    line: int
    text: str  # what was found, e.g. `--workers 4`, `workers = int(os.environ.get(...))`
    count: int | None
    scope: str  # the directory (relative to the root, "" for the root) whose modules it covers

    @property
    def several(self) -> bool:
        return self.count is None or self.count > 1

    def render(self) -> str:
        return f"{self.path}:{self.line} (`{self.text}`)"

    def covers(self, module_path: str) -> bool:
        return not self.scope or module_path.startswith(self.scope + "/")


def _count(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _from_facts(project: Project) -> list[WorkerEvidence]:
    knowledge = caching_knowledge()
    found: list[WorkerEvidence] = []
    for module in project:
        parent = str(PurePosixPath(module.path).parent)
        scope = "" if parent == "." else parent
        if PurePosixPath(module.path).name in knowledge.python_configs:
            for assign in module.assigns:
                if assign.name in knowledge.python_keys:
                    found.append(WorkerEvidence(module.path, assign.span.line, f"{assign.name} = {_shown(assign.value)}",
                                                _literal_count(assign.value), scope))
        for call in module.calls:
            workers = dict(call.keywords).get("workers")
            if workers is not None and project.resolve(call.callee) in knowledge.python_calls:
                found.append(WorkerEvidence(module.path, call.span.line, f"{call.text}(..., workers={_shown(workers)})",
                                            _literal_count(workers), scope))
    return found


def _literal_count(value: ArgFact) -> int | None:
    return value.value if value.kind == "literal" and isinstance(value.value, int) else None


def _shown(value: ArgFact) -> str:
    if value.kind == "literal":
        return repr(value.value)
    return f"{str(value.value).rpartition('.')[2]}(...)" if value.kind == "call" else "..."


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _directories(root: Path, module_paths: Iterable[str]) -> list[str]:
    """Directories (relative to the root) that hold checked modules on disk, with their parents."""
    found: set[str] = set()
    for folder in {str(PurePosixPath(p).parent) for p in module_paths}:
        relative = "" if folder == "." else folder
        if not (root / relative).is_dir():
            continue  # in-memory examples: nothing to read
        parts = PurePosixPath(relative).parts
        found.update("/".join(parts[:n]) for n in range(len(parts) + 1))
    return sorted(found)


def candidate_files(root: Path, module_paths: Iterable[str]) -> list[tuple[str, str]]:
    """Every text file the worker evidence may come from, as (path relative to `root`, scope).
    The run cache's key should include these files (findings of DBK406 depend on them)."""
    knowledge = caching_knowledge()
    files: list[tuple[str, str]] = []
    for folder in _directories(root, module_paths):
        base = root / folder if folder else root
        try:
            entries = sorted(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_file() and any(fnmatch.fnmatch(entry.name, p) for p in knowledge.deployment_files):
                files.append((relative, folder))
            elif entry.is_dir() and entry.name in knowledge.manifest_dirs:
                files.extend((m.relative_to(root).as_posix(), folder) for m in sorted(entry.rglob("*.y*ml"))[:50]
                             if m.suffix in (".yml", ".yaml"))
    return files


def deployment_files(project: Project) -> list[tuple[str, str]]:
    return candidate_files(project.settings.root, (m.path for m in project))


def _from_files(project: Project) -> list[WorkerEvidence]:
    patterns = caching_knowledge().worker_patterns
    found: list[WorkerEvidence] = []
    for relative, scope in deployment_files(project):
        text = _read(project.settings.root / relative) or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            for pattern in patterns:
                match = pattern.search(line)
                if match:
                    start = match.start("flag") if "flag" in pattern.groupindex else match.start("count")
                    shown = line[start:match.end("count")].strip()
                    found.append(WorkerEvidence(relative, number, shown, _count(match.group("count")), scope))
                    break
    return found


def worker_evidence(project: Project) -> tuple[WorkerEvidence, ...]:
    """Every line that sets a worker or replica count, for the whole project (memoised)."""
    return project.memo("deployment-workers", lambda: tuple(_from_facts(project) + _from_files(project)))


def several_workers(project: Project, module_path: str) -> WorkerEvidence | None:
    """The first evidence that the code in `module_path` runs in several processes, or None."""
    for evidence in worker_evidence(project):
        if evidence.several and evidence.covers(module_path):
            return evidence
    return None
