"""The `deblock` command line: ruff's flag names and exit codes.

Exit codes: 0 clean (or everything fixed), 1 findings remain, 2 bad usage, bad
config or internal error. Errors are one line on stderr, never a traceback
(set DEBLOCK_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from deblock import __version__
from deblock.config import (
    ConfigError,
    Settings,
    apply_table,
    load,
    tomllib,
    validate_selector,
)
from deblock.reporters import FORMATS

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    click.echo(f"deblock: error: {message}", err=True)
    sys.exit(2)


class DeblockGroup(click.Group):
    """Turns every unexpected exception into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _fail(str(exc))
        except BrokenPipeError:
            # The reader went away (`deblock check | head`): nothing left to say. Point
            # stdout at devnull so the interpreter's final flush does not raise again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("DEBLOCK_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set DEBLOCK_DEBUG=1 for a traceback)")


@click.group(cls=DeblockGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="deblock")
def main() -> None:
    """deblock: find and fix blocking I/O, N+1 queries, per-request connections and uncached hot paths."""


def _split_codes(values: Sequence[str], key: str) -> tuple[str, ...]:
    codes = [c.strip() for value in values for c in value.split(",") if c.strip()]
    return tuple(validate_selector(c, key) for c in codes)


def _settings(paths: Sequence[Path], config: str | None, isolated: bool, **flags: Any) -> Settings:
    config_file = None
    settings: Settings
    if config and "=" in config and not Path(config).is_file():
        settings = load(paths, None, isolated)
        try:
            table = tomllib.loads(config)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--config {config!r}: not a TOML `key = value`: {exc}") from None
        settings = apply_table(settings, table, "--config")
    else:
        config_file = Path(config) if config else None
        settings = load(paths, config_file, isolated)
    changes: dict[str, Any] = {}
    if flags["select"]:
        changes["select"] = _split_codes(flags["select"], "--select")
    if flags["extend_select"]:
        changes["extend_select"] = settings.extend_select + _split_codes(flags["extend_select"], "--extend-select")
    if flags["ignore"]:
        changes["ignore"] = settings.ignore + _split_codes(flags["ignore"], "--ignore")
    if flags["per_file_ignores"]:
        pairs = []
        for item in flags["per_file_ignores"]:
            pattern, sep, codes = item.rpartition(":")
            if not sep:
                raise ConfigError(f"--per-file-ignores {item!r}: expected PATTERN:CODES")
            pairs.append((pattern, _split_codes([codes], "--per-file-ignores")))
        changes["per_file_ignores"] = settings.per_file_ignores + tuple(pairs)
    if flags["exclude"]:
        changes["exclude"] = tuple(flags["exclude"])
    if flags["extend_exclude"]:
        changes["extend_exclude"] = settings.extend_exclude + tuple(flags["extend_exclude"])
    if flags["force_exclude"]:
        changes["force_exclude"] = True
    if flags["no_respect_gitignore"]:
        changes["respect_gitignore"] = False
    if flags["target_version"]:
        changes["target_version"] = apply_table(settings, {"target-version": flags["target_version"]}).target_version
    if flags["async_library"]:
        changes["async_library"] = flags["async_library"]
    if flags["cache_dir"]:
        changes["cache_dir"] = Path(flags["cache_dir"]).resolve()
    if flags["unsafe_fixes"] is not None:
        changes["unsafe_fixes"] = flags["unsafe_fixes"]
    return settings.replace(**changes)


def check_options(func: F) -> F:
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--fix/--no-fix", default=False, help="Apply fixes (safe ones; unsafe ones too with --unsafe-fixes)."),
        click.option("--unsafe-fixes/--no-unsafe-fixes", default=None, help="Include fixes that may change behaviour."),
        click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing. Exit 1 if there is a diff or a finding."),
        click.option("--show-fixes", is_flag=True, help="List the fixes that were applied."),
        click.option("--output-format", type=click.Choice(FORMATS), envvar="DEBLOCK_OUTPUT_FORMAT", default="concise", show_default=True),
        click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the report to a file instead of stdout."),
        click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding."),
        click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated), replacing the config."),
        click.option("--extend-select", multiple=True, help="Rule codes or prefixes to enable in addition."),
        click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable."),
        click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES", help="Disable codes for files matching a glob."),
        click.option("--exclude", multiple=True, help="Globs to exclude, replacing the defaults."),
        click.option("--extend-exclude", multiple=True, help="Globs to exclude in addition to the defaults."),
        click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too."),
        click.option("--no-respect-gitignore", is_flag=True, help="Analyse files that .gitignore lists."),
        click.option("--target-version", help="Python version of the project (py310, 3.12, ...)."),
        click.option("--async-library", type=click.Choice(["asyncio", "anyio", "trio"]), help="Library that fixes and advice use."),
        click.option("--config", help="A config file, or an inline `key = value` override."),
        click.option("--isolated", is_flag=True, help="Ignore all config files."),
        click.option("-e", "--exit-zero", is_flag=True, help="Exit 0 even when findings remain."),
        click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when any file was changed, even if nothing remains."),
        click.option("-n", "--no-cache", is_flag=True, help="Do not read or write the facts cache."),
        click.option("--cache-dir", envvar="DEBLOCK_CACHE_DIR", help="Cache directory (default: .deblock_cache next to the config)."),
        click.option("--stdin-filename", help="Path to report for source read from stdin (`-`)."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes for parsing and rules (default: CPU count)."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True),
        click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary."),
        click.option("--show-files", is_flag=True, help="List the files that would be analysed, and exit."),
        click.option("--show-settings", is_flag=True, help="Print the settings in effect (and the config file), and exit."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@main.command()
@check_options
def check(paths: tuple[Path, ...], **kwargs: Any) -> None:
    """Analyse PATHS (default: the current directory) and report or fix findings."""
    from deblock.runner import run_check

    sys.exit(run_check(paths, kwargs, _settings))


_PLAN_FORMATS = ("rich", "json", "mermaid", "dot", "html")


def _project_for(paths: tuple[Path, ...], options: dict[str, Any]) -> tuple[list[Path], Settings, Project]:
    """The whole project under `paths`, as `check` builds it (config, discovery, facts
    cache): what `plan` and `migrate` start from."""
    from deblock.analyzer.discovery import discover
    from deblock.analyzer.project import Project
    from deblock.engine import gather_facts, paused_gc, read_sources

    targets = list(paths) or [Path(".")]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise ConfigError(f"{missing[0]}: no such file or directory")
    flags = dict.fromkeys(("select", "extend_select", "ignore", "per_file_ignores", "force_exclude",
                           "no_respect_gitignore", "target_version", "async_library", "cache_dir", "unsafe_fixes"))
    settings = _settings(targets, options["config"], options["isolated"], exclude=options["exclude"],
                         extend_exclude=options["extend_exclude"], **flags)
    files = discover(targets, settings)
    if not files:
        raise ConfigError("no Python files to analyse")
    with paused_gc():
        sources, keys, errors = read_sources(files)
        facts = gather_facts(files, settings, sources, keys, use_cache=not options["no_cache"], jobs=options["jobs"])
        project = Project(facts, settings)
    for error in errors:
        click.echo(f"deblock: warning: {error}", err=True)
    return targets, settings, project


_TARGETS = ("quart",)
_TARGET_HELP = ("Also move the framework: `quart` turns a Flask + Flask-SQLAlchemy app into Quart + SQLAlchemy's "
                "AsyncSession (docs/migrate.md).")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--entry", "entries", multiple=True, metavar="QUALNAME",
              help="Entry point (or function) to plan from: a qualname or a glob like `app.views.*`. Repeatable.")
@click.option("--all-views", is_flag=True, help="Plan from every HTTP entry point (views, routes, viewsets); the default.")
@click.option("--format", "output_format", type=click.Choice(_PLAN_FORMATS), default="rich", show_default=True)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False), help="Write the plan to a file instead of stdout.")
@click.option("--target", type=click.Choice(_TARGETS), help=_TARGET_HELP)
@click.option("--exclude", multiple=True, help="Globs to exclude, replacing the defaults.")
@click.option("--extend-exclude", multiple=True, help="Globs to exclude in addition to the defaults.")
@click.option("--config", help="A config file, or an inline `key = value` override.")
@click.option("--isolated", is_flag=True, help="Ignore all config files.")
@click.option("-n", "--no-cache", is_flag=True, help="Do not read or write the facts cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes for parsing (default: CPU count).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
def plan(paths: tuple[Path, ...], entries: tuple[str, ...], all_views: bool, output_format: str,
         output_file: str | None, target: str | None, **kwargs: Any) -> None:
    """Plan a sync-to-async migration: which functions become async from the chosen entry
    points, every await, library swap and bridge, in order (leaves first)."""
    from deblock.migration.plan import PlanError, build_plan
    from deblock.migration.render import render

    project = _project_for(paths, kwargs)[2]
    try:
        result = build_plan(project, entries, all_views, target=target)
    except PlanError as exc:
        raise ConfigError(str(exc)) from None
    color = {"always": True, "never": False}.get(kwargs["color"], sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    text = render(result, output_format, color=bool(color) and output_file is None)
    if output_file:
        Path(output_file).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False, color=bool(color))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--entry", "entries", multiple=True, metavar="QUALNAME",
              help="Entry point (or function) to migrate from: a qualname or a glob. Repeatable.")
@click.option("--all-views", is_flag=True, help="Migrate from every HTTP entry point (the default).")
@click.option("--apply", "apply_", is_flag=True, help="Write the files (default: print the diff and change nothing).")
@click.option("--unsafe", is_flag=True, help="Also apply swaps whose semantics differ (httpx, asyncio.sleep, ...).")
@click.option("--target", type=click.Choice(_TARGETS), help=_TARGET_HELP)
@click.option("--exclude", multiple=True, help="Globs to exclude, replacing the defaults.")
@click.option("--extend-exclude", multiple=True, help="Globs to exclude in addition to the defaults.")
@click.option("--config", help="A config file, or an inline `key = value` override.")
@click.option("--isolated", is_flag=True, help="Ignore all config files.")
@click.option("-n", "--no-cache", is_flag=True, help="Do not read or write the facts cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes for parsing (default: CPU count).")
def migrate(paths: tuple[Path, ...], entries: tuple[str, ...], all_views: bool, apply_: bool, unsafe: bool,
            target: str | None, **kwargs: Any) -> None:
    """Apply the migration plan of `deblock plan`: `async def`, awaits, async twins and
    bridges, leaves first. Prints a unified diff unless --apply (exit 1 if there are changes)."""
    from deblock.migration.migrate import MigrateError, run_migrate
    from deblock.migration.plan import PlanError

    targets, settings, project = _project_for(paths, kwargs)
    try:
        code = run_migrate(project, targets, settings, entries, all_views, apply_, unsafe, click.echo, target)
    except PlanError as exc:
        raise ConfigError(str(exc)) from None
    except MigrateError as exc:
        _fail(str(exc))
    sys.exit(code)


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Explain every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule(code: str | None, show_all: bool, output_format: str) -> None:
    """Explain a rule: what it flags, why, an example and its fix."""
    from deblock.rules import all_rules, rule_by_code

    if show_all:
        rules = list(all_rules())
    elif code is None:
        raise click.UsageError("give a rule code (e.g. DBK101) or --all")
    else:
        found = rule_by_code(code)
        if found is None:
            validate_selector(code, "rule")  # raises with a suggestion
            raise ConfigError(f"`{code}` is a prefix, not a rule code")
        rules = [found]
    if output_format == "json":
        click.echo(json.dumps([_rule_json(r) for r in rules], indent=2))
        return
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console()
    for r in rules:
        console.print(Markdown(f"# {r.name} ({r.code})\n\n" + _rule_meta(r) + "\n\n" + r.docs()))


def _rule_meta(rule: Any) -> str:
    fix = {"none": "no fix", "sometimes": "fix sometimes available", "always": "fix always available"}[rule.fix_availability.value]
    return f"*{fix}; scope: {rule.scope}; {rule.url()}*"


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "code": rule.code, "name": rule.name, "summary": rule.summary(), "explanation": rule.docs(),
        "fix": rule.fix_availability.value, "applicability": rule.applicability.value,
        "scope": rule.scope, "url": rule.url(),
    }


@main.command("list-rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(output_format: str) -> None:
    """List every rule with its code, name and fix availability."""
    from deblock.rules import all_rules

    if output_format == "json":
        click.echo(json.dumps([_rule_json(r) for r in all_rules()], indent=2))
        return
    import shutil

    width = shutil.get_terminal_size((100, 24)).columns
    rules = all_rules()
    name_width = max(len(r.name) for r in rules)
    for r in rules:
        fix = {"none": "   ", "sometimes": "(*)", "always": " * "}[r.fix_availability.value]
        line = f"{r.code}  {r.name:<{name_width}}  {fix}  {r.summary()}"
        click.echo(line if len(line) <= width else line[: width - 1] + "…")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def clean(paths: tuple[Path, ...]) -> None:
    """Remove the facts cache of the project at PATHS (default: here)."""
    import shutil

    settings = load(list(paths) or [Path.cwd()])
    target = settings.effective_cache_dir
    if (target / "CACHEDIR.TAG").is_file():
        shutil.rmtree(target)
        click.echo(f"Removed {target}", err=True)

