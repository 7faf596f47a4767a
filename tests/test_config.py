"""Config discovery (nearest file wins), `extend`, validation with suggestions, versions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deblock.config import (
    DEFAULT_EXCLUDE,
    ConfigError,
    Settings,
    apply_table,
    find_config,
    load,
    load_file,
)

DEBLOCK_SECTION = '[tool.deblock]\nselect = ["DBK101"]\n'


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ---------------------------------------------------------------------- discovery
@pytest.mark.parametrize(
    ("present", "winner"),
    [
        pytest.param((".deblock.toml", "deblock.toml", "pyproject.toml"), ".deblock.toml", id="dot-file-first"),
        pytest.param(("deblock.toml", "pyproject.toml"), "deblock.toml", id="deblock-toml-over-pyproject"),
        pytest.param((".deblock.toml", "pyproject.toml"), ".deblock.toml", id="dot-file-over-pyproject"),
        pytest.param(("pyproject.toml",), "pyproject.toml", id="pyproject-alone"),
    ],
)
def test_precedence_in_one_folder(tmp_path: Path, present: tuple[str, ...], winner: str) -> None:
    for name in present:
        write(tmp_path / name, DEBLOCK_SECTION if name == "pyproject.toml" else 'select = ["DBK101"]\n')
    assert find_config(tmp_path) == tmp_path / winner
    assert load([tmp_path]).config_path == tmp_path / winner


def test_closer_folder_wins(tmp_path: Path) -> None:
    write(tmp_path / ".deblock.toml", 'select = ["DBK101"]\n')
    write(tmp_path / "service" / "pyproject.toml", '[tool.deblock]\nselect = ["DBK120"]\n')
    (tmp_path / "service" / "app").mkdir()
    assert find_config(tmp_path / "service" / "app") == tmp_path / "service" / "pyproject.toml"
    settings = load([tmp_path / "service" / "app"])
    assert settings.select == ("DBK120",)
    assert settings.root == tmp_path / "service"
    # The parent's file is not merged in.
    assert load([tmp_path]).select == ("DBK101",)


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "deblock.toml", 'ignore = ["DBK120"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[tool.black]\nline-length = 100\n[project]\nname = "x"\n')
    assert find_config(tmp_path / "pkg") == tmp_path / "deblock.toml"
    assert load([tmp_path / "pkg"]).ignore == ("DBK120",)


def test_start_from_a_file(tmp_path: Path) -> None:
    write(tmp_path / "deblock.toml", "")
    source = write(tmp_path / "pkg" / "mod.py", "")
    assert find_config(source) == tmp_path / "deblock.toml"
    assert load([source]).root == tmp_path


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    if find_config(tmp_path) is not None:
        pytest.skip("a config file above the temporary directory")
    settings = load([tmp_path])
    assert settings.config_path is None
    assert settings.select == ("DBK",) and settings.exclude == DEFAULT_EXCLUDE


def test_explicit_config_file(tmp_path: Path) -> None:
    write(tmp_path / ".deblock.toml", 'select = ["DBK101"]\n')
    other = write(tmp_path / "ci" / "strict.toml", 'select = ["DBK120"]\n')
    settings = load([tmp_path], config_file=other)
    assert settings.select == ("DBK120",)
    assert settings.config_path == other
    assert settings.root == tmp_path / "ci"


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load([tmp_path], config_file=tmp_path / "nope.toml")


def test_isolated_ignores_every_file(tmp_path: Path) -> None:
    write(tmp_path / ".deblock.toml", 'select = ["DBK101"]\n')
    assert load([tmp_path], isolated=True).select == ("DBK",)


def test_relative_paths_in_config_resolve_against_its_folder(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "deblock.toml", 'cache-dir = "build/cache"\n')
    settings = load([tmp_path / "proj"])
    assert settings.cache_dir == tmp_path / "proj" / "build" / "cache"
    assert settings.effective_cache_dir == tmp_path / "proj" / "build" / "cache"


# ---------------------------------------------------------------------- extend
def test_extend(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.deblock]\nignore = ["DBK120"]\nextend-exclude = ["gen"]\n')
    child = write(tmp_path / "svc" / ".deblock.toml", 'extend = "../pyproject.toml"\nselect = ["DBK1"]\n')
    settings = load([tmp_path / "svc"])
    assert settings.config_path == child
    assert settings.root == tmp_path / "svc"
    assert settings.select == ("DBK1",)  # own key
    assert settings.ignore == ("DBK120",)  # inherited
    assert settings.extend_exclude == ("gen",)


def test_extend_child_overrides_parent(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", 'select = ["DBK101"]\nasync-library = "trio"\n')
    write(tmp_path / "child.toml", 'extend = "base.toml"\nasync-library = "anyio"\n')
    settings = load_file(tmp_path / "child.toml")
    assert settings.async_library == "anyio"
    assert settings.select == ("DBK101",)


def test_extend_chain(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", 'ignore = ["DBK120"]\n')
    write(tmp_path / "b.toml", 'extend = "a.toml"\nselect = ["DBK101"]\n')
    write(tmp_path / "c.toml", 'extend = "b.toml"\n')
    settings = load_file(tmp_path / "c.toml")
    assert (settings.select, settings.ignore) == (("DBK101",), ("DBK120",))


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"x.toml": 'extend = "x.toml"\n'}, id="self"),
        pytest.param({"x.toml": 'extend = "y.toml"\n', "y.toml": 'extend = "x.toml"\n'}, id="two"),
        pytest.param(
            {"x.toml": 'extend = "sub/y.toml"\n', "sub/y.toml": 'extend = "../z.toml"\n', "z.toml": 'extend = "x.toml"\n'},
            id="three-through-folders",
        ),
    ],
)
def test_extend_cycle_is_an_error(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(ConfigError, match="cycle"):
        load_file(tmp_path / "x.toml")


def test_extend_missing_file(tmp_path: Path) -> None:
    write(tmp_path / "x.toml", 'extend = "nope.toml"\n')
    with pytest.raises(ConfigError, match="missing file"):
        load_file(tmp_path / "x.toml")


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("table", "suggestion"),
    [
        pytest.param({"selct": ["DBK101"]}, "select", id="selct"),
        pytest.param({"ignor": ["DBK101"]}, "ignore", id="ignor"),
        pytest.param({"extend-exlude": ["x"]}, "extend-exclude", id="extend-exlude"),
        pytest.param({"async_library": "trio"}, "async-library", id="underscore"),
        pytest.param({"target_version": "py311"}, "target-version", id="underscore-version"),
        pytest.param({"extends": "x.toml"}, "extend", id="extends"),
    ],
)
def test_unknown_key_suggests_the_closest(table: dict, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        apply_table(Settings(), table)
    message = str(info.value)
    assert f"unknown key `{next(iter(table))}`" in message
    assert f"did you mean `{suggestion}`" in message


def test_unknown_key_without_a_close_match() -> None:
    with pytest.raises(ConfigError) as info:
        apply_table(Settings(), {"zzzzzzzz": 1})
    assert "unknown key `zzzzzzzz`" in str(info.value)
    assert "did you mean" not in str(info.value)


def test_unknown_key_in_a_file_names_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.deblock]\nselct = ["DBK101"]\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml.*did you mean `select`"):
        load([tmp_path])


@pytest.mark.parametrize(
    ("key", "value", "suggestion"),
    [
        pytest.param("select", ["DBK-101"], "DBK101", id="select-typo"),
        pytest.param("select", ["DBX101"], "DBK101", id="select-wrong-prefix"),
        pytest.param("ignore", ["DBK12O"], "DBK120", id="ignore-letter-o"),
        pytest.param("extend-select", ["DBK9001"], "DBK900", id="extend-select"),
    ],
)
def test_unknown_code_suggests_the_closest(key: str, value: list[str], suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        apply_table(Settings(), {key: value})
    message = str(info.value)
    assert f"`{key}`" in message and value[0] in message
    assert f"did you mean `{suggestion}`" in message


def test_unknown_code_in_per_file_ignores() -> None:
    with pytest.raises(ConfigError, match="did you mean `DBK101`"):
        apply_table(Settings(), {"per-file-ignores": {"tests/*": ["DBK1O1"]}})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["DBK101"], ("DBK101",), id="code"),
        pytest.param(["dbk101"], ("DBK101",), id="lowercase"),
        pytest.param(["DBK1"], ("DBK1",), id="family-prefix"),
        pytest.param(["DBK"], ("DBK",), id="all-dbk"),
        pytest.param(["ALL"], ("DBK",), id="ALL"),
        pytest.param("DBK101", ("DBK101",), id="single-string"),
    ],
)
def test_valid_selectors(value: object, expected: tuple[str, ...]) -> None:
    assert apply_table(Settings(), {"select": value}).select == expected


def test_per_file_ignores_parsed() -> None:
    settings = apply_table(Settings(), {"per-file-ignores": {"tests/*": ["DBK101"], "scripts/*.py": ["DBK1"]}})
    assert settings.per_file_ignores == (("tests/*", ("DBK101",)), ("scripts/*.py", ("DBK1",)))


@pytest.mark.parametrize("library", ["asyncio", "anyio", "trio"])
def test_async_library_values(library: str) -> None:
    assert apply_table(Settings(), {"async-library": library}).async_library == library


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("asyncoi", "did you mean `asyncio`", id="typo"),
        pytest.param("curio", "asyncio, anyio, trio", id="unsupported"),
        pytest.param(3, "asyncio, anyio, trio", id="not-a-string"),
    ],
)
def test_bad_async_library(value: object, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        apply_table(Settings(), {"async-library": value})
    assert "`async-library`" in str(info.value) and fragment in str(info.value)


def test_unknown_rule_table() -> None:
    with pytest.raises(ConfigError) as info:
        apply_table(Settings(), {"rules": {"DBK999": {}}})
    assert "unknown rule `DBK999`" in str(info.value)


def test_unknown_rule_table_in_a_file(tmp_path: Path) -> None:
    write(tmp_path / "deblock.toml", "[rules.DBK999]\nthreshold = 3\n")
    with pytest.raises(ConfigError, match="DBK999"):
        load([tmp_path])


def test_rule_without_options_rejects_options() -> None:
    with pytest.raises(ConfigError, match="DBK101 has no options"):
        apply_table(Settings(), {"rules": {"DBK101": {"anything": 1}}})


@pytest.mark.parametrize(
    "table",
    [
        pytest.param({"rules": ["DBK101"]}, id="rules-not-a-table"),
        pytest.param({"rules": {"DBK101": 3}}, id="rule-not-a-table"),
        pytest.param({"select": [1]}, id="select-not-strings"),
        pytest.param({"exclude": "build"}, id="exclude-not-a-list"),
        pytest.param({"respect-gitignore": "yes"}, id="bool-as-string"),
        pytest.param({"force-exclude": 1}, id="bool-as-int"),
        pytest.param({"per-file-ignores": ["x"]}, id="per-file-not-a-table"),
        pytest.param({"blocking-calls": {"my.thing": 3}}, id="blocking-calls-value"),
        pytest.param({"blocking-calls": {"not a name!": "x"}}, id="blocking-calls-name"),
    ],
)
def test_wrong_types_are_config_errors(table: dict) -> None:
    with pytest.raises(ConfigError):
        apply_table(Settings(), table)


def test_blocking_calls_parsed() -> None:
    settings = apply_table(Settings(), {"blocking-calls": {"mylib.fetch": "use mylib.afetch"}})
    assert settings.blocking_calls == (("mylib.fetch", "use mylib.afetch"),)


# ---------------------------------------------------------------------- versions
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("py311", (3, 11), id="py311"),
        pytest.param("py39", (3, 9), id="py39"),
        pytest.param("py310", (3, 10), id="py310"),
        pytest.param("3.12", (3, 12), id="dotted"),
        pytest.param("3.10", (3, 10), id="dotted-3.10"),
        pytest.param("3.11.4", (3, 11), id="with-patch"),
        pytest.param("PY312", (3, 12), id="uppercase"),
    ],
)
def test_target_version(value: str, expected: tuple[int, int]) -> None:
    assert apply_table(Settings(), {"target-version": value}).target_version == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("banana", id="word"),
        pytest.param("py3", id="no-minor"),
        pytest.param("", id="empty"),
        pytest.param(3.10, id="float-loses-the-zero"),
        pytest.param(311, id="integer"),
    ],
)
def test_bad_target_version(value: object) -> None:
    with pytest.raises(ConfigError, match="target-version"):
        apply_table(Settings(), {"target-version": value})


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(">=3.11", (3, 11), id="ge"),
        pytest.param(">= 3.12", (3, 12), id="ge-space"),
        pytest.param(">=3.9,<4", (3, 9), id="range"),
        pytest.param("<4, >=3.10", (3, 10), id="range-reversed"),
        pytest.param("~=3.11", (3, 11), id="compatible"),
        pytest.param("==3.12.*", (3, 12), id="exact-wildcard"),
        pytest.param(">=3", (3, 0), id="major-only"),
    ],
)
def test_requires_python_sets_target_version(tmp_path: Path, spec: str, expected: tuple[int, int]) -> None:
    write(tmp_path / "pyproject.toml", f'[project]\nrequires-python = "{spec}"\n\n{DEBLOCK_SECTION}')
    assert load([tmp_path]).target_version == expected


def test_requires_python_next_to_a_deblock_toml(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.12"\n')
    write(tmp_path / "deblock.toml", "")
    assert load([tmp_path]).target_version == (3, 12)


def test_target_version_overrides_requires_python(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.9"\n[tool.deblock]\ntarget-version = "py312"\n')
    assert load([tmp_path]).target_version == (3, 12)


@pytest.mark.parametrize("spec", ["<4", "", "garbage"])
def test_unusable_requires_python_keeps_the_default(tmp_path: Path, spec: str) -> None:
    write(tmp_path / "pyproject.toml", f'[project]\nrequires-python = "{spec}"\n\n{DEBLOCK_SECTION}')
    assert load([tmp_path]).target_version == Settings().target_version


# ---------------------------------------------------------------------- invalid TOML
@pytest.mark.parametrize("name", [".deblock.toml", "deblock.toml", "pyproject.toml"])
def test_invalid_toml(tmp_path: Path, name: str) -> None:
    write(tmp_path / name, "[tool.deblock]\nselect = [\n")
    with pytest.raises(ConfigError) as info:
        load([tmp_path])
    message = str(info.value)
    assert "invalid TOML" in message and name in message
    assert "\n" not in message
    assert info.value.__suppress_context__  # raised `from None`: no chained traceback


def test_invalid_toml_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path / ".deblock.toml", "select = [\n")
    write(tmp_path / "app.py", "x = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "deblock", "check", str(tmp_path), "--no-cache"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid TOML" in result.stderr
