"""Content-addressed facts cache in `.deblock_cache/`.

Key = sha256(file bytes, path, module name) inside a folder named after the deblock
version and a hash of the facts code, so a changed gatherer never reads stale facts.
Entries are written to a temporary file and renamed into place (`os.replace` is
atomic), so two runs sharing one cache directory never see a half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from deblock import __version__
from deblock.analyzer.facts.model import ModuleFacts

_RUNS_KEPT = 8  # run results kept: a few branches or configurations in rotation
_CACHEDIR_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# deblock facts cache; see https://bford.info/cachedir/\n"


@cache
def schema_hash() -> str:
    """Hash of the code that shapes facts: any change to it invalidates the cache."""
    digest = hashlib.sha256(__version__.encode())
    package = resources.files("deblock.analyzer")
    for name in ("parse.py", "facts/model.py", "facts/gather.py", "facts/resolve.py", "facts/suppressions.py"):
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def code_hash() -> str:
    """Hash of all of deblock's code and data: a finding computed by other rules is stale."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(data: bytes, relpath: str, module: str, is_package: bool) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{relpath}\0{module}\0{is_package}".encode())
    return digest.hexdigest()


class FactsCache:
    def __init__(self, directory: Path) -> None:
        self.root = directory
        self.directory = directory / f"facts-{schema_hash()}"

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> ModuleFacts | None:
        try:
            with open(self._path(key), "rb") as handle:
                facts = pickle.load(handle)
        except Exception:  # noqa: BLE001 - unpickling garbage can raise almost anything
            return None  # missing or unreadable: recompute (a corrupt entry is simply replaced)
        return facts if isinstance(facts, ModuleFacts) else None

    def put(self, key: str, facts: ModuleFacts) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._mark_root()
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except OSError:
            return  # a read-only or full disk only costs speed, never correctness
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(facts, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # never leave a half-written temporary file behind

    # A whole run's findings, keyed by every input (see engine.check): an unchanged
    # tree re-checked with unchanged settings skips facts, index and rules entirely.
    def get_run(self, key: str) -> Any:
        try:
            with open(self.root / "runs" / f"{key}.pickle", "rb") as handle:
                return pickle.load(handle)
        except Exception:  # noqa: BLE001 - any unreadable entry is a miss
            return None

    def put_run(self, key: str, value: Any) -> None:
        folder = self.root / "runs"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._mark_root()
            fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, folder / f"{key}.pickle")
            entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
            for stale in entries[:-_RUNS_KEPT]:
                stale.unlink(missing_ok=True)
        except OSError:
            pass

    def _mark_root(self) -> None:
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_CACHEDIR_TAG)
            (self.root / ".gitignore").write_text("# Automatically created by deblock.\n*\n")
