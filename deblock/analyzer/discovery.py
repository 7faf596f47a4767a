"""Which files to analyse, and what module each one is.

Directories are walked with `.gitignore` files honoured (pathspec, git's own
semantics) and `exclude`/`extend-exclude` globs applied to every path component.
Files named explicitly are always analysed unless `force-exclude` is set (as ruff
does, so pre-commit hooks can pass file names and still respect excludes).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from deblock.config import ConfigError, Settings

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # absolute
    relpath: str  # POSIX, relative to the project root (or absolute when outside it)
    module: str
    is_package: bool


def module_name(path: Path) -> tuple[str, bool]:
    """Dotted module name from the nearest ancestor without `__init__.py` (src/ layouts included)."""
    is_package = path.stem == "__init__"
    parts = [] if is_package else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() or (folder / "__init__.pyi").is_file():
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    name = ".".join(reversed(parts)) or path.parent.name or path.stem
    return name, is_package


def _excluded(relative: str, patterns: Iterable[str], name: str | None = None) -> bool:
    """Does an exclude glob match? Globs with a `/` match the root-relative path; plain
    globs match a name: the entry's own while walking (so excluding `fixtures` does not
    hide `deblock check fixtures/demo`), or any component of a path given explicitly."""
    names = [name] if name is not None else relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative, pattern + "/*"):
                return True
        elif any(fnmatch.fnmatch(part, pattern) for part in names):
            return True
    return False


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    ignore_file = folder / ".gitignore"
    if not ignore_file.is_file():
        return None
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(top: Path, settings: Settings, patterns: tuple[str, ...]) -> Iterator[Path]:
    # Each entry: (folder whose .gitignore applies, its spec). Inherited down the walk.
    inherited: list[tuple[Path, pathspec.PathSpec]] = []
    if settings.respect_gitignore:
        for folder in reversed([top, *top.parents]):
            spec = _gitignore(folder)
            if spec is not None:
                inherited.append((folder, spec))
            if (folder / ".git").exists() and folder != top:
                inherited = [(f, s) for f, s in inherited if f == folder or folder in f.parents]

    def ignored(path: Path, is_dir: bool, specs: list[tuple[Path, pathspec.PathSpec]]) -> bool:
        for folder, spec in specs:
            relative = _relpath(path, folder) + ("/" if is_dir else "")
            if spec.match_file(relative):
                return True
        return False

    stack = [(top, inherited)]
    while stack:
        folder, specs = stack.pop()
        if settings.respect_gitignore and (local := _gitignore(folder)) is not None and folder != top:
            specs = [*specs, (folder, local)]
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            relative = _relpath(path, settings.root)
            if _excluded(relative, patterns, entry.name):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if ignored(path, is_dir, specs):
                continue
            if is_dir:
                stack.append((path, specs))
            elif entry.name.endswith(PYTHON_SUFFIXES) and entry.is_file():
                yield path


def discover(paths: Iterable[Path], settings: Settings) -> list[SourceFile]:
    patterns = (*settings.exclude, *settings.extend_exclude)
    seen: dict[Path, SourceFile] = {}
    for given in paths:
        path = given.resolve() if given.is_absolute() else (Path.cwd() / given).resolve()
        if not path.exists():
            raise ConfigError(f"{given}: no such file or directory")
        if path.is_dir():
            files: Iterable[Path] = _walk(path, settings, patterns)
        else:
            if settings.force_exclude and _excluded(_relpath(path, settings.root), patterns):
                continue
            files = [path]
        for file in files:
            if file not in seen:
                module, is_package = module_name(file)
                seen[file] = SourceFile(file, _relpath(file, settings.root), module, is_package)
    return sorted(seen.values(), key=lambda f: f.relpath)
