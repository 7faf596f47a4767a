from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import family_findings
from deblock.rules.blocking._subprocess import with_asyncio_swaps


class BlockingSubprocessInAsync(Rule):
    """
    ## What it does
    Flags processes started or waited for synchronously on the event loop:
    `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput/Popen`,
    `Popen.wait()`/`communicate()`, `os.system`, `os.popen` (and reading its result),
    `os.spawn*`, `os.posix_spawn*` and `os.wait/waitpid/wait3/wait4/waitid`.

    ## Why is this bad?
    Running a command and waiting for it holds the event loop's thread for as long as
    the child runs; even starting one forks and execs on that thread. Nothing else on
    the loop makes progress meanwhile.

    ## Example
    ```python
    import subprocess

    async def thumbnail(path):
        subprocess.run(["convert", path, "-resize", "64x64", "thumb.png"], check=True)
    ```

    Use instead:
    ```python
    import asyncio

    async def thumbnail(path):
        proc = await asyncio.create_subprocess_exec("convert", path, "-resize", "64x64", "thumb.png")
        if await proc.wait() != 0:
            raise RuntimeError("convert failed")
    ```

    `asyncio.create_subprocess_exec` has no `text=`, `check=` or `timeout=`: decode
    output, check `returncode` and use `asyncio.wait_for` yourself. `anyio.run_process`
    checks the return code by default, unlike `subprocess.run`.

    ## Fix safety
    On asyncio, `[r =] subprocess.run([...], ...)`, `subprocess.check_call([...])` and
    `[out =] subprocess.check_output([...])` statements whose command is a list/tuple
    literal become `proc = await asyncio.create_subprocess_exec(...)` and
    `stdout, stderr = await proc.communicate(input)`, then decode for `text=True`, raise
    `subprocess.CalledProcessError` for `check=True`/`check_*` and rebuild the result
    (`subprocess.CompletedProcess`, the output); `shell=True` with a string literal uses
    `create_subprocess_shell`. Other shapes (`timeout=`, other keywords, computed
    commands, nested calls), anyio/trio modules and other calls keep the call and run
    it in a worker thread (`await asyncio.to_thread(subprocess.run, args, check=True)`; `anyio`/`trio`
    `to_thread.run_sync` per the module's library). Both are unsafe: other tasks run
    meanwhile, and cancelling the awaiting task does not stop the child process.

    ## Known limitations
    Leaving `with Popen(...) as p:` waits for the child in `__exit__`; that implicit
    wait is not reported. A process object of unknown type (`proc.wait()` on a
    parameter without annotation) is not flagged.

    ## References
    - [asyncio subprocesses](https://docs.python.org/3/library/asyncio-subprocess.html)
    - [AnyIO: subprocesses](https://anyio.readthedocs.io/en/stable/subprocesses.html)
    """

    code = "DBK103"
    message = (
        "Blocking subprocess call `{callee}()` in async function `{function}`; "
        "the async API is `asyncio.create_subprocess_exec`: {delta}"
    )
    fix_title = "Run in a worker thread"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "import subprocess\n\ndef build():\n    subprocess.run(['make'], check=True)\n",
        "import asyncio\n\nasync def build():\n    proc = await asyncio.create_subprocess_exec('make')\n    await proc.wait()\n",
        "import asyncio, subprocess\n\nasync def build():\n    await asyncio.to_thread(subprocess.run, ['make'])\n",
        "async def build(proc):\n    proc.wait()\n",
    ]
    invalid = [
        Invalid(
            "import anyio, subprocess\n\nasync def build():\n    subprocess.run(['make'], check=True)\n",
            fixed="import anyio, subprocess\nimport functools\n\nasync def build():\n"
            "    await anyio.to_thread.run_sync(functools.partial(subprocess.run, check=True), ['make'])\n",
        ),
        Invalid(
            "import subprocess\n\nasync def build():\n    subprocess.run(['make'], check=True)\n",
            fixed="import subprocess\nimport asyncio\n\nasync def build():\n"
            "    proc = await asyncio.create_subprocess_exec('make')\n    stdout, stderr = await proc.communicate()\n"
            "    if proc.returncode:\n"
            "        raise subprocess.CalledProcessError(proc.returncode, ['make'], stdout, stderr)\n",
            line=4,
            message="Blocking subprocess call `subprocess.run()` in async function `build`; the async API is `asyncio.create_subprocess_exec`",
        ),
        Invalid(
            "from subprocess import Popen, PIPE\n\nasync def grep(text):\n    p = Popen(['grep', 'x'], stdin=PIPE)\n    return p.communicate(text)\n",
            fixed="from subprocess import Popen, PIPE\nimport asyncio\n\nasync def grep(text):\n    p = await asyncio.to_thread(Popen, ['grep', 'x'], stdin=PIPE)\n    return await asyncio.to_thread(p.communicate, text)\n",
            line=5,
        ),
        Invalid(
            "import os\n\nasync def reap(pid):\n    os.waitpid(pid, 0)\n",
            fixed="import os\nimport asyncio\n\nasync def reap(pid):\n    await asyncio.to_thread(os.waitpid, pid, 0)\n",
            line=4,
        ),
        Invalid(
            "import os\n\nasync def uptime():\n    return os.popen('uptime').read()\n",
            fixed="import os\nimport asyncio\n\nasync def uptime():\n    return await asyncio.to_thread((await asyncio.to_thread(os.popen, 'uptime')).read)\n",
            line=4,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from with_asyncio_swaps(self, family_findings(self, facts, project), facts, project)
