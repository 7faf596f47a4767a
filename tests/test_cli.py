"""`deblock check` end to end through click: exit codes, flags, fixes, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deblock.cli import main

VIEWS = """\
from app import services
import time


async def index():
    time.sleep(1)
    return services.load()
"""
SERVICES = """\
import time


def load():
    time.sleep(1)
    return 1
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "views.py").write_text(VIEWS)
    (tmp_path / "app" / "services.py").write_text(SERVICES)
    (tmp_path / "pyproject.toml").write_text("[tool.deblock]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--no-cache", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_reports_direct_and_transitive_blocking(project: Path) -> None:
    code, out, _ = run()
    assert code == 1
    lines = out.splitlines()
    assert "app/views.py:6:5: DBK101 Blocking call `time.sleep()` in async function `index`" in lines
    assert any(
        line.startswith("app/views.py:7:12: DBK120")
        and "app.views.index → app.services.load → time.sleep" in line
        for line in lines
    )
    assert "Found 2 errors." in lines
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in lines


def test_fix_unsafe_rewrites_and_recheck_is_clean_of_fixable(project: Path) -> None:
    code, out, _ = run("--fix", "--unsafe-fixes", "--select", "DBK101")
    assert code == 0, out
    fixed = (project / "app" / "views.py").read_text()
    assert "import asyncio" in fixed and "    await asyncio.sleep(1)\n" in fixed
    assert "import time" not in fixed  # no other use left
    assert "Found 1 error (1 fixed, 0 remaining)." in out or "1 fixed" in out
    code, out, _ = run("--select", "DBK101")
    assert code == 0 and "All checks passed!" in out


def test_safe_fix_only_by_default(project: Path) -> None:
    code, _, _ = run("--fix", "--select", "DBK101")
    assert code == 1
    assert (project / "app" / "views.py").read_text() == VIEWS


def test_exit_non_zero_on_fix(project: Path) -> None:
    code, _, _ = run("--fix", "--unsafe-fixes", "--select", "DBK101", "--exit-non-zero-on-fix")
    assert code == 1
    assert "await asyncio.sleep" in (project / "app" / "views.py").read_text()


def test_diff_changes_nothing_and_still_reports(project: Path) -> None:
    code, out, err = run("--diff", "--unsafe-fixes")
    assert code == 1
    assert "--- a/app/views.py" in out and "+    await asyncio.sleep(1)" in out
    assert "DBK120" in err  # the unfixable finding is still reported (ruff#4093)
    assert (project / "app" / "views.py").read_text() == VIEWS


def test_syntax_error_does_not_stop_the_run(project: Path) -> None:
    (project / "app" / "broken.py").write_text("def f(:\n    pass\n")
    code, out, _ = run()
    assert code == 1
    assert "app/broken.py:1:" in out and "DBK001" in out
    assert "DBK101" in out and "DBK120" in out


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param("[tool.deblock]\nselct = ['DBK1']\n", "did you mean `select`", id="unknown-key"),
        pytest.param("[tool.deblock]\nselect = ['DBK102x']\n", "unknown rule code or prefix", id="unknown-code"),
        pytest.param("[tool.deblock]\nasync-library = 'tokio'\n", "async-library", id="bad-value"),
        pytest.param("[tool.deblock\n", "invalid TOML", id="bad-toml"),
    ],
)
def test_bad_config_is_one_line_exit_2(project: Path, config: str, expected: str) -> None:
    (project / "pyproject.toml").write_text(config)
    code, out, err = run()
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_unknown_selector_on_command_line(project: Path) -> None:
    code, _, err = run("--select", "DBK12O")
    assert code == 2 and "did you mean `DBK120`" in err


def test_missing_path_is_exit_2(project: Path) -> None:
    code, _, err = run("does/not/exist")
    assert code == 2 and "no such file or directory" in err


def test_select_ignore_and_prefixes(project: Path) -> None:
    assert "DBK120" not in run("--ignore", "DBK120")[1]
    out = run("--select", "DBK1", "--ignore", "DBK12")[1]
    assert "DBK101" in out and "DBK120" not in out
    out = run("--select", "DBK120")[1]
    assert "DBK101" not in out and "DBK120" in out


def test_noqa_and_ignore_comments(project: Path) -> None:
    views = project / "app" / "views.py"
    views.write_text(VIEWS.replace("time.sleep(1)", "time.sleep(1)  # noqa: DBK101").replace(
        "    return services.load()", "    # deblock: ignore[DBK120]\n    return services.load()"))
    code, out, _ = run()
    assert code == 0, out


def test_file_level_noqa(project: Path) -> None:
    (project / "app" / "views.py").write_text("# deblock: noqa\n" + VIEWS)
    assert run()[0] == 0


def test_per_file_ignores_from_config_and_cli(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.deblock.per-file-ignores]\n"app/views.py" = ["DBK101"]\n')
    out = run()[1]
    assert "DBK101" not in out and "DBK120" in out
    out = run("--per-file-ignores", "app/*.py:DBK120")[1]
    assert "DBK120" not in out


def test_exit_zero(project: Path) -> None:
    assert run("--exit-zero")[0] == 0


def test_statistics(project: Path) -> None:
    out = run("--statistics")[1]
    assert "DBK101" in out and "blocking-sleep-in-async" in out and "app/views.py" not in out


def test_stdin(project: Path) -> None:
    code, out, _ = run("-", "--stdin-filename", "snippet.py", input="import time\nasync def f():\n    time.sleep(1)\n")
    assert code == 1
    assert "snippet.py:3:5: DBK101" in out


def test_output_file_and_json(project: Path) -> None:
    code, out, _ = run("--output-format", "json", "-o", "report.json", "--unsafe-fixes")
    assert code == 1 and out == ""
    data = json.loads((project / "report.json").read_text())
    codes = sorted(item["code"] for item in data)
    assert codes == ["DBK101", "DBK120"]
    item = next(i for i in data if i["code"] == "DBK101")
    assert item["location"] == {"row": 6, "column": 5}
    assert item["fix"]["applicability"] == "unsafe"


def test_cache_warm_run_gives_same_findings(project: Path) -> None:
    first = CliRunner().invoke(main, ["check", "--cache-dir", str(project / ".cache")])
    second = CliRunner().invoke(main, ["check", "--cache-dir", str(project / ".cache")])
    assert first.stdout == second.stdout and first.exit_code == second.exit_code == 1
    assert (project / ".cache" / "CACHEDIR.TAG").is_file()


def test_rule_and_list_rules() -> None:
    result = CliRunner().invoke(main, ["rule", "DBK101"])
    assert result.exit_code == 0 and "Why is this bad?" in result.output
    result = CliRunner().invoke(main, ["rule", "DBK1O1"])
    assert result.exit_code == 2 and "did you mean" in result.stderr
    result = CliRunner().invoke(main, ["list-rules", "--output-format", "json"])
    assert {"DBK001", "DBK101", "DBK120"} <= {r["code"] for r in json.loads(result.output)}


def test_python_dash_m(project: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "deblock", "check", "--no-cache"], capture_output=True, text=True)
    assert done.returncode == 1 and "DBK120" in done.stdout


def test_demo_app_has_findings() -> None:
    demo = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
    if not demo.is_dir():
        pytest.skip("fixtures/demo not present")
    result = CliRunner().invoke(main, ["check", "--no-cache", str(demo)])
    assert result.exit_code == 1
    assert "DBK101" in result.stdout and "DBK120" in result.stdout


def test_quiet_prints_findings_only(project: Path) -> None:
    code, out, _ = run("-q")
    assert code == 1
    assert out.splitlines() and all(line.startswith("app/views.py:") for line in out.splitlines())
    code, out, _ = run("-q", "--select", "DBK001")
    assert code == 0 and out == ""


def test_own_line_noqa_does_not_cover_the_next_line(project: Path) -> None:
    views = project / "app" / "views.py"
    views.write_text(VIEWS.replace("    time.sleep(1)", "    # unrelated prose mentioning #noqa\n    time.sleep(1)"))
    out = run("--select", "DBK101")[1]
    assert "DBK101" in out


@pytest.mark.parametrize("output_format", ["concise", "full", "json", "sarif"])
def test_undecodable_file_is_reported_in_every_format(project: Path, output_format: str) -> None:
    (project / "app" / "bad.py").write_bytes(b"# -*- coding: utf-8 -*-\nx = '\xff\xfe'\n")
    code, out, err = run("--output-format", output_format)
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert "bad.py" in out and "DBK001" in out


def test_rule_options_reach_the_rule(project: Path) -> None:
    (project / "app" / "deep.py").write_text(
        "import time\n\ndef c():\n    time.sleep(1)\n\ndef b():\n    c()\n\ndef a():\n    b()\n\n"
        "async def view():\n    a()\n"
    )
    assert run("--select", "DBK120")[1].count("DBK120") == 2  # views.index (1 hop) and deep.view (3)
    (project / "pyproject.toml").write_text("[tool.deblock.rules.DBK120]\nmax-depth = 2\n")
    out = run("--select", "DBK120")[1]
    assert out.count("DBK120") == 1 and "app/views.py" in out
    (project / "pyproject.toml").write_text("[tool.deblock.rules.DBK120]\nmax-dept = 2\n")
    code, _, err = run()
    assert code == 2 and "did you mean `max-depth`" in err


def test_show_files_and_settings(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.deblock]\nextend-exclude = ["app/services.py"]\n')
    code, out, _ = run("--show-files")
    assert code == 0 and out.splitlines() == ["app/__init__.py  (app)", "app/views.py  (app.views)"]
    code, out, _ = run("--show-settings", "--select", "DBK1")
    assert code == 0
    assert f"config file: {project / 'pyproject.toml'}" in out
    assert "select = ('DBK1',)" in out and "extend-exclude = ('app/services.py',)" in out
