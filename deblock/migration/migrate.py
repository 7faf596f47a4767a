"""`deblock migrate`: apply the plan of `deblock plan` with LibCST, never re-deciding it.

1. **Plan, then refuse what cannot be written exactly.** `build_plan` gives every edit.
   A function becoming async is kept sync instead (the plan is rebuilt with it as a
   stop, so its callers get bridges rather than awaits) when:
   - one of its awaits sits where `await` cannot go (a lambda, a generator expression, a
     nested sync function), or a sync caller on the event loop would need `async_to_sync`
     (a manual bridge) or a manual unwrap;
   - its only reasons to become async are swaps that will not be applied (unsafe swaps
     without `--unsafe`, swaps with no codemod): recolouring it would buy nothing;
   - a sync-only `with` block in it cannot be extracted exactly (`return`, `yield`,
     `await`, `break`/`continue` leaving the block, `global`/`nonlocal`, `super()`);
   - an `async for` swap has no codemod (a generator expression over a QuerySet).
2. **Edits** (one LibCST pass per file, all spans from the original text): `def` → `async
   def`, `await` at call sites, swaps through their codemods (a skipped or codemod-less
   swap in async code keeps the sync call in a worker thread: `await sync_to_async(f)(...)`
   for Django, `await asyncio.to_thread(f, ...)` otherwise), bridges (`with` blocks
   extracted, offloads unwrapped, `async_to_sync` at sync callers, worker-thread calls).
3. **Verify**: every output must parse (else nothing is written: `MigrateError`); then
   the project is re-checked (in memory for a dry run) and DBK110/DBK111/DBK120 findings
   in the changed files are reported.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import libcst as cst
from libcst.codemod import CodemodContext, TransformFailure, transform_module

from deblock.analyzer.project import Project
from deblock.analyzer.spans import parse_in_characters, tree_span as _span
from deblock.codemods import codemods
from deblock.codemods._base import SpanCodemod
from deblock.codemods.apply import unified_diff, write_atomic
from deblock.migration.hazards import Hazard
from deblock.migration.plan import BECOMES_ASYNC, Plan, build_plan
from deblock.model import Applicability, Fix, Span

RECHECK_CODES = ("DBK110", "DBK111", "DBK120")
_OFFLOAD_RUNNERS = ("to_thread", "run_in_executor", "run_sync", "run_in_threadpool")


class MigrateError(RuntimeError):
    """The migration could not be written (an output did not parse): one line, exit 2."""


@dataclass
class Skipped:
    function: str
    path: str
    line: int
    what: str  # one line: what was not done and why


@dataclass
class Migration:
    plan: Plan
    originals: dict[str, str] = field(default_factory=dict)  # path -> text before
    results: dict[str, str] = field(default_factory=dict)  # path -> text after (changed files only)
    edits: dict[str, int] = field(default_factory=dict)  # path -> number of edits applied
    skipped: list[Skipped] = field(default_factory=list)
    kept_sync: dict[str, str] = field(default_factory=dict)  # function -> why migrate kept it sync
    remaining: list[Any] = field(default_factory=list)  # DBK110/111/120 findings after the migration
    created: set[str] = field(default_factory=set)  # paths of files the migration adds (`quart_db.py`)

    def diff(self) -> str:
        return "".join(unified_diff(p, self.originals[p], self.results[p]) for p in sorted(self.results))


# ---------------------------------------------------------------------- one pass, many codemods
class _Composite(SpanCodemod):
    """Runs several span codemods in one LibCST pass, so that every fix's span refers to
    the original text. Each node goes through the codemods that define a hook for it."""

    NAME = ""

    def __init__(self, context: CodemodContext, parts: Sequence[SpanCodemod]) -> None:
        super().__init__(context, ())
        self._parts = list(parts)

    def _hooks(self, name: str) -> list[Any]:
        base = getattr(cst.CSTTransformer, name, None)
        return [getattr(p, name) for p in self._parts if getattr(type(p), name, None) not in (None, base)]

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module):
            for part in self._parts:  # the codemod run replaced the context (it now has the module's wrapper)
                part.metadata = self.metadata
                part.context = self.context
        results = [hook(node) for hook in self._hooks(f"visit_{type(node).__name__}")]
        return not (results and all(r is False for r in results))

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        for hook in self._hooks(f"leave_{type(original_node).__name__}"):
            if type(updated_node) is not type(original_node):
                break
            updated_node = hook(original_node, updated_node)
        return updated_node


def apply_fixes(source: str, fixes: Sequence[Fix], filename: str = "") -> tuple[str, list[Fix]]:
    """Apply fixes of several codemods to one file in one pass; (new text, fixes located)."""
    registry = codemods()
    context = CodemodContext(filename=filename)
    parts = []
    for name in sorted({f.codemod for f in fixes}):
        parts.append(registry[name](context, [f for f in fixes if f.codemod == name]))
    composite = _Composite(context, parts)
    result = transform_module(composite, source)
    if isinstance(result, TransformFailure):
        raise MigrateError(f"{filename}: the migration could not be applied: {result.error}")
    code = getattr(result, "code", source)
    if code.startswith("\n") and not source.startswith("\n"):  # a removed first import leaves a blank line
        code = code.lstrip("\n")
    return code, [f for p in parts for f in p.applied]


# ---------------------------------------------------------------------- source checks
class _Sources:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, str] = {}
        self.trees: dict[str, ast.Module] = {}
        self.parents: dict[str, dict[ast.AST, ast.AST]] = {}

    def text(self, path: str) -> str:
        if path not in self.texts:
            self.texts[path] = (self.root / path).read_text(encoding="utf-8")
        return self.texts[path]

    def tree(self, path: str) -> ast.Module:
        if path not in self.trees:
            tree = parse_in_characters(self.text(path))  # columns in characters, like the plan's spans
            self.trees[path] = tree
            self.parents[path] = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        return self.trees[path]

    def node(self, path: str, span: Span, kinds: tuple[type, ...]) -> ast.AST | None:
        for node in ast.walk(self.tree(path)):
            if isinstance(node, kinds) and _span(node) == span:
                return node
        return None

    def ancestors(self, path: str, node: ast.AST) -> list[ast.AST]:
        self.tree(path)
        found, parents = [], self.parents[path]
        while node in parents:
            node = parents[node]
            found.append(node)
        return found


def _await_blocker(sources: _Sources, path: str, span: Span) -> str | None:
    """Why `await` cannot be written at this call site, if it cannot."""
    call = sources.node(path, span, (ast.Call,))
    if call is None:
        return "the call site was not found in the source"
    for parent in sources.ancestors(path, call):
        if isinstance(parent, ast.Lambda):
            return "it is called inside a lambda"
        if isinstance(parent, ast.GeneratorExp):
            return "it is called inside a generator expression"
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
    return "it is called at module level"


def _block_names(sources: _Sources, path: str, block: ast.With, fn: ast.AST) -> tuple[str | None, list[str], list[str]]:
    """(refusal, returns, nonlocals) for extracting `block` from `fn`."""
    inside: set[ast.AST] = set()

    def own(node: ast.AST, loop: bool) -> str | None:
        for child in ast.iter_child_nodes(node):
            inside.add(child)
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                inside.update(ast.walk(child))
                continue
            if isinstance(child, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)):
                return f"the block contains `{type(child).__name__.lower()}`"
            if isinstance(child, (ast.Break, ast.Continue)) and not loop:
                return "the block leaves an enclosing loop (`break`/`continue`)"
            if isinstance(child, ast.Name) and child.id == "super":
                return "the block calls `super()`"
            why = own(child, loop or isinstance(child, (ast.For, ast.While, ast.AsyncFor)))
            if why:
                return why
        return None

    why = own(block, False)
    if why:
        return why, [], []
    stored_in = {n.id for n in inside if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    stored_in |= {n.name for n in inside if isinstance(n, ast.ExceptHandler) and n.name}
    outside = [n for n in ast.walk(fn) if n not in inside and n is not block]
    params = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)} if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) else set()  # type: ignore[attr-defined]
    stored_out = params | {n.id for n in outside if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    loaded_after = {n.id for n in outside if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                    and (n.lineno, n.col_offset) > (block.end_lineno or 0, block.end_col_offset or 0)}
    nonlocals = sorted(stored_in & stored_out)
    returns = sorted((stored_in - stored_out) & loaded_after)
    return None, returns, nonlocals


# ---------------------------------------------------------------------- the engine
class _Migrator:
    def __init__(self, project: Project, patterns: Sequence[str], all_views: bool, unsafe: bool,
                 target: str | None = None) -> None:
        self.project = project
        self.target = target
        self.patterns = patterns
        self.all_views = all_views
        self.unsafe = unsafe
        self.sources = _Sources(project.settings.root)
        self.django = project.imports("django")

    def _library(self, path: str) -> str:
        if self.django:
            return "asgiref"
        module = self.project.files.get(path)
        return self.project.async_library(module) if module is not None else "asyncio"

    def _applies(self, swap: Any) -> bool:
        return swap.safety == "safe" or self.unsafe

    def _swap_codemod(self, swap: Any) -> str | None:
        if swap.codemod:
            return swap.codemod
        if swap.from_.startswith("builtins.") and swap.from_.partition(".")[2] in ("list", "tuple", "set", "sorted", "len", "bool"):
            return "queryset_builtin_to_async"
        return None

    def _not_applied(self, swap: Any) -> str:
        if not self._swap_codemod(swap):
            return "no codemod"
        return "unsafe swap (rerun with --unsafe)"

    def _hazard(self, qualname: str, message: str) -> Hazard:
        fn = self.project.functions.get(qualname)
        module = self.project.module_of(qualname)
        return Hazard("", "migrate", qualname, module.path if module else "", fn.span if fn else Span(1, 0, 1, 0),
                      message, "kept sync by `deblock migrate`", True)

    def _refusals(self, plan: Plan) -> dict[str, Hazard]:
        stops: dict[str, Hazard] = {}
        becoming = set(plan.becoming_async())
        awaited_in: dict[str, int] = {}
        for pf in plan.functions:
            for site in pf.awaits:
                awaited_in[site.caller] = awaited_in.get(site.caller, 0) + 1
                why = _await_blocker(self.sources, site.path, site.span)
                if why and pf.qualname in becoming:
                    stops[pf.qualname] = self._hazard(pf.qualname, f"`await` cannot be added in `{site.caller}`: {why}")
            for bridge in pf.bridges:
                if bridge.manual and bridge.kind in ("async_to_sync", "unwrap") and bridge.target in becoming:
                    stops[bridge.target] = self._hazard(bridge.target, f"a bridge in `{pf.qualname}` needs a hand edit: {bridge.reason}")
        for pf in plan.functions:
            if pf.qualname in stops:
                continue
            if pf.status == BECOMES_ASYNC:
                applied = [s for s in pf.swaps if self._applies(s) and self._swap_codemod(s)]
                unwraps = [b for b in pf.bridges if b.kind == "unwrap" and not b.manual]
                if pf.swaps and not applied and not awaited_in.get(pf.qualname) and not unwraps:
                    why = "; ".join(sorted({f"`{s.from_}`: {self._not_applied(s)}" for s in pf.swaps}))
                    stops[pf.qualname] = self._hazard(pf.qualname, f"none of its async twins is applied ({why})")
                    continue
            for swap in pf.swaps:
                if pf.status != BECOMES_ASYNC or (self._applies(swap) and self._swap_codemod(swap)):
                    continue
                if swap.family == "sqlalchemy":
                    stops[pf.qualname] = self._hazard(pf.qualname, f"`{swap.from_}` needs AsyncSession, which migrate "
                                                                   "does not write (a Session is not thread-safe)")
                elif swap.awaited != "await" or self.sources.node(swap.path, swap.span, (ast.Call,)) is None:
                    stops[pf.qualname] = self._hazard(pf.qualname, f"`{swap.from_}` → `{swap.to}` is not applied and "
                                                                   "cannot run in a worker thread")
            for bridge in pf.bridges:
                if bridge.kind in ("sync_to_async", "to_thread") and not bridge.manual and pf.status == BECOMES_ASYNC:
                    block = self.sources.node(bridge.path, bridge.span, (ast.With,))
                    if block is not None:
                        fn = self._def_node(pf.qualname, bridge.path)
                        why = _block_names(self.sources, bridge.path, block, fn)[0] if fn else "function not found"
                        if why:
                            stops[pf.qualname] = self._hazard(pf.qualname, f"the `with` block at line {bridge.span.line} "
                                                                           f"cannot be extracted: {why}")
        return stops

    def _def_node(self, qualname: str, path: str) -> ast.AST | None:
        fn = self.project.functions.get(qualname)
        if fn is None:
            return None
        for node in ast.walk(self.sources.tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.name and (
                    node.lineno == fn.span.line or (node.decorator_list and node.decorator_list[0].lineno == fn.span.line)):
                return node
        return None

    def plan(self) -> tuple[Plan, dict[str, Hazard]]:
        stops: dict[str, Hazard] = {}
        plan = build_plan(self.project, self.patterns, self.all_views, stops, self.target)
        for _ in range(20):
            new = {q: h for q, h in self._refusals(plan).items() if q not in stops}
            if not new:
                break
            stops.update(new)
            plan = build_plan(self.project, self.patterns, self.all_views, stops, self.target)
        return plan, stops

    def fixes(self, plan: Plan, migration: Migration) -> dict[str, list[Fix]]:
        out: dict[str, list[Fix]] = {}
        safe = Applicability.SAFE

        def add(path: str, codemod: str, span: Span, title: str, **args: str) -> None:
            out.setdefault(path, []).append(Fix(codemod, span, title, safe, tuple(sorted(args.items()))))

        def skip(function: str, path: str, span: Span, what: str) -> None:
            migration.skipped.append(Skipped(function, path, span.line, what))

        for pf in plan.functions:
            async_after = pf.status != "stays_sync"
            if pf.status == BECOMES_ASYNC:
                add(pf.path, "def_to_async_def", pf.span, "async def")
            for site in pf.awaits:
                add(site.path, "insert_await", site.span, f"await {site.text}()")
            for swap in pf.swaps:
                codemod = self._swap_codemod(swap)
                library = self._library(swap.path)
                if codemod and self._applies(swap):
                    args = dict(swap.args)
                    if codemod == "queryset_builtin_to_async":
                        args["builtin"] = swap.from_.partition(".")[2]
                    if codemod == "requests_to_httpx":
                        args["library"] = library
                    add(swap.path, codemod, swap.span, f"{swap.from_} -> {swap.to}", **args)
                    continue
                why = "unsafe swap skipped (use --unsafe)" if codemod else "no codemod for this swap"
                offload = swap.family != "sqlalchemy"  # a Session is not thread-safe: never moved to a thread
                if offload and async_after and swap.awaited == "await" and self.sources.node(swap.path, swap.span, (ast.Call,)):
                    add(swap.path, "offload_to_thread", swap.span, f"{swap.from_} in a worker thread", library=library)
                    skip(pf.qualname, swap.path, swap.span, f"`{swap.from_}` → `{swap.to}`: {why}; the sync call runs "
                                                            "in a worker thread instead")
                else:
                    skip(pf.qualname, swap.path, swap.span, f"`{swap.from_}` → `{swap.to}`: {why}; left as it is")
            for bridge in pf.bridges:
                if bridge.manual:
                    skip(pf.qualname, bridge.path, bridge.span, f"{bridge.kind} by hand: {bridge.reason}")
                    continue
                if bridge.kind == "unwrap":
                    call = self.sources.node(bridge.path, bridge.span, (ast.Call,))
                    if not isinstance(call, ast.Call):
                        skip(pf.qualname, bridge.path, bridge.span, f"unwrap: call not found ({bridge.reason})")
                    elif isinstance(call.func, ast.Call):
                        add(bridge.path, "unwrap_offload", bridge.span, "unwrap", form="wrapper")
                    elif isinstance(outer := self.sources.ancestors(bridge.path, call)[0], ast.Call) and outer.func is call:
                        add(bridge.path, "unwrap_offload", _span(outer), "unwrap", form="wrapper")
                    else:
                        text = ast.unparse(call.func)
                        add(bridge.path, "unwrap_offload", bridge.span, "unwrap", form="runner",
                            skip="1" if text.endswith("run_in_executor") else "0")
                elif bridge.kind == "async_to_sync":
                    add(bridge.path, "wrap_async_to_sync", bridge.span, "async_to_sync",
                        library="asgiref" if self.django or self.project.imports("asgiref") else "asyncio")
                else:
                    block = self.sources.node(bridge.path, bridge.span, (ast.With,))
                    if block is not None and isinstance(block, ast.With):
                        fn = self._def_node(pf.qualname, bridge.path)
                        why, returns, nonlocals = _block_names(self.sources, bridge.path, block, fn) if fn else ("?", [], [])
                        if why:
                            skip(pf.qualname, bridge.path, bridge.span, f"`with` block not extracted: {why}")
                            continue
                        base = f"_{pf.qualname.rpartition('.')[2].strip('_')}_atomic"
                        add(bridge.path, "extract_atomic_block", bridge.span, "extract block", name=base,
                            returns=",".join(returns), nonlocals=",".join(nonlocals))
                    elif self.sources.node(bridge.path, bridge.span, (ast.Call,)) is not None:
                        library = "asgiref" if bridge.kind == "sync_to_async" else self._library(bridge.path)
                        add(bridge.path, "offload_to_thread", bridge.span, f"{bridge.target} in a worker thread",
                            library=library)
                    else:
                        skip(pf.qualname, bridge.path, bridge.span, f"{bridge.kind}: span not found ({bridge.reason})")
        return out


def migrate(project: Project, patterns: Sequence[str] = (), all_views: bool = False, unsafe: bool = False,
            target: str | None = None) -> Migration:
    """Compute the migrated text of every file the plan changes (nothing is written)."""
    migrator = _Migrator(project, patterns, all_views, unsafe, target)
    plan, stops = migrator.plan()
    migration = Migration(plan, kept_sync={q: h.message for q, h in stops.items()})
    all_fixes = migrator.fixes(plan, migration)
    if target == "quart":
        from deblock.migration.quart_apply import quart_project_fixes

        quart_project_fixes(project, migrator.sources, plan, all_fixes, migration)
    for path, fixes in sorted(all_fixes.items()):
        source = migrator.sources.text(path)
        result, located = apply_fixes(source, fixes, path)
        missing = [f for f in fixes if f not in located]
        for fix in missing:
            migration.skipped.append(Skipped("", path, fix.span.line, f"{fix.codemod}: the codemod did not apply "
                                                                      f"({fix.title})"))
        try:
            ast.parse(result)
        except SyntaxError as exc:
            raise MigrateError(f"{path}: the migrated file does not parse (line {exc.lineno}); nothing was written") from None
        if result != source:
            migration.originals[path] = source
            migration.results[path] = result
            migration.edits[path] = len(located)
    return migration


def write(migration: Migration, root: Path) -> None:
    """Write every migrated file atomically; on any failure restore those already written."""
    written: list[str] = []
    try:
        for path, text in sorted(migration.results.items()):
            write_atomic(root / path, text)
            written.append(path)
    except OSError as exc:
        for path in written:
            if path in migration.created:
                (root / path).unlink(missing_ok=True)
            else:
                write_atomic(root / path, migration.originals[path])
        raise MigrateError(f"{exc}; nothing was written") from None


# ---------------------------------------------------------------------- re-check and report
def recheck(migration: Migration, paths: Sequence[Path], settings: Any, written: bool) -> list[Any]:
    """DBK110/DBK111/DBK120 findings left in the changed files (in memory for a dry run)."""
    from deblock.engine import check

    if not migration.results:
        return []
    overlay = None if written else {p: t.encode("utf-8") for p, t in migration.results.items()}
    result = check(paths, settings.replace(select=RECHECK_CODES, extend_select=(), ignore=()), overlay=overlay,
                   use_cache=False)
    return sorted((f for f in result.findings if f.code in RECHECK_CODES and f.path in migration.results),
                  key=lambda f: f.sort_key)


def summary(migration: Migration) -> str:
    lines = []
    if migration.results:
        lines.append(f"Migrated {len(migration.results)} file(s), {sum(migration.edits.values())} edit(s):")
        lines += [f"  {path}: {migration.edits[path]} edit(s)" for path in sorted(migration.results)]
    else:
        lines.append("Nothing to migrate.")
    becoming = migration.plan.becoming_async()
    lines.append(f"{len(becoming)} function(s) become async.")
    if migration.kept_sync:
        lines.append(f"Kept sync by migrate ({len(migration.kept_sync)}):")
        lines += [f"  {q}: {why}" for q, why in sorted(migration.kept_sync.items())]
    blockers = [h for h in migration.plan.blockers if h.function not in migration.kept_sync]
    if blockers:
        lines.append(f"Kept sync by the plan ({len(blockers)}):")
        lines += [f"  {h.function}: {h.message}" for h in blockers]
    if migration.skipped:
        lines.append(f"Not rewritten ({len(migration.skipped)}):")
        lines += [f"  {s.path}:{s.line}: {s.what}" for s in sorted(migration.skipped, key=lambda s: (s.path, s.line))]
    hazards = migration.plan.hazards
    if hazards:
        lines.append(f"Hazards to review ({len(hazards)}):")
        lines += [f"  {h.path}:{h.span.line}: {h.message}" for h in hazards]
    if migration.remaining:
        lines.append(f"Remaining on migrated paths ({len(migration.remaining)}):")
        lines.append(f"  {'code':<7} {'location':<50} message")
        lines += [f"  {f.code:<7} {f'{f.path}:{f.span.line}:{f.span.col + 1}':<50} {f.message}" for f in migration.remaining]
    elif migration.results:
        lines.append("Remaining on migrated paths: no DBK110/DBK111/DBK120 findings.")
    return "\n".join(lines) + "\n"


def run_migrate(project: Project, paths: Sequence[Path], settings: Any, patterns: Sequence[str], all_views: bool,
                apply: bool, unsafe: bool, echo: Any, target: str | None = None) -> int:
    """The `deblock migrate` command: exit 1 for a dry run with changes (or findings left
    after --apply), 0 otherwise; MigrateError (exit 2) when an output does not parse."""
    migration = migrate(project, patterns, all_views, unsafe, target)
    root = project.settings.root
    if apply:
        write(migration, root)
    migration.remaining = recheck(migration, paths, settings, written=apply)
    if not apply:
        diff = migration.diff()
        if diff:
            echo(diff, nl=False)
        echo(summary(migration), nl=False, err=True)
        return 1 if diff else 0
    echo(summary(migration), nl=False)
    return 1 if migration.remaining else 0
