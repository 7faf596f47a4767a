"""Settings: `[tool.deblock]` in pyproject.toml, or deblock.toml / .deblock.toml.

The closest config file to the first path wins (ruff's model: no merging of
parents; `extend = "path"` pulls another file in explicitly). CLI flags override the
file. Unknown keys and unknown rule codes are errors with the closest valid name.
"""

from __future__ import annotations

import dataclasses
import difflib
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_FILES = (".deblock.toml", "deblock.toml", "pyproject.toml")
ASYNC_LIBRARIES = ("asyncio", "anyio", "trio")
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules", "build", "dist",
    "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".deblock_cache", "site-packages", "__pypackages__", ".eggs", "*.egg-info",
)


class ConfigError(Exception):
    """A problem with the configuration or the command line; reported in one line, exit 2."""


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)  # directory of the config file, else cwd
    config_path: Path | None = None
    select: tuple[str, ...] = ("DBK",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    async_library: str | None = None  # None: decided per module from its imports, else asyncio
    target_version: tuple[int, int] = (3, 10)
    target_django: tuple[int, ...] | None = None
    blocking_calls: tuple[tuple[str, str], ...] = ()
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    cache_dir: Path | None = None  # None: <root>/.deblock_cache
    unsafe_fixes: bool = False

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def options_for(self, code: str) -> dict[str, Any]:
        return dict(dict(self.rule_options).get(code, ()))

    @property
    def effective_cache_dir(self) -> Path:
        return self.cache_dir or self.root / ".deblock_cache"


# key -> (Settings field, parser)
def _codes(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of rule codes or prefixes")
    return tuple(validate_selector(v, key) for v in value)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings")
    return tuple(value)


def _per_file(value: Any, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = [codes]")
    return tuple((pattern, _codes(codes, f"{key}.{pattern}")) for pattern, codes in value.items())


def _async_library(value: Any, key: str) -> str:
    if value not in ASYNC_LIBRARIES:
        raise ConfigError(f"`{key}` must be one of {', '.join(ASYNC_LIBRARIES)}, got {value!r}{_suggest(str(value), ASYNC_LIBRARIES)}")
    return value


def parse_version(value: Any, key: str, prefix: str = "py") -> tuple[int, ...]:
    text = str(value).strip().lower().removeprefix(prefix).lstrip(">=~^ ")
    if "." not in text and text.isdigit() and len(text) >= 2 and prefix == "py":
        text = f"{text[0]}.{text[1:]}"  # py311 -> 3.11
    try:
        return tuple(int(p) for p in text.split(".")[:3] if p != "*")
    except ValueError:
        raise ConfigError(f"`{key}` is not a version: {value!r}") from None


def _target_version(value: Any, key: str) -> tuple[int, int]:
    # A TOML float loses information (3.10 reads as 3.1), and "py3" names no minor version.
    if not isinstance(value, str):
        raise ConfigError(f'`{key}` must be a string such as "py311" or "3.11", got {value!r}')
    version = parse_version(value, key)
    if len(version) < 2:
        raise ConfigError(f'`{key}` needs a major and a minor version such as "py311" or "3.11", got {value!r}')
    return version[0], version[1]


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{key}` must be true or false")
    return value


def _blocking_calls(value: Any, key: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError(f'`{key}` must be a table of "qualified.name" = "suggestion"')
    for name in value:
        if not name.replace("*", "x").replace(".", "").replace("_", "").isalnum():
            raise ConfigError(f"`{key}`: {name!r} is not a dotted name")
    return tuple(value.items())


_KEYS: dict[str, tuple[str, Any]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "per-file-ignores": ("per_file_ignores", _per_file),
    "exclude": ("exclude", _strings),
    "extend-exclude": ("extend_exclude", _strings),
    "respect-gitignore": ("respect_gitignore", _bool),
    "force-exclude": ("force_exclude", _bool),
    "async-library": ("async_library", _async_library),
    "target-version": ("target_version", lambda v, k: _target_version(v, k)),
    "target-django": ("target_django", lambda v, k: parse_version(v, k, prefix="")),
    "blocking-calls": ("blocking_calls", _blocking_calls),
    "cache-dir": ("cache_dir", lambda v, k: Path(v)),
    "unsafe-fixes": ("unsafe_fixes", _bool),
}
_META_KEYS = ("extend", "rules")


def _suggest(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    # `DBK1O1` is `DBK101` mistyped, though difflib ties it with DBK111, DBK131...
    lookalike = word.upper().translate(str.maketrans("OIL", "011"))
    close = [lookalike] if lookalike in choices else difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f" (did you mean `{close[0]}`?)" if close else ""


def known_codes() -> tuple[str, ...]:
    from deblock.rules import all_rules

    return tuple(r.code for r in all_rules())


def validate_selector(selector: str, key: str = "select") -> str:
    selector = selector.strip().upper()
    codes = known_codes()
    if selector == "ALL" or any(code.startswith(selector) for code in codes):
        return "DBK" if selector == "ALL" else selector
    raise ConfigError(f"`{key}`: unknown rule code or prefix `{selector}`{_suggest(selector, codes)}")


def find_config(start: Path) -> Path | None:
    """The closest config file at or above `start` (a pyproject without [tool.deblock] is skipped)."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and "deblock" not in _read_toml(candidate).get("tool", {}):
                continue
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _table(path: Path) -> dict[str, Any]:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("deblock", {})
    return data


def _requires_python(path: Path) -> tuple[int, int] | None:
    pyproject = path.parent / "pyproject.toml"
    if not pyproject.is_file():
        return None
    spec = _read_toml(pyproject).get("project", {}).get("requires-python")
    if not isinstance(spec, str):
        return None
    # The lower bound: `>=3.11`, `~=3.11` (compatible release) or `==3.11.*`, in any clause.
    for clause in spec.split(","):
        clause = clause.strip()
        if clause[:2] not in (">=", "~=", "==") or clause.startswith("==="):
            continue
        try:
            version = parse_version(clause[2:], "requires-python", prefix="")
        except ConfigError:
            return None
        if version:
            return (version[0], version[1] if len(version) > 1 else 0)
    return None


def load_file(path: Path, _seen: frozenset[Path] = frozenset()) -> Settings:
    path = path.resolve()
    if path in _seen:
        raise ConfigError(f"{path}: `extend` forms a cycle")
    table = _table(path)
    base = Settings(root=path.parent, config_path=path)
    if "extend" in table:
        extended = (path.parent / str(table["extend"])).resolve()
        if not extended.is_file():
            raise ConfigError(f"{path}: `extend` names a missing file: {extended}")
        base = load_file(extended, _seen | {path}).replace(root=path.parent, config_path=path)
    elif (version := _requires_python(path)) is not None:
        base = base.replace(target_version=version)
    return apply_table(base, table, str(path.name))


def apply_table(settings: Settings, table: Mapping[str, Any], where: str = "config") -> Settings:
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key in _META_KEYS:
            continue
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key `{key}`{_suggest(key, [*_KEYS, *_META_KEYS])}")
        attribute, parse = _KEYS[key]
        changes[attribute] = parse(value, key)
    if "rules" in table:
        changes["rule_options"] = _rule_options(table["rules"], where)
    if isinstance(changes.get("cache_dir"), Path) and not changes["cache_dir"].is_absolute():
        changes["cache_dir"] = settings.root / changes["cache_dir"]
    return settings.replace(**changes)


def _rule_options(table: Any, where: str) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    from deblock.rules import rule_by_code

    if not isinstance(table, dict):
        raise ConfigError(f"{where}: `rules` must be a table of [rules.DBKnnn] tables")
    out = []
    for code, options in table.items():
        rule = rule_by_code(code)
        if rule is None:
            raise ConfigError(f"{where}: unknown rule `{code}` in [rules]{_suggest(code.upper(), known_codes())}")
        fields = {f.name.replace("_", "-"): f for f in dataclasses.fields(rule.Options)} if rule.Options else {}
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: [rules.{code}] must be a table")
        for name in options:
            if name not in fields:
                hint = _suggest(name, fields) if fields else f" ({code} has no options)"
                raise ConfigError(f"{where}: unknown option `{name}` for {code}{hint}")
        out.append((rule.code, tuple((fields[k].name, v) for k, v in options.items())))
    return tuple(out)


def load(paths: Iterable[Path], config_file: Path | None = None, isolated: bool = False) -> Settings:
    if isolated:
        return Settings()
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"config file not found: {config_file}")
        return load_file(config_file)
    first = next(iter(paths), Path.cwd())
    found = find_config(first if first.exists() else Path.cwd())
    return load_file(found) if found else Settings()
