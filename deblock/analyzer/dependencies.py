"""The project's Django version from its dependency files, read once per run.

Looks under the project root at `requirements*.txt` (and `requirements/*.txt`),
`pyproject.toml` (`[project] dependencies`, `[tool.poetry.dependencies]`), and the
`uv.lock` / `poetry.lock` lock files. A lock file's exact version wins; otherwise the
lower bound of a specifier (`Django>=4.2,<5`, `django~=5.0`, `django==4.1.7`,
poetry's `^4.2`). Returns None when nothing names Django or no bound is given.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Version = tuple[int, ...]

_REQUIREMENT = re.compile(r"^\s*django\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)", re.IGNORECASE)
_LOWER = re.compile(r"(?:===?|>=|~=|\^|~|>)\s*(?P<version>[0-9]+(?:\.[0-9]+)*)")
_BARE = re.compile(r"^\s*(?P<version>[0-9]+(?:\.[0-9]+)*)\s*$")
_MAX_BYTES = 2_000_000  # lock files of huge monorepos are not worth parsing


def parse_version(text: str) -> Version | None:
    match = re.match(r"[0-9]+(?:\.[0-9]+)*", text.strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else None


def version_from_specifier(spec: str) -> Version | None:
    """The lowest version a specifier allows (`>=4.2,<5` -> (4, 2)); None without a lower bound."""
    bounds = [parse_version(m.group("version")) for m in _LOWER.finditer(spec)]
    bare = _BARE.match(spec)
    if bare:  # poetry: `django = "4.2"` means ==4.2
        bounds.append(parse_version(bare.group("version")))
    found = [b for b in bounds if b]
    return min(found) if found else None


def _from_requirement(line: str) -> Version | None:
    match = _REQUIREMENT.match(line)
    if not match:
        return None
    spec = match.group("spec").strip()
    if spec and spec[0] not in "=<>~!^(":  # `django-environ`, `djangorestframework`
        return None
    return version_from_specifier(spec.strip("()"))


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _toml(path: Path) -> dict:
    text = _read(path)
    if text is None:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _from_lock(root: Path) -> Version | None:
    for name in ("uv.lock", "poetry.lock"):
        for package in _toml(root / name).get("package", []):
            if isinstance(package, dict) and str(package.get("name", "")).lower() == "django":
                return parse_version(str(package.get("version", "")))
    return None


def _from_pyproject(root: Path) -> Version | None:
    data = _toml(root / "pyproject.toml")
    for requirement in data.get("project", {}).get("dependencies", []) or []:
        if isinstance(requirement, str) and (found := _from_requirement(requirement)):
            return found
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    for name, spec in poetry.items():
        if name.lower() == "django":
            spec = spec.get("version", "") if isinstance(spec, dict) else spec
            return version_from_specifier(str(spec)) if isinstance(spec, str) else None
    return None


def _from_requirements(root: Path) -> Version | None:
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in files:
        for line in (_read(path) or "").splitlines():
            found = _from_requirement(line)
            if found:
                return found
    return None


def dependency_files(root: Path) -> list[Path]:
    """Every file `django_version` may read, for cache keys (findings depend on them)."""
    names = [root / n for n in ("uv.lock", "poetry.lock", "pyproject.toml")]
    return [p for p in names if p.is_file()] + sorted(root.glob("requirements*.txt")) + sorted(
        root.glob("requirements/*.txt")
    )


def django_version(root: Path) -> Version | None:
    """The Django version the project at `root` pins or requires at least, or None."""
    return _from_lock(root) or _from_pyproject(root) or _from_requirements(root)


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_dependencies(root: Path) -> frozenset[str]:
    """Normalised names of the packages the project requires directly: `[project]
    dependencies` and optional dependencies, `[tool.poetry.dependencies]`, and
    `requirements*.txt` lines (lock files list transitive packages too, so not those)."""
    names: set[str] = set()
    data = _toml(root / "pyproject.toml")
    project = data.get("project", {})
    requirements = list(project.get("dependencies", []) or [])
    for extra in (project.get("optional-dependencies", {}) or {}).values():
        requirements += list(extra or [])
    files = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in files:
        requirements += (_read(path) or "").splitlines()
    for requirement in requirements:
        match = _NAME.match(requirement) if isinstance(requirement, str) else None
        if match and not requirement.lstrip().startswith("-"):
            names.add(_normalise(match.group(1)))
    names.update(_normalise(n) for n in data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {})
    return frozenset(names)
