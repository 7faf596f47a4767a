"""Which files to analyse, and what module each one is.

Directories are walked with `.gitignore` files honoured (pathspec, git's own
semantics) and `exclude`/`extend-exclude` globs applied to every path component.
Files named explicitly are always analysed unless `force-exclude` is set (as ruff
does, so pre-commit hooks can pass file names and still respect excludes).
"""

from __future__ import annotations

import fnmatch
import os
import re
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


def _package_prefix(folder: str, memo: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Package names from the nearest ancestor without `__init__.py` down to `folder`.

    A folder without `__init__.py` inside a package is a namespace portion of it
    (`pkg/models/users.py` imports as `pkg.models.users` when only `pkg/` has an
    `__init__.py`), so it keeps its parent's prefix.
    """
    known = memo.get(folder)
    if known is not None:
        return known
    is_package = os.path.isfile(os.path.join(folder, "__init__.py")) or os.path.isfile(
        os.path.join(folder, "__init__.pyi")
    )
    parent = os.path.dirname(folder)
    if not is_package:
        outer = _package_prefix(parent, memo) if parent != folder else ()
        prefix: tuple[str, ...] = (*outer, os.path.basename(folder)) if outer else ()
    elif parent == folder:
        prefix = (os.path.basename(folder),)
    else:
        prefix = (*_package_prefix(parent, memo), os.path.basename(folder))
    memo[folder] = prefix
    return prefix


def module_name(path: Path, memo: dict[str, tuple[str, ...]] | None = None) -> tuple[str, bool]:
    """Dotted module name from the nearest ancestor without `__init__.py` (src/ layouts included)."""
    text = str(path)
    folder, filename = os.path.split(text)
    stem = filename.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = _package_prefix(folder, memo if memo is not None else {}) + (() if is_package else (stem,))
    name = ".".join(parts) or os.path.basename(folder) or stem
    return name, is_package


@dataclass(frozen=True)
class Excludes:
    """Exclude globs compiled once: globs with a `/` match the root-relative path; plain
    globs match a name: the entry's own while walking (so excluding `fixtures` does not
    hide `deblock check fixtures/demo`), or any component of a path given explicitly."""

    names: re.Pattern[str] | None
    paths: re.Pattern[str] | None

    @classmethod
    def compile(cls, patterns: Iterable[str]) -> Excludes:
        names, paths = [], []
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if "/" in pattern:
                paths.extend([fnmatch.translate(pattern), fnmatch.translate(pattern + "/*")])
            else:
                names.append(fnmatch.translate(pattern))
        return cls(
            re.compile("|".join(names)) if names else None,
            re.compile("|".join(paths)) if paths else None,
        )

    def match(self, relative: str, name: str | None = None) -> bool:
        if self.paths is not None and self.paths.match(relative):
            return True
        if self.names is None:
            return False
        return any(self.names.match(part) for part in ([name] if name is not None else relative.split("/")))


def _relpath(path: Path | str, root: Path) -> str:
    text, base = str(path), str(root)
    if text.startswith(base + os.sep):
        return text[len(base) + 1 :].replace(os.sep, "/")
    if text == base:
        return "."
    return text.replace(os.sep, "/")


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    ignore_file = folder / ".gitignore"
    if not ignore_file.is_file():
        return None
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _walk(top: Path, settings: Settings, excludes: Excludes) -> Iterator[Path]:
    # Each entry: (folder whose .gitignore applies, its spec). Inherited down the walk.
    inherited: list[tuple[Path, pathspec.PathSpec]] = []
    if settings.respect_gitignore:
        for folder in reversed([top, *top.parents]):
            spec = _gitignore(folder)
            if spec is not None:
                inherited.append((folder, spec))
            if (folder / ".git").exists():  # a repository root: ignore files above it do not apply
                inherited = [(f, s) for f, s in inherited if f == folder or folder in f.parents]

    def ignored(path: Path, is_dir: bool, specs: list[tuple[Path, pathspec.PathSpec]]) -> bool:
        # git's precedence: the deepest .gitignore with a matching pattern decides, so a
        # nested `!keep.py` re-includes what a parent folder's pattern ignored.
        for folder, spec in reversed(specs):
            relative = _relpath(path, folder) + ("/" if is_dir else "")
            decision = spec.check_file(relative).include
            if decision is not None:
                return decision
        return False

    # Folders stay strings and a folder's `.gitignore` is looked for in the listing
    # already read: on Django's 2,400 folders (mostly locale data), a `Path` and a
    # `stat` per folder were a third of the walk.
    stack: list[tuple[str, list[tuple[Path, pathspec.PathSpec]]]] = [(str(top), inherited)]
    while stack:
        folder, specs = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        if settings.respect_gitignore and any(e.name == ".gitignore" for e in entries) and folder != str(top):
            local = _gitignore(Path(folder))
            if local is not None:
                specs = [*specs, (Path(folder), local)]
        for entry in entries:
            relative = _relpath(entry.path, settings.root)
            if excludes.match(relative, entry.name):
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if not is_dir and not entry.name.endswith(PYTHON_SUFFIXES):
                continue
            if specs and ignored(Path(entry.path), is_dir, specs):
                continue
            if is_dir:
                stack.append((entry.path, specs))
            elif entry.is_file():
                yield Path(entry.path)


def discover(paths: Iterable[Path], settings: Settings) -> list[SourceFile]:
    excludes = Excludes.compile((*settings.exclude, *settings.extend_exclude))
    seen: dict[Path, SourceFile] = {}
    packages: dict[str, tuple[str, ...]] = {}
    for given in paths:
        path = given.resolve() if given.is_absolute() else (Path.cwd() / given).resolve()
        if not path.exists():
            raise ConfigError(f"{given}: no such file or directory")
        relative = _relpath(path, settings.root)
        if settings.force_exclude and relative != "." and excludes.match(relative):
            continue  # as ruff: with force-exclude, excludes apply to paths named explicitly too
        files: Iterable[Path] = _walk(path, settings, excludes) if path.is_dir() else [path]
        for file in files:
            if file not in seen:
                module, is_package = module_name(file, packages)
                seen[file] = SourceFile(file, _relpath(file, settings.root), module, is_package)
    return sorted(seen.values(), key=lambda f: f.relpath)
