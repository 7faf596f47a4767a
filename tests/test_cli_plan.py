"""`deblock plan`: formats, -o, entry selection and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from deblock.cli import main

FIXTURE = str(Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "plan_django")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["plan", *args, "--no-cache"])
    return result.exit_code, result.stdout, result.stderr


def test_default_is_rich_over_all_views() -> None:
    code, out, _ = run(FIXTURE, "--color", "never")
    assert code == 0
    assert "Migration plan for 10 entry points" in out and "Steps (leaves first)" in out


def test_json_with_entries() -> None:
    code, out, _ = run(FIXTURE, "--format", "json", "--entry", "shop.views.convert", "--entry", "shop.views.lookup")
    assert code == 0
    data = json.loads(out)
    assert [e["qualname"] for e in data["entries"]] == ["shop.views.convert", "shop.views.lookup"]
    assert {f["qualname"] for f in data["functions"] if f["status"] == "becomes_async"} == {
        "shop.views.convert", "shop.services.price_in", "shop.services.fetch_rate", "shop.views.lookup",
        "shop.services.DbRepo.load", "shop.services.DbRepo._first", "shop.services.Repo.load"}


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.html"
    code, out, _ = run(FIXTURE, "--format", "html", "-o", str(target))
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    for fmt, start in (("mermaid", "flowchart TD"), ("dot", "digraph plan {")):
        code, out, _ = run(FIXTURE, "--format", fmt)
        assert code == 0 and out.startswith(start)


def test_bad_input_exits_2_with_one_line() -> None:
    code, _, err = run(FIXTURE, "--entry", "shop.views.nope")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("deblock: error: --entry 'shop.views.nope' matches no")
    code, _, err = run("does/not/exist")
    assert code == 2 and err.startswith("deblock: error: does/not/exist")
    code, _, _ = run(FIXTURE, "--format", "svg")
    assert code == 2
