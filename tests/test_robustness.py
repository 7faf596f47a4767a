"""Files that break parsers or deblock itself never end the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblock import engine
from deblock.analyzer.facts.gather import FactGatherer
from deblock.config import Settings

BLOCKING = "import time\n\nasync def f():\n    time.sleep(1)\n"


def codes(root: Path) -> dict[str, list[str]]:
    result = engine.check([root], Settings(root=root), use_cache=False, jobs=1)
    out: dict[str, list[str]] = {}
    for finding in result.findings:
        out.setdefault(finding.path, []).append(finding.code)
    return out


def test_too_deep_for_python_is_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("y = " + " + ".join(["a"] * 5000) + "\n")
    (tmp_path / "ok.py").write_text(BLOCKING)
    assert codes(tmp_path) == {"deep.py": ["DBK001"], "ok.py": ["DBK101"]}


def test_deep_but_valid_code_is_analysed(tmp_path: Path) -> None:
    chain = " + ".join(["a"] * 700)
    (tmp_path / "deep.py").write_text(f"import time\n\nasync def f(a):\n    time.sleep(1)\n    return {chain}\n")
    assert codes(tmp_path) == {"deep.py": ["DBK101"]}


def test_a_crash_in_the_gatherer_is_reported_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "boom.py").write_text("x = 1\n")
    (tmp_path / "ok.py").write_text(BLOCKING)
    real = FactGatherer.gather

    def gather(self: FactGatherer, tree: object) -> None:
        if self.module == "boom":
            raise KeyError("simulated gatherer bug")
        real(self, tree)  # type: ignore[arg-type]

    monkeypatch.setattr(FactGatherer, "gather", gather)
    found = codes(tmp_path)
    assert found == {"boom.py": ["DBK900"], "ok.py": ["DBK101"]}


def test_undecodable_file_is_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# -*- coding: ascii -*-\nx = '\xe9'\n")
    (tmp_path / "ok.py").write_text(BLOCKING)
    assert codes(tmp_path) == {"latin.py": ["DBK001"], "ok.py": ["DBK101"]}
