"""Every reporter renders one canonical finding set; each output is pinned by a golden.

The set covers two files, a fixable finding with edits (unsafe), a non-fixable
one, a multi-line span, non-ASCII text before a span (columns count characters,
not bytes or cells) and a syntax error. Goldens live in fixtures/reporters/ and are
rewritten with `pytest --update-golden`. The rule registry is pinned to stand-in
rules so that editing a rule's docs does not churn the SARIF golden; the real
registry is exercised by the schema tests below.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from deblock import __version__
from deblock.model import Applicability, Edit, Finding, Fix, Severity, Span
from deblock.reporters import FORMATS, ReportContext, _common, renderer
from deblock.reporters.github import escape_data, escape_property
from deblock.rules import Rule, all_rules

GOLDEN_DIR = FIXTURES / "reporters"
SCHEMA_PATH = GOLDEN_DIR / "sarif-schema-2.1.0.json"
ROOT = Path("/srv/app")
HANDLERS = "src/app/handlers.py"
MODELS = "src/app/modèles.py"  # non-ASCII path: SARIF must percent-encode it
SLEEP_LINE = '    label = "café 数据"; time.sleep(1)'
HANDLERS_SOURCE = (
    "import time\n"
    "\n"
    "\n"
    "async def handle(request):\n"
    f"{SLEEP_LINE}\n"
    "    return label\n"
    "\n"
    "\n"
    "async def report(request):\n"
    "    return build_report(\n"
    '        "données", "数据",\n'
    "    )\n"
)
MODELS_SOURCE = "# 日本語: モデル\nasync def load(:\n    return 1\n"
SLEEP_COL = SLEEP_LINE.index("time.sleep(1)")  # 20 characters, 24 UTF-8 bytes, 22 terminal cells
FIX_TITLE = "Replace with `await asyncio.sleep(...)`"


def canonical_findings() -> list[Finding]:
    sleep = Span(5, SLEEP_COL, 5, SLEEP_COL + len("time.sleep(1)"))
    return [
        Finding(
            code="DBK101",
            name="blocking-sleep-in-async",
            message="Blocking call `time.sleep()` in async function `handle`",
            path=HANDLERS,
            span=sleep,
            fix=Fix("replace_blocking_call", sleep, FIX_TITLE, Applicability.UNSAFE),
            edits=(
                Edit("import asyncio\n", Span(1, 0, 2, 0)),
                Edit(SLEEP_LINE.replace("time.sleep", "await asyncio.sleep") + "\n", Span(5, 0, 6, 0)),
            ),
        ),
        Finding(
            code="DBK120",
            name="transitive-blocking-call-in-async",
            message="Call to `build_report()` blocks the event loop in async function `report`: "
            "`build_report` → `render_täglich` → `time.sleep()`",
            path=HANDLERS,
            span=Span(10, 11, 12, 5),
            severity=Severity.WARNING,
        ),
        Finding(
            code="DBK001",
            name="syntax-error",
            message="Syntax error: invalid syntax",
            path=MODELS,
            span=Span(2, 15, 2, 16),
        ),
    ]


def make_context(**overrides: Any) -> ReportContext:
    defaults: dict[str, Any] = {
        "root": ROOT,
        "version": __version__,
        "sources": {HANDLERS: HANDLERS_SOURCE, MODELS: MODELS_SOURCE},
    }
    return ReportContext(**{**defaults, **overrides})


def render(fmt: str, findings: list[Finding] | None = None, **overrides: Any) -> str:
    found = canonical_findings() if findings is None else findings
    return renderer(fmt)(found, make_context(**overrides))


# Stand-ins for the registered rules, with short fixed docs (see module docstring).
class BlockingSleepInAsync(Rule):
    """
    ## What it does
    Flags `time.sleep()` called on the event loop.

    ## Why is this bad?
    It blocks every other task until the sleep ends.

    ## Example
    ```python
    async def poll():
        time.sleep(1)
    ```
    """

    __module__ = "deblock.rules.blocking.blocking_sleep_in_async"
    code = "DBK101"
    message = "Blocking call `time.sleep()` in async function `{function}`"
    fix_title = "Replace with `await {replacement}(...)`"


class TransitiveBlockingCallInAsync(Rule):
    """
    ## What it does
    Flags a call, made on the event loop, to project code that blocks.

    ## Why is this bad?
    The blocking happens further down the call chain, but the loop still stalls.
    """

    __module__ = "deblock.rules.blocking.transitive_blocking_call_in_async"
    code = "DBK120"
    message = "Call to `{callee}` blocks the event loop in async function `{function}`: {chain}"
    severity = Severity.WARNING


class SyntaxError(Rule):
    """
    ## What it does
    Reports a file that could not be parsed as Python.

    ## Why is this bad?
    deblock cannot see inside it.
    """

    __module__ = "deblock.rules.meta.syntax_error"
    code = "DBK001"
    message = "Syntax error: {error}"


PINNED_RULES: tuple[type[Rule], ...] = (SyntaxError, BlockingSleepInAsync, TransitiveBlockingCallInAsync)


@pytest.fixture
def pinned_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_common, "registry", lambda: PINNED_RULES)


def normalise(text: str) -> str:
    """Make goldens independent of the release and of where the project root lives."""
    return text.replace(f'"{__version__}"', '"<version>"').replace(ROOT.absolute().as_uri() + "/", "<root-uri>/")


def golden_path(fmt: str) -> Path:
    return GOLDEN_DIR / f"{fmt}.golden"


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, pinned_registry: None, update_golden: bool) -> None:
    output = normalise(render(fmt))
    path = golden_path(fmt)
    if update_golden:
        path.write_text(output, encoding="utf-8", newline="\n")
    assert path.exists(), f"missing golden {path}; run pytest --update-golden"
    assert output == path.read_text(encoding="utf-8")


def test_goldens_have_no_strays() -> None:
    """A golden for a removed format would silently stop being checked."""
    assert {p.stem for p in GOLDEN_DIR.glob("*.golden")} == set(FORMATS)


# -- positions ---------------------------------------------------------------


def test_canonical_spans_point_at_the_code() -> None:
    """The canonical spans are character offsets: guard the fixture itself."""
    lines = HANDLERS_SOURCE.splitlines()
    sleep, transitive, _ = canonical_findings()
    assert lines[sleep.span.line - 1][sleep.span.col:sleep.span.end_col] == "time.sleep(1)"
    assert lines[transitive.span.line - 1][transitive.span.col:].startswith("build_report(")
    assert lines[transitive.span.end_line - 1][: transitive.span.end_col] == "    )"
    assert SLEEP_COL != len(SLEEP_LINE[:SLEEP_COL].encode("utf-8"))  # bytes would give another column


def test_concise_columns_are_one_based_characters() -> None:
    first = render("concise").splitlines()[0]
    assert first.startswith(f"{HANDLERS}:5:{SLEEP_COL + 1}: DBK101 ")


# -- json / json-lines -------------------------------------------------------


def test_json_fields() -> None:
    sleep, transitive, syntax = json.loads(render("json"))
    assert sleep["filename"] == HANDLERS and syntax["filename"] == MODELS
    assert sleep["location"] == {"row": 5, "column": SLEEP_COL + 1}
    assert sleep["end_location"] == {"row": 5, "column": SLEEP_COL + 14}
    assert sleep["noqa_row"] == 5
    assert sleep["severity"] == "error" and transitive["severity"] == "warning"
    assert sleep["url"] == next(r for r in all_rules() if r.code == "DBK101").url()
    assert sleep["fix"]["applicability"] == "unsafe"
    assert sleep["fix"]["message"] == FIX_TITLE
    assert sleep["fix"]["applied"] is False
    assert sleep["fix"]["edits"][0] == {
        "content": "import asyncio\n", "location": {"row": 1, "column": 1}, "end_location": {"row": 2, "column": 1},
    }
    assert transitive["fix"] is None
    assert transitive["location"] == {"row": 10, "column": 12}
    assert transitive["end_location"] == {"row": 12, "column": 6}
    fingerprints = [f["fingerprint"] for f in (sleep, transitive, syntax)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", fp) for fp in fingerprints)
    assert len(set(fingerprints)) == 3


def test_json_lines_carries_the_json_objects() -> None:
    lines = render("json-lines").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(render("json"))
    assert all("\n" not in line for line in lines) and len(lines) == 3


def test_json_marks_applied_fixes() -> None:
    sleep, *rest = canonical_findings()
    objects = json.loads(render("json", [replace(sleep, fix_applied=True), *rest], show_fixes=True))
    assert objects[0]["fix"]["applied"] is True


# -- fingerprints --------------------------------------------------------------


def test_fingerprint_ignores_line_moves() -> None:
    sleep = canonical_findings()[0]
    moved = replace(sleep, span=Span(40, 4, 40, 17))
    assert _common.fingerprints([sleep]) == _common.fingerprints([moved])


def test_fingerprint_numbers_equal_findings() -> None:
    sleep = canonical_findings()[0]
    twin = replace(sleep, span=Span(9, 4, 9, 17))
    first, second = _common.fingerprints([sleep, twin])
    assert first != second
    assert _common.fingerprints([sleep]) == [first]  # adding a later twin leaves the first alone
    other_file = replace(twin, path="src/app/other.py")
    assert _common.fingerprints([sleep, other_file])[1] != second


def test_fingerprint_of_remaining_findings_ignores_applied_ones() -> None:
    sleep = canonical_findings()[0]
    applied = replace(sleep, span=Span(2, 0, 2, 5), fix_applied=True)
    assert _common.fingerprints([applied, sleep])[1] == _common.fingerprints([sleep])[0]


# -- sarif -------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_sarif(validator: Any, text: str) -> dict[str, Any]:
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return log


def test_sarif_with_the_real_registry_is_schema_valid(sarif_validator: Any) -> None:
    log = assert_valid_sarif(sarif_validator, render("sarif"))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]  # every rule, fired or not
    for descriptor, rule in zip(rules, all_rules()):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1024
        assert descriptor["help"]["markdown"] == rule.docs()
        assert descriptor["helpUri"] == rule.url()
        assert "security-severity" not in descriptor["properties"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results(pinned_registry: None) -> None:
    run = json.loads(render("sarif"))["runs"][0]
    assert run["tool"]["driver"]["semanticVersion"] == __version__
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"] == {"id": "deblock/"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/app/"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    sleep, transitive, syntax = run["results"]
    location = sleep["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": HANDLERS, "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 5, "startColumn": SLEEP_COL + 1, "endLine": 5, "endColumn": SLEEP_COL + 14}
    uri = syntax["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "src/app/mod%C3%A8les.py"
    assert (sleep["level"], transitive["level"], syntax["level"]) == ("error", "warning", "error")
    json_fingerprints = [f["fingerprint"] for f in json.loads(render("json"))]
    assert [r["partialFingerprints"]["deblock/v1"] for r in run["results"]] == json_fingerprints
    (fix,) = sleep["fixes"]
    assert fix["description"]["text"] == FIX_TITLE
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == HANDLERS
    assert change["replacements"][1] == {
        "deletedRegion": {"startLine": 5, "startColumn": 1, "endLine": 6, "endColumn": 1},
        "insertedContent": {"text": '    label = "café 数据"; await asyncio.sleep(1)\n'},
    }
    assert "fixes" not in transitive


def test_sarif_reports_run_errors(sarif_validator: Any) -> None:
    log = assert_valid_sarif(sarif_validator, render("sarif", errors=("src/x.py: fix reverted: output did not parse",)))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": "src/x.py: fix reverted: output did not parse"}}
    ]


def test_sarif_describes_codes_without_a_rule(sarif_validator: Any) -> None:
    orphan = Finding("DBK199", "future-rule", "Something new", HANDLERS, Span(1, 0, 1, 6), Severity.INFO)
    log = assert_valid_sarif(sarif_validator, render("sarif", [orphan]))
    run = log["runs"][0]
    (result,) = run["results"]
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["id"] == "DBK199" and descriptor["name"] == "future-rule"
    assert descriptor["defaultConfiguration"]["level"] == result["level"] == "note"
    assert "helpUri" not in descriptor
    assert json.loads(render("json", [orphan]))[0]["url"] is None


def test_sarif_leaves_out_applied_fixes(pinned_registry: None) -> None:
    sleep, *rest = canonical_findings()
    run = json.loads(render("sarif", [replace(sleep, fix_applied=True), *rest], show_fixes=True))["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["DBK120", "DBK001"]


# -- github ------------------------------------------------------------------

ANNOTATION = re.compile(
    r"^::(?P<command>error|warning|notice) (?P<params>[^:]*)::(?P<message>.*)$"
)


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    match = ANNOTATION.match(line)
    assert match, line
    params = dict(part.split("=", 1) for part in match["params"].split(","))
    return match["command"], {key: unescape(value) for key, value in params.items()}, unescape(match["message"])


def unescape(text: str) -> str:
    # %25 last: "%253A" must come back as "%3A", not ":".
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_github_annotations() -> None:
    lines = render("github").splitlines()
    assert len(lines) == 3
    (cmd1, p1, m1), (cmd2, p2, m2), (cmd3, p3, _) = map(parse_annotation, lines)
    assert (cmd1, cmd2, cmd3) == ("error", "warning", "error")
    assert p1 == {
        "title": "deblock (DBK101)", "file": HANDLERS, "line": "5", "endLine": "5",
        "col": str(SLEEP_COL + 1), "endColumn": str(SLEEP_COL + 14),
    }
    assert m1 == f"{HANDLERS}:5:{SLEEP_COL + 1}: DBK101 {canonical_findings()[0].message}\n  help: {FIX_TITLE}"
    # Multi-line span: GitHub drops the annotation if col/endColumn are present (ruff#22074).
    assert "col" not in p2 and "endColumn" not in p2 and (p2["line"], p2["endLine"]) == ("10", "12")
    assert m2.startswith(f"{HANDLERS}:10:12: DBK120 ")
    assert p3["file"] == MODELS


@pytest.mark.parametrize("text", ["plain", "a,b:c", "100%", "line1\nline2\r\n", "%0A literal", "ü,数据:%25"])
def test_github_escaping_round_trips(text: str) -> None:
    assert unescape(escape_property(text)) == text
    assert unescape(escape_data(text)) == text
    assert not set(",:\r\n") & set(escape_property(text))
    assert not set("\r\n") & set(escape_data(text))


def test_github_escapes_awkward_paths() -> None:
    odd = replace(canonical_findings()[0], path="src/a,b/c:d.py", message="50% done\nnext")
    (line,) = render("github", [odd]).splitlines()
    assert "file=src/a%2Cb/c%3Ad.py," in line
    _, params, message = parse_annotation(line)
    assert params["file"] == "src/a,b/c:d.py"
    assert "50% done\nnext" in message


def test_github_reports_run_errors() -> None:
    lines = render("github", [], errors=("boom: 1, 2",)).splitlines()
    assert lines == ["::error title=deblock (internal error)::boom: 1, 2"]


# -- gitlab ------------------------------------------------------------------


def test_gitlab_report() -> None:
    sleep, transitive, syntax = json.loads(render("gitlab"))
    assert sleep["check_name"] == "DBK101"
    assert sleep["description"] == f"DBK101: {canonical_findings()[0].message}"
    assert (sleep["severity"], transitive["severity"], syntax["severity"]) == ("major", "minor", "major")
    assert sleep["location"] == {
        "path": HANDLERS,
        "positions": {"begin": {"line": 5, "column": SLEEP_COL + 1}, "end": {"line": 5, "column": SLEEP_COL + 14}},
    }
    assert transitive["location"]["positions"]["end"] == {"line": 12, "column": 6}
    assert syntax["location"]["path"] == MODELS
    json_fingerprints = [f["fingerprint"] for f in json.loads(render("json"))]
    assert [i["fingerprint"] for i in (sleep, transitive, syntax)] == json_fingerprints


def test_gitlab_has_no_bom() -> None:
    assert render("gitlab").encode("utf-8")[:1] == b"["


# -- junit -------------------------------------------------------------------


def test_junit_structure() -> None:
    root = ET.fromstring(render("junit"))
    assert root.tag == "testsuites" and root.get("name") == "deblock"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "1")
    handlers, models = root.findall("testsuite")
    assert handlers.get("name") == HANDLERS and models.get("name") == MODELS
    assert (handlers.get("tests"), handlers.get("failures"), handlers.get("errors")) == ("2", "2", "0")
    assert handlers.get("package") == "org.deblock"
    sleep, transitive = handlers.findall("testcase")
    assert sleep.get("name") == "org.deblock.DBK101"
    assert sleep.get("classname") == "src/app/handlers"
    assert (sleep.get("line"), sleep.get("column")) == ("5", str(SLEEP_COL + 1))
    failure = sleep.find("failure")
    assert failure is not None and failure.get("message") == canonical_findings()[0].message
    assert failure.text == f"line 5, col {SLEEP_COL + 1}, {canonical_findings()[0].message}"
    (syntax,) = models.findall("testcase")
    assert syntax.find("failure") is None and syntax.find("error") is not None  # run errors are <error>
    assert transitive.find("failure") is not None


def test_junit_escapes_markup() -> None:
    message = 'Call to `a<b>()` & "c" in \'d\''
    finding = replace(canonical_findings()[1], message=message)
    case = ET.fromstring(render("junit", [finding])).find("testsuite/testcase")
    assert case is not None and case.find("failure").get("message") == message  # type: ignore[union-attr]


def test_junit_internal_errors() -> None:
    internal = Finding("DBK900", "internal-error", "fix did not settle", HANDLERS, Span(1, 0, 1, 1))
    root = ET.fromstring(render("junit", [internal], errors=("worker crashed",)))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "2")
    assert len(root.findall(".//error")) == 2 and not root.findall(".//failure")


# -- full --------------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_full_frame_and_diff() -> None:
    lines = render("full").splitlines()
    assert lines[0] == f"{HANDLERS}:5:{SLEEP_COL + 1}: DBK101 {canonical_findings()[0].message}"
    code_row = lines.index(f"5 | {SLEEP_LINE}")
    # The underline starts under "time": the two CJK characters before it take two cells each.
    assert lines[code_row + 1] == "  | " + " " * (SLEEP_COL + 2) + "^" * 13 + " DBK101"
    assert f"help: {FIX_TITLE} (unsafe fix)" in lines
    assert "-import time" in lines and "+import asyncio" in lines
    assert '+    label = "café 数据"; await asyncio.sleep(1)' in lines
    # The multi-line DBK120 span is underlined on each of its lines.
    underlined = [line for line in lines if re.fullmatch(r" +\| +\^+( DBK120)?", line)]
    assert len(underlined) == 3 and underlined[-1].endswith("DBK120")
    assert lines[-2:] == [  # concise's summary, unsafe fix counted as hidden
        "Found 3 errors.",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]


def test_full_colour_is_opt_in() -> None:
    plain, coloured = render("full"), render("full", color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_full_without_source_still_lists_findings() -> None:
    lines = render("full", sources={}).splitlines()
    assert lines[0].startswith(f"{HANDLERS}:5:")
    assert not any(" | " in line for line in lines)
    assert f"help: {FIX_TITLE} (unsafe fix)" in lines


# -- no findings ---------------------------------------------------------------


def _junit_passes(out: str) -> bool:
    root = ET.fromstring(out)
    return [c.get("name") for c in root.iter("testcase")] == ["No errors found"] and not root.findall(".//failure")


EMPTY_CHECKS: dict[str, Callable[[str], Any]] = {
    "concise": lambda out: out == "All checks passed!\n",
    "full": lambda out: out == "All checks passed!\n",
    "json": lambda out: json.loads(out) == [],
    "json-lines": lambda out: out == "",
    "github": lambda out: out == "",
    "gitlab": lambda out: json.loads(out) == [],
    "sarif": lambda out: json.loads(out)["runs"][0]["results"] == [],
    "junit": lambda out: _junit_passes(out) and ET.fromstring(out).get("tests") == "1",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_findings(fmt: str) -> None:
    assert EMPTY_CHECKS[fmt](render(fmt, [])), render(fmt, [])


def test_empty_sarif_is_schema_valid(sarif_validator: Any) -> None:
    log = assert_valid_sarif(sarif_validator, render("sarif", []))
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def _fixed_summary(out: str) -> bool:
    return "Fixed 1 error:" in out and out.endswith("Found 1 error (1 fixed, 0 remaining).\n")


# With --fix --show-fixes everything may be fixed: only the human formats and json mention it.
APPLIED_ONLY_CHECKS: dict[str, Callable[[str], Any]] = {
    "concise": _fixed_summary,
    "full": _fixed_summary,
    "json": lambda out: [o["fix"]["applied"] for o in json.loads(out)] == [True],
    "json-lines": lambda out: [json.loads(line)["fix"]["applied"] for line in out.splitlines()] == [True],
    "github": lambda out: out == "",
    "gitlab": lambda out: json.loads(out) == [],
    "sarif": lambda out: json.loads(out)["runs"][0]["results"] == [],
    "junit": _junit_passes,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_applied_fixes(fmt: str) -> None:
    fixed = [replace(canonical_findings()[0], fix_applied=True)]
    out = render(fmt, fixed, show_fixes=True, fixed_count=1)
    assert APPLIED_ONLY_CHECKS[fmt](out), out


def test_checks_cover_every_format() -> None:
    assert set(EMPTY_CHECKS) == set(APPLIED_ONLY_CHECKS) == set(FORMATS)
