"""JUnit XML (ruff's layout): one <testsuite> per file, one failing <testcase> per finding.

Syntax errors and internal errors become <error> rather than <failure>, so CI can tell
"deblock could not check this" from "deblock found a problem". With nothing to
report, a single passing "No errors found" testcase keeps CI from showing zero tests.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from deblock.model import Finding
from deblock.reporters import ReportContext
from deblock.reporters._common import is_run_error, posix_path, remaining

PACKAGE = "org.deblock"


def _counts(element: ET.Element, tests: int, failures: int, errors: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))


def _testcase(suite: ET.Element, finding: Finding, path: str) -> None:
    line, col = finding.span.line, finding.span.col + 1
    classname = path.removesuffix(".py")
    case = ET.SubElement(suite, "testcase", name=f"{PACKAGE}.{finding.code}", classname=classname, line=str(line), column=str(col))
    outcome = ET.SubElement(case, "error" if is_run_error(finding.code) else "failure", message=finding.message)
    outcome.text = f"line {line}, col {col}, {finding.message}"


def _file_suite(root: ET.Element, path: str, findings: list[Finding]) -> None:
    suite = ET.SubElement(root, "testsuite", name=path)
    errors = sum(1 for f in findings if is_run_error(f.code))
    _counts(suite, len(findings), len(findings) - errors, errors)
    suite.set("package", PACKAGE)
    for finding in findings:
        _testcase(suite, finding, path)


def _run_errors_suite(root: ET.Element, messages: Sequence[str]) -> None:
    suite = ET.SubElement(root, "testsuite", name="deblock")
    _counts(suite, len(messages), 0, len(messages))
    suite.set("package", PACKAGE)
    for message in messages:
        case = ET.SubElement(suite, "testcase", name=f"{PACKAGE}.internal-error", classname="deblock")
        ET.SubElement(case, "error", message=message).text = message


def _passing_suite(root: ET.Element) -> None:
    suite = ET.SubElement(root, "testsuite", name="deblock")
    _counts(suite, 1, 0, 0)
    suite.set("package", PACKAGE)
    ET.SubElement(suite, "testcase", name="No errors found", classname="deblock")


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    root = ET.Element("testsuites", name="deblock")
    by_file: dict[str, list[Finding]] = {}
    for finding in remaining(findings):
        by_file.setdefault(posix_path(finding.path, context.root), []).append(finding)
    for path, group in by_file.items():
        _file_suite(root, path, group)
    if context.errors:
        _run_errors_suite(root, context.errors)
    if not by_file and not context.errors:
        _passing_suite(root)
    tests, failures, errors = (sum(int(suite.get(key, "0")) for suite in root) for key in ("tests", "failures", "errors"))
    _counts(root, tests, failures, errors)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
