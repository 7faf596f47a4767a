"""The content-addressed facts cache and its use by the engine."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from pathlib import Path

import pytest

import deblock.engine
from deblock.analyzer.cache import FactsCache, cache_key, schema_hash
from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.parse import extract
from deblock.config import Settings
from deblock.engine import check

SOURCE = b"import time\n\nasync def view():\n    time.sleep(1)\n"


def facts_for(data: bytes = SOURCE, path: str = "app.py", module: str = "app") -> ModuleFacts:
    return extract(data, path, module, False)


def key_for(data: bytes = SOURCE, path: str = "app.py", module: str = "app", is_package: bool = False) -> str:
    return cache_key(data, path, module, is_package)


# ---------------------------------------------------------------------- FactsCache
def test_round_trip(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / ".deblock_cache")
    facts = facts_for()
    cache.put(key_for(), facts)
    assert cache.get(key_for()) == facts
    # A fresh instance (another run) reads the same entry.
    assert FactsCache(tmp_path / ".deblock_cache").get(key_for()) == facts


def test_miss_on_empty_cache(tmp_path: Path) -> None:
    assert FactsCache(tmp_path / "cache").get(key_for()) is None


def test_changed_content_misses(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "cache")
    cache.put(key_for(), facts_for())
    changed = SOURCE.replace(b"sleep(1)", b"sleep(2)")
    assert cache.get(key_for(changed)) is None


@pytest.mark.parametrize(
    ("path", "module", "is_package"),
    [
        pytest.param("other.py", "app", False, id="path"),
        pytest.param("app.py", "pkg.app", False, id="module"),
        pytest.param("app.py", "app", True, id="is-package"),
    ],
)
def test_key_depends_on_identity_not_only_content(path: str, module: str, is_package: bool) -> None:
    assert cache_key(SOURCE, path, module, is_package) != key_for()


def test_key_is_stable() -> None:
    assert key_for() == key_for()
    assert len(key_for()) == 64


def test_entries_live_under_a_schema_folder(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "cache")
    cache.put(key_for(), facts_for())
    entries = list((tmp_path / "cache").rglob("*.pickle"))
    assert len(entries) == 1
    assert entries[0].is_relative_to(tmp_path / "cache" / f"facts-{schema_hash()}")


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not a pickle at all", id="text"),
        pytest.param(b"\x80\x05\x95", id="truncated-header"),
        pytest.param(b"\x80\x29garbage", id="unsupported-protocol"),
        pytest.param(b"\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x7f", id="absurd-length"),
        pytest.param(b"cbuiltins\nNoSuchName\n.", id="unknown-global"),
        pytest.param(b"X\x02\x00\x00\x00\xff\xfe.", id="bad-utf8-string"),
        pytest.param(pickle.dumps({"not": "facts"}), id="wrong-type"),
    ],
)
def test_corrupt_entry_is_a_miss_then_overwritten(tmp_path: Path, garbage: bytes) -> None:
    cache = FactsCache(tmp_path / "cache")
    facts = facts_for()
    cache.put(key_for(), facts)
    entry = next((tmp_path / "cache").rglob("*.pickle"))
    entry.write_bytes(garbage)
    assert cache.get(key_for()) is None
    cache.put(key_for(), facts)
    assert cache.get(key_for()) == facts


def test_truncated_entries_are_misses(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "cache")
    cache.put(key_for(), facts_for())
    entry = next((tmp_path / "cache").rglob("*.pickle"))
    good = entry.read_bytes()
    for size in range(0, len(good), max(1, len(good) // 50)):
        entry.write_bytes(good[:size])
        assert cache.get(key_for()) is None


def test_unwritable_cache_directory_is_silent(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the cache folder should be")
    cache = FactsCache(blocker)
    cache.put(key_for(), facts_for())  # must not raise
    assert cache.get(key_for()) is None


def test_cachedir_tag(tmp_path: Path) -> None:
    root = tmp_path / ".deblock_cache"
    FactsCache(root).put(key_for(), facts_for())
    tag = root / "CACHEDIR.TAG"
    assert tag.is_file()
    # https://bford.info/cachedir/: the file must start with this exact signature.
    assert tag.read_bytes().startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    assert (root / ".gitignore").read_text().splitlines()[-1] == "*"


def test_no_temporary_files_left_behind(tmp_path: Path) -> None:
    cache = FactsCache(tmp_path / "cache")
    for i in range(5):
        data = SOURCE + f"# {i}\n".encode()
        cache.put(key_for(data), facts_for(data))
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".tmp-")]
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 5


# ---------------------------------------------------------------------- concurrency
def _big_facts(variant: int) -> ModuleFacts:
    body = "".join(f"    requests.get('https://example.com/{variant}/{i}')\n" for i in range(1500))
    return extract(f"import requests\ndef f():\n{body}".encode(), "big.py", "big", False)


def _writer(root: str, key: str, variant: int, rounds: int) -> None:
    cache = FactsCache(Path(root))
    facts = _big_facts(variant)
    for _ in range(rounds):
        cache.put(key, facts)


def test_concurrent_writers_never_leave_an_unreadable_entry(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    context = multiprocessing.get_context("fork")
    root = tmp_path / "cache"
    key = "ab" + "0" * 62
    expected = {_big_facts(1), _big_facts(2)}
    writers = [context.Process(target=_writer, args=(str(root), key, variant, 40)) for variant in (1, 2)]
    for process in writers:
        process.start()
    entry = FactsCache(root)._path(key)
    reads = 0
    deadline = time.monotonic() + 60
    try:
        while any(p.is_alive() for p in writers) and time.monotonic() < deadline:
            try:
                data = entry.read_bytes()
            except FileNotFoundError:
                continue  # not written yet
            facts = pickle.loads(data)  # a torn write would fail here
            assert facts in expected
            reads += 1
    finally:
        for process in writers:
            process.join(timeout=60)
    assert [p.exitcode for p in writers] == [0, 0]
    assert FactsCache(root).get(key) in expected
    assert not [p for p in root.rglob("*") if p.name.startswith(".tmp-")]
    assert reads > 0


# ---------------------------------------------------------------------- engine
def _project(root: Path) -> Path:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("from .db import load\n")
    (root / "pkg" / "db.py").write_text("import time\n\ndef load():\n    time.sleep(1)\n")
    (root / "views.py").write_text(
        "import time\nimport pkg\n\nasync def view():\n    time.sleep(1)\n    pkg.load()\n"
    )
    return root


def test_engine_second_run_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    settings = Settings(root=root)
    first = check([root], settings, use_cache=True, jobs=1)
    assert {f.code for f in first.findings} >= {"DBK101", "DBK120"}
    assert (settings.effective_cache_dir / "CACHEDIR.TAG").is_file()

    def refuse(*args: object, **kwargs: object) -> ModuleFacts:
        raise AssertionError("extract() called although every file is cached")

    monkeypatch.setattr(deblock.engine, "extract", refuse)
    second = check([root], settings, use_cache=True, jobs=1)
    assert second.findings == first.findings
    assert [m.content_hash for m in second.project] == [m.content_hash for m in first.project]


def test_engine_reextracts_only_changed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    settings = Settings(root=root)
    check([root], settings, use_cache=True, jobs=1)
    (root / "pkg" / "db.py").write_text("import time\n\ndef load():\n    pass\n")

    extracted: list[str] = []
    real_extract = deblock.engine.extract

    def counting(data: bytes, path: str, module: str, is_package: bool) -> ModuleFacts:
        extracted.append(path)
        return real_extract(data, path, module, is_package)

    monkeypatch.setattr(deblock.engine, "extract", counting)
    result = check([root], settings, use_cache=True, jobs=1)
    assert extracted == ["pkg/db.py"]
    assert "DBK120" not in {f.code for f in result.findings}  # the chain is gone with the sleep


def test_engine_without_cache_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    settings = Settings(root=root)
    check([root], settings, use_cache=False, jobs=1)
    assert not settings.effective_cache_dir.exists()


def test_engine_ignores_a_corrupt_cache(tmp_path: Path) -> None:
    root = _project(tmp_path)
    settings = Settings(root=root)
    first = check([root], settings, use_cache=True, jobs=1)
    for entry in settings.effective_cache_dir.rglob("*.pickle"):
        entry.write_bytes(os.urandom(64))
    second = check([root], settings, use_cache=True, jobs=1)
    assert second.findings == first.findings
