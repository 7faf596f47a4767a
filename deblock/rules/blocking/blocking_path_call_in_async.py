from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import family_findings


class BlockingPathCallInAsync(Rule):
    """
    ## What it does
    Flags filesystem queries and metadata changes on the event loop: disk-touching
    `os.path` functions (`exists`, `isfile`, `isdir`, `getsize`, `getmtime`,
    `realpath`, `samefile`, ...), `os.stat/listdir/scandir/walk/mkdir/makedirs/remove/
    rename/replace/rmdir/access/chmod/...`, `glob.glob`, `shutil.disk_usage/which`, and
    `pathlib.Path` methods that hit the disk (`exists`, `is_file`, `stat`, `iterdir`,
    `glob`, `mkdir`, `unlink`, `rename`, `resolve`, `touch`, ...).

    Pure path arithmetic never fires: `os.path.join`, `basename`, `dirname`,
    `splitext`, `normpath`, `samestat`, `Path.name`, `Path.parent`, `Path.with_suffix`,
    `Path(a) / b`. Neither do `os.path.abspath`, `os.path.relpath`, `expanduser`,
    `Path.absolute`, `Path.cwd`/`home` and `os.getcwd`: they read the process's
    working directory or environment, not the disk (Ruff's ASYNC240 flags some of them).

    ## Why is this bad?
    Each call is a system call that may wait for the disk or a network file system.
    One `stat` is usually fast, but `walk`, `glob` or a loop over `exists()` blocks the
    event loop's thread for as long as the file system takes.

    ## Example
    ```python
    import os

    async def report_size(path):
        if os.path.exists(path):
            return os.path.getsize(path)
    ```

    Use instead:
    ```python
    import asyncio
    import os

    def _size(path):
        return os.path.getsize(path) if os.path.exists(path) else None

    async def report_size(path):
        return await asyncio.to_thread(_size, path)
    ```

    deblock does not suggest `anyio.Path` or `trio.Path` for asyncio code (they need
    anyio/trio); where the project already uses `aiofiles`, `aiofiles.os.path` has
    awaited twins.

    ## Fix safety
    The fix runs each call in a worker thread
    (`await asyncio.to_thread(os.path.exists, path)`; `anyio`/`trio`
    `to_thread.run_sync` per the module's library). It is unsafe: the check and the
    use that follows it are further apart in time, and other tasks run in between.
    Calls that return lazy iterators (`os.walk`, `os.scandir`, `glob.iglob`,
    `Path.iterdir/glob/rglob/walk`) get no fix: they read the disk while the loop
    consumes them, so offload the whole loop instead
    (`await asyncio.to_thread(lambda: list(os.walk(top)))`).

    ## Known limitations
    A path built with `/` or reached through a property (`Path(__file__).parent`) has
    no known type, so `(root / name).exists()` is not flagged; bind it with
    `Path(...)` or a `pathlib.Path` annotation to have it checked.

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [aiofiles.os](https://github.com/Tinche/aiofiles#aiofilesos)
    """

    code = "DBK105"
    message = "Blocking filesystem call `{callee}()` in async function `{function}`; {delta}"
    fix_title = "Run in a worker thread"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "import os\n\ndef size(path):\n    return os.path.getsize(path)\n",
        "import os\n\nasync def target(root, name):\n    return os.path.splitext(os.path.join(root, os.path.basename(name)))[0]\n",
        "from pathlib import Path\n\nasync def stem(p):\n    return Path(p).with_suffix('.txt').name\n",
        "import asyncio, os\n\nasync def size(path):\n    return await asyncio.to_thread(os.path.getsize, path)\n",
        "import os\n\nasync def full(path):\n    return os.path.normpath(os.path.abspath(path))\n",
    ]
    invalid = [
        Invalid(
            "import os\n\nasync def size(path):\n    return os.path.getsize(path)\n",
            fixed="import os\nimport asyncio\n\nasync def size(path):\n    return await asyncio.to_thread(os.path.getsize, path)\n",
            line=4,
            message="Blocking filesystem call `os.path.getsize()` in async function `size`",
        ),
        Invalid(
            "from pathlib import Path\n\nasync def ensure(folder):\n    Path(folder).mkdir(parents=True, exist_ok=True)\n",
            fixed="from pathlib import Path\nimport asyncio\n\nasync def ensure(folder):\n"
            "    await asyncio.to_thread(Path(folder).mkdir, parents=True, exist_ok=True)\n",
            message="`pathlib.Path.mkdir()`",
        ),
        Invalid(
            "from os.path import isfile\n\nasync def has(path):\n    if isfile(path):\n        return True\n",
            fixed="from os.path import isfile\nimport asyncio\n\nasync def has(path):\n    if await asyncio.to_thread(isfile, path):\n        return True\n",
            line=4,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from family_findings(self, facts, project)
