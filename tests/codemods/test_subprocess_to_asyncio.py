"""subprocess.run/check_call/check_output -> asyncio.create_subprocess_exec, and its fallbacks."""

from __future__ import annotations

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span
from deblock.testing import apply_fix, call_span

HEAD = "import subprocess\n\nasync def f(src, data):\n"
NEW_HEAD = "import subprocess\nimport asyncio\n\nasync def f(src, data):\n"
DECODE = '.decode(locale.getpreferredencoding(False)).replace("\\r\\n", "\\n").replace("\\r", "\\n")\n'


def swap(line: str, callee: str) -> str:
    source = HEAD + "    " + line + "\n"
    fix = Fix("subprocess_to_asyncio", call_span(source, "subprocess"), "swap", Applicability.UNSAFE,
              (("callee", f"subprocess.{callee}"),))
    return apply_fix(source, fix)


CASES = [
    pytest.param(
        "subprocess.run(['make', src])", "run",
        "import asyncio\n\nasync def f(src, data):\n" + "    proc = await asyncio.create_subprocess_exec('make', src)\n"
        "    stdout, stderr = await proc.communicate()\n",
        id="run-statement",
    ),
    pytest.param(
        "r = subprocess.run(['make'], check=True, cwd=src)", "run",
        NEW_HEAD + "    proc = await asyncio.create_subprocess_exec('make', cwd=src)\n"
        "    stdout, stderr = await proc.communicate()\n"
        "    if proc.returncode:\n"
        "        raise subprocess.CalledProcessError(proc.returncode, ['make'], stdout, stderr)\n"
        "    r = subprocess.CompletedProcess(['make'], proc.returncode, stdout, stderr)\n",
        id="run-check-completed-process",
    ),
    pytest.param(
        "r = subprocess.run(['cc', src], capture_output=True, text=True)", "run",
        "import subprocess\nimport asyncio\nimport locale\n\nasync def f(src, data):\n"
        "    proc = await asyncio.create_subprocess_exec('cc', src, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)\n"
        "    stdout, stderr = await proc.communicate()\n"
        "    stdout = stdout" + DECODE +
        "    stderr = stderr" + DECODE +
        "    r = subprocess.CompletedProcess(['cc', src], proc.returncode, stdout, stderr)\n",
        id="run-capture-text",
    ),
    pytest.param(
        "r = subprocess.run(['gzip'], input=data, stdout=subprocess.PIPE, env={})", "run",
        NEW_HEAD + "    proc = await asyncio.create_subprocess_exec('gzip', stdin=asyncio.subprocess.PIPE, stdout=subprocess.PIPE, env={})\n"
        "    stdout, stderr = await proc.communicate(data)\n"
        "    r = subprocess.CompletedProcess(['gzip'], proc.returncode, stdout, stderr)\n",
        id="run-input-stdout",
    ),
    pytest.param(
        "subprocess.check_call(['git', 'fetch'])", "check_call",
        NEW_HEAD + "    proc = await asyncio.create_subprocess_exec('git', 'fetch')\n"
        "    stdout, stderr = await proc.communicate()\n"
        "    if proc.returncode:\n"
        "        raise subprocess.CalledProcessError(proc.returncode, ['git', 'fetch'])\n",
        id="check-call",
    ),
    pytest.param(
        "r = subprocess.run(f'ls {src} | wc -l', shell=True, check=True)", "run",
        NEW_HEAD + "    proc = await asyncio.create_subprocess_shell(f'ls {src} | wc -l')\n"
        "    stdout, stderr = await proc.communicate()\n"
        "    if proc.returncode:\n"
        "        raise subprocess.CalledProcessError(proc.returncode, f'ls {src} | wc -l', stdout, stderr)\n"
        "    r = subprocess.CompletedProcess(f'ls {src} | wc -l', proc.returncode, stdout, stderr)\n",
        id="run-shell",
    ),
    pytest.param(
        "subprocess.check_call('make', shell=False)", "check_call",
        NEW_HEAD + "    await asyncio.to_thread(subprocess.check_call, 'make', shell=False)\n",
        id="shell-false-string-falls-back",
    ),
    pytest.param(
        "out = subprocess.check_output(('git', 'log'))", "check_output",
        NEW_HEAD + "    proc = await asyncio.create_subprocess_exec('git', 'log', stdout=asyncio.subprocess.PIPE)\n"
        "    stdout, stderr = await proc.communicate()\n"
        "    if proc.returncode:\n"
        "        raise subprocess.CalledProcessError(proc.returncode, ('git', 'log'), stdout, stderr)\n"
        "    out = stdout\n",
        id="check-output-tuple",
    ),
]


@pytest.mark.parametrize(("line", "callee", "expected"), CASES)
def test_swap(line: str, callee: str, expected: str) -> None:
    assert swap(line, callee) == expected


FALLBACKS = [
    pytest.param("subprocess.run(['make'], timeout=5)", "run", id="timeout"),
    pytest.param("subprocess.run(src, shell=True)", "run", id="shell-not-a-string-literal"),
    pytest.param("subprocess.run(['ls'], shell=True)", "run", id="shell-list"),
    pytest.param("subprocess.run(f'ls {src()}', shell=True)", "run", id="shell-f-string-call"),
    pytest.param("subprocess.run(src)", "run", id="not-a-literal"),
    pytest.param("subprocess.run([*src])", "run", id="starred-item"),
    pytest.param("subprocess.run(['a', str(src)])", "run", id="call-item"),
    pytest.param("subprocess.run(['make'], check=data)", "run", id="non-literal-flag"),
    pytest.param("subprocess.run(['make'], capture_output=True, stdout=None)", "run", id="capture-and-stdout"),
    pytest.param("subprocess.run(['make'], text=True, input=data)", "run", id="text-input"),
    pytest.param("x = subprocess.run(['make']).stdout", "run", id="nested"),
    pytest.param("a, b = subprocess.run(['make']), 1", "run", id="tuple-target"),
    pytest.param("subprocess.check_call(['make'], input=data)", "check_call", id="check-call-input"),
]


@pytest.mark.parametrize(("line", "callee"), FALLBACKS)
def test_fallback_to_thread(line: str, callee: str) -> None:
    fixed = swap(line, callee)
    assert "asyncio.to_thread(subprocess." in fixed
    assert "create_subprocess_exec" not in fixed


def test_existing_names_are_not_clobbered() -> None:
    source = "import subprocess\n\nasync def f():\n    stdout = 1\n    subprocess.run(['make'])\n    return stdout\n"
    fix = Fix("subprocess_to_asyncio", Span(5, 4, 5, 28), "swap", Applicability.UNSAFE, (("callee", "subprocess.run"),))
    fixed, _ = run_codemods(source, [fix])
    assert "await asyncio.to_thread(subprocess.run, ['make'])" in fixed


def test_comment_lines_before_the_statement_survive() -> None:
    fixed = swap("# build it\n    subprocess.check_call(['make'])", "check_call")
    assert "    # build it\n    proc = await asyncio.create_subprocess_exec('make')\n" in fixed
