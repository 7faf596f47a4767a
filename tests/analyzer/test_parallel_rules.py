"""Rules in forked children (`run_rules(jobs=...)`) give exactly the serial findings,
and every fallback (no fork, small project, a child that fails) still does."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from deblock import engine, forking
from deblock.analyzer.discovery import discover
from deblock.analyzer.project import Project
from deblock.config import Settings
from deblock.model import Finding

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "fixtures" / "demo"

needs_fork = pytest.mark.skipif(not forking.can_fork(), reason="the forked path runs on Linux only")


@pytest.fixture(scope="module")
def demo() -> tuple[Project, list[engine.Rule]]:
    """The three demo apps as one project: ~30 modules, findings in many of them."""
    settings = Settings(root=DEMO)
    files = discover([DEMO], settings)
    sources, keys, _ = engine.read_sources(files)
    facts = engine.gather_facts(files, settings, sources, keys, use_cache=False, jobs=1)
    return Project(facts, settings), engine.selected_rules(settings)


def fresh(demo: tuple[Project, list[engine.Rule]]) -> Project:
    """A project with no index built yet, so each path builds its own."""
    project, _ = demo
    return Project(list(project), project.settings)


def serial(demo: tuple[Project, list[engine.Rule]]) -> list[Finding]:
    return engine.run_rules(fresh(demo), demo[1])


@needs_fork
@pytest.mark.parametrize("jobs", [2, 3, 7])
def test_forked_rules_give_the_serial_findings(demo: tuple[Project, list[engine.Rule]], jobs: int) -> None:
    expected = serial(demo)
    assert len({f.path for f in expected}) > 5  # the comparison means something
    assert engine.run_rules(fresh(demo), demo[1], jobs=jobs, parallel_threshold=0) == expected


@needs_fork
def test_forked_rules_keep_internal_errors_in_place(
    demo: tuple[Project, list[engine.Rule]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that fails in a child is reported (DBK900) as it is in one process."""
    rule = next(r for r in demo[1] if r.code == "DBK101")
    original = type(rule).check

    def flaky(self: engine.Rule, facts, project):
        if facts.path.endswith("views.py"):
            raise RuntimeError("boom")
        return original(self, facts, project)

    monkeypatch.setattr(type(rule), "check", flaky)
    expected = serial(demo)
    assert any(f.code == engine.INTERNAL_ERROR for f in expected)
    assert engine.run_rules(fresh(demo), demo[1], jobs=2, parallel_threshold=0) == expected


def test_check_uses_the_forked_path_when_asked(
    demo: tuple[Project, list[engine.Rule]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(root=DEMO)
    expected = engine.check([DEMO], settings, use_cache=False, jobs=1).findings
    calls = []
    real = engine.fork_map
    monkeypatch.setattr(engine, "fork_map", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(engine, "_RULES_PARALLEL_THRESHOLD", 0)
    assert engine.check([DEMO], settings, use_cache=False, jobs=2).findings == expected
    assert calls == ([1] if forking.can_fork() else [])


@pytest.mark.parametrize(
    ("jobs", "threshold", "fork"),
    [(1, 0, True), (2, 10_000, True), (2, 0, False)],
    ids=["one job", "small project", "no fork"],
)
def test_fallback_runs_in_this_process(
    demo: tuple[Project, list[engine.Rule]], monkeypatch: pytest.MonkeyPatch, jobs: int, threshold: int, fork: bool
) -> None:
    expected = serial(demo)

    def no_fork(*args: object) -> None:
        raise AssertionError("the serial path should have been taken")

    monkeypatch.setattr(engine, "fork_map", no_fork)
    monkeypatch.setattr(engine, "can_fork", lambda: fork)
    assert engine.run_rules(fresh(demo), demo[1], jobs=jobs, parallel_threshold=threshold) == expected


# ---------------------------------------------------------------------- fork_map
@needs_fork
def test_fork_map_runs_the_first_slice_here_and_the_others_in_children() -> None:
    pids = forking.fork_map(lambda _: os.getpid(), ["a", "b", "c"])
    assert pids[0] == os.getpid()
    assert os.getpid() not in pids[1:] and len(set(pids)) == 3


def test_fork_map_without_fork_runs_everything_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "can_fork", lambda: False)
    assert forking.fork_map(lambda _: os.getpid(), [1, 2, 3]) == [os.getpid()] * 3


@needs_fork
def test_a_failed_child_slice_is_rerun_here() -> None:
    parent = os.getpid()

    def work(piece: list[int]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return [n * 2 for n in piece]

    assert forking.fork_map(work, [[1], [2, 3]]) == [[2], [4, 6]]


@needs_fork
def test_an_error_in_this_process_is_raised_and_leaves_no_child() -> None:
    def work(piece: int) -> int:
        if piece == 0:
            raise ValueError("parent slice")
        return piece

    with pytest.raises(ValueError, match="parent slice"):
        forking.fork_map(work, [0, 1])
    assert multiprocessing.active_children() == []
