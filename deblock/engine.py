"""The pipeline: discover -> facts (process pool, cache) -> project -> rules -> filter.

`check()` is the one entry point used by the CLI, the fix loop and the tests.
"""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from deblock.analyzer.cache import FactsCache, cache_key, code_hash
from deblock.analyzer.discovery import SourceFile, discover
from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings
from deblock.forking import can_fork, fork_map
from deblock.model import Finding, Span
from deblock.rules import Rule, all_rules

INTERNAL_ERROR = "DBK900"
_PARALLEL_THRESHOLD = 24  # below this many uncached files, a pool costs more than it saves
_CHUNK = 16
_RULES_PARALLEL_THRESHOLD = 100  # modules: from ~30 a fork (a few ms) pays on Django subtrees; kept safely above

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class CheckResult:
    findings: list[Finding]
    files: list[SourceFile]
    errors: list[str] = field(default_factory=list)
    sources: dict[str, bytes] = field(default_factory=dict)  # relpath -> bytes as analysed
    load_project: Callable[[], Project] | None = field(default=None, repr=False)
    _project: Project | None = field(default=None, repr=False)

    @property
    def project(self) -> Project:
        """The project index; built on first use when the run was answered from the cache."""
        if self._project is None:
            assert self.load_project is not None
            self._project = self.load_project()
        return self._project


# ---------------------------------------------------------------------- selection
def _best_match(code: str, selectors: Iterable[str]) -> int:
    return max((len(s) for s in selectors if code.startswith(s)), default=-1)


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff's rule: the most specific selector wins; on a tie, ignore wins."""
    return _best_match(code, select) > _best_match(code, ignore)


def selected_rules(settings: Settings) -> list[Rule]:
    select = (*settings.select, *settings.extend_select)
    rules = []
    for rule_class in all_rules():
        if is_selected(rule_class.code, select, settings.ignore) or rule_class.code == INTERNAL_ERROR:
            options = settings.options_for(rule_class.code)
            instance_options = rule_class.Options(**options) if rule_class.Options else None
            rules.append(rule_class(settings, instance_options))
    return rules


# ---------------------------------------------------------------------- suppression
def _suppressed(finding: Finding, facts: ModuleFacts) -> bool:
    lines = {finding.span.line, finding.span.end_line}
    for sup in facts.suppressions:
        if sup.codes is not None and not any(finding.code.startswith(c) for c in sup.codes):
            continue
        if sup.file_level:
            return True
        # Trailing on the first or last line of the span; `# deblock: ignore[...]` alone on
        # the line above. A `# noqa` only ever covers its own line (flake8, ruff).
        if not sup.own_line and sup.line in lines:
            return True
        if sup.own_line and sup.kind == "ignore" and sup.line == finding.span.line - 1:
            return True
    return False


def _per_file_ignored(finding: Finding, settings: Settings) -> bool:
    for pattern, codes in settings.per_file_ignores:
        if fnmatch.fnmatch(finding.path, pattern) or fnmatch.fnmatch(Path(finding.path).name, pattern):
            if any(finding.code.startswith(c) for c in codes):
                return True
    return False


# ---------------------------------------------------------------------- facts
@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building or loading facts.

    Facts, `ast` trees and the project index hold no reference cycles, so reference
    counting frees everything; but the collector still runs every few hundred
    allocations and rescans all live objects. On Django's source it made loading the
    cache 7x slower (1.3 s instead of 0.18 s). On the way out, what survives is
    frozen (moved out of the collector's view) so later collections do not rescan it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _extract_batch(batch: list[tuple[bytes, str, str, bool, str]], cache_dir: str | None) -> list[ModuleFacts]:
    cache = FactsCache(Path(cache_dir)) if cache_dir else None
    out = []
    with paused_gc():
        for data, relpath, module, is_package, key in batch:
            try:
                facts = extract(data, relpath, module, is_package)
            except Exception as exc:  # a gatherer bug must not end the run: report the file, go on
                facts = ModuleFacts(relpath, module, is_package, key,
                                    internal_error=f"analysis failed: {type(exc).__name__}: {exc}")
            if cache is not None:
                cache.put(key, facts)
            out.append(facts)
    return out


def read_sources(
    files: Sequence[SourceFile], overlay: Mapping[str, bytes] | None = None
) -> tuple[dict[str, bytes], dict[str, str], list[str]]:
    """Every file's bytes (the overlay wins) and content key; unreadable files become errors."""
    sources: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    errors: list[str] = []
    for file in files:
        data = (overlay or {}).get(file.relpath)
        if data is None:
            try:
                data = file.path.read_bytes()
            except OSError as exc:
                errors.append(f"{file.relpath}: cannot read: {exc.strerror}")
                continue
        sources[file.relpath] = data
        keys[file.relpath] = cache_key(data, file.relpath, file.module, file.is_package)
    return sources, keys, errors


def gather_facts(
    files: Sequence[SourceFile],
    settings: Settings,
    sources: Mapping[str, bytes],
    keys: Mapping[str, str],
    *,
    use_cache: bool = True,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> list[ModuleFacts]:
    cache = FactsCache(settings.effective_cache_dir) if use_cache else None
    facts: dict[str, ModuleFacts] = {}
    todo: list[tuple[bytes, str, str, bool, str]] = []
    for file in files:
        if file.relpath not in sources:
            continue
        data, key = sources[file.relpath], keys[file.relpath]
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            facts[file.relpath] = cached
        else:
            todo.append((data, file.relpath, file.module, file.is_package, key))
    total, done = len(files), len(facts)
    if progress:
        progress(done, total)
    cache_dir = str(cache.root) if cache is not None else None
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if len(todo) < _PARALLEL_THRESHOLD or workers <= 1:
        batches: Iterator[list[ModuleFacts]] = (_extract_batch([item], cache_dir) for item in todo)
        for batch in batches:
            for item in batch:
                facts[item.path] = item
            done += len(batch)
            if progress:
                progress(done, total)
    else:
        chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for batch in pool.map(_extract_batch, chunks, [cache_dir] * len(chunks)):
                for item in batch:
                    facts[item.path] = item
                done += len(batch)
                if progress:
                    progress(done, total)
    return [facts[f.relpath] for f in files if f.relpath in facts]


# ---------------------------------------------------------------------- rules
def run_rules(
    project: Project,
    rules: Sequence[Rule],
    modules: Iterable[ModuleFacts] | None = None,
    *,
    jobs: int | None = 1,
    parallel_threshold: int | None = None,
) -> list[Finding]:
    """Every rule on every module (all of the project's by default), filtered and sorted.

    With `jobs` > 1 (None: CPU count) and at least `parallel_threshold` modules (None:
    `_RULES_PARALLEL_THRESHOLD`), on Linux, the modules are shared out between this
    process and forked children, which inherit the project and every index built so far
    (see `_run_rules_forked`). Elsewhere, or for fewer modules, one process runs them.
    """
    targets = list(modules if modules is not None else project)
    workers = min(jobs if jobs is not None else (os.cpu_count() or 1), len(targets))
    threshold = _RULES_PARALLEL_THRESHOLD if parallel_threshold is None else parallel_threshold
    if workers > 1 and len(targets) >= threshold and can_fork():
        per_module = _run_rules_forked(project, rules, targets, workers)
    else:
        per_module = [_module_findings(facts, project, rules) for facts in targets]
    findings = [finding for found in per_module for finding in found]
    findings.sort(key=lambda f: f.sort_key)
    return findings


def _run_rules_forked(project: Project, rules: Sequence[Rule], targets: list[ModuleFacts], workers: int) -> list[list[Finding]]:
    """Each module's findings, computed in `workers` processes.

    The call graph and entry points, which nearly every project rule reads, are built
    here before the fork, so the children share one copy. The other shared indexes
    (`project.memo`) are left to the children on purpose: rules are pure, so a child
    that builds one gets the value the parent would have, and children build them side
    by side. Building them here first (per-family "warmers") was measured slower on
    Django's source: 0.55 s for the rules instead of 0.50 s, as the parent then builds
    serially what the children would have built in parallel; it would only save CPU.

    Results equal the serial ones: each module's findings come back in the order one
    process produces them and are put back in module order before the engine's sort.
    """
    project.callgraph  # noqa: B018 - built once, before the fork, for every child
    project.entry_points  # noqa: B018
    # Interleaved slices balance well without knowing which modules are costly.
    slices = [targets[k::workers] for k in range(workers)]
    results = fork_map(lambda piece: [_module_findings(facts, project, rules) for facts in piece], slices)
    return [results[i % workers][i // workers] for i in range(len(targets))]


def _module_findings(facts: ModuleFacts, project: Project, rules: Sequence[Rule]) -> list[Finding]:
    if facts.internal_error is not None:
        return [internal_error(facts.path, facts.internal_error)]
    settings = project.settings
    findings = []
    for rule in rules:
        try:
            produced = list(rule.check(facts, project))
        except Exception as exc:  # a rule bug must not end the run: report it and go on
            produced = [internal_error(facts.path, f"rule {rule.code} failed on this file: {type(exc).__name__}: {exc}")]
        for finding in produced:
            if not _suppressed(finding, facts) and not _per_file_ignored(finding, settings):
                findings.append(finding)
    return findings


def internal_error(path: str, message: str, span: Span | None = None) -> Finding:
    return Finding(INTERNAL_ERROR, "internal-error", message, path, span or Span(1, 0, 1, 0))


def check(
    paths: Sequence[Path],
    settings: Settings,
    *,
    overlay: Mapping[str, bytes] | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    progress: Progress | None = None,
    files: Sequence[SourceFile] | None = None,
) -> CheckResult:
    files = list(files) if files is not None else discover(paths, settings)
    with paused_gc():
        sources, keys, errors = read_sources(files, overlay)

        def load_project() -> Project:
            with paused_gc():
                facts = gather_facts(files, settings, sources, keys, use_cache=use_cache, jobs=jobs, progress=progress)
                return Project(facts, settings)

        cache = FactsCache(settings.effective_cache_dir) if use_cache else None
        run_key = _run_key(settings, keys) if cache is not None else ""
        cached = cache.get_run(run_key) if cache is not None else None
        if isinstance(cached, list):
            return CheckResult(cached, files, errors, sources, load_project)
        project = load_project()
        findings = run_rules(project, selected_rules(settings), jobs=jobs)
        if cache is not None:
            cache.put_run(run_key, findings)
    return CheckResult(findings, files, errors, sources, load_project, project)


def _run_key(settings: Settings, keys: Mapping[str, str]) -> str:
    """Everything a run's findings depend on: deblock's code, the settings, every file,
    the dependency declarations rules read (the project's Django version) and the
    deployment files that tell how many workers run (DBK406)."""
    from deblock.analyzer.dependencies import dependency_files
    from deblock.analyzer.deployment import candidate_files

    digest = hashlib.sha256(code_hash().encode())
    digest.update(repr(settings).encode())
    deployment = [settings.root / relative for relative, _ in candidate_files(settings.root, keys)]
    for path in [*dependency_files(settings.root), *deployment]:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            digest.update(path.name.encode() + b"\0unreadable")
    for relpath in sorted(keys):
        digest.update(f"\0{relpath}\0{keys[relpath]}".encode())
    return digest.hexdigest()


def recheck_in_project(source: str, path: str, module: str, is_package: bool, project: Project) -> list[Finding]:
    """Rules on one module's new text, with the rest of the project as it was (the fix
    loop: project rules such as the N+1 ones need the models of other modules)."""
    facts = extract(source.encode("utf-8"), path, module, is_package)
    rebuilt = Project([*(m for m in project if m.path != path), facts], project.settings)
    return run_rules(rebuilt, selected_rules(project.settings), [facts])


def check_source(source: str, settings: Settings, path: str = "example.py", module: str = "example") -> list[Finding]:
    """Facts and rules for one in-memory module (fix loop, rule examples)."""
    facts = extract(source.encode("utf-8"), path, module, False)
    project = Project([facts], settings)
    return run_rules(project, selected_rules(settings))
