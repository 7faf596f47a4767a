from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._file_io import with_async_files
from deblock.rules.blocking._matching import family_findings


class BlockingFileIoInAsync(Rule):
    """
    ## What it does
    Flags file I/O on the event loop: opening files (`open`, `io.open`, `io.open_code`,
    `os.fdopen`, `os.open`, `codecs.open`, `gzip`/`bz2`/`lzma.open`, `tempfile` files
    and directories), reading and writing through a file object whose type is known
    (`f.read()` after `with open(p) as f`, a parameter annotated `io.BufferedReader`),
    descriptor I/O (`os.read`/`os.write`/`os.fsync`), `shutil` copies, moves and
    `rmtree`, and `pathlib.Path.read_text/read_bytes/write_text/write_bytes/open`.

    `with open(p) as f: data = f.read()` reports two lines, the `open` and the
    `f.read()`: both block, and the fix offloads each.

    ## Why is this bad?
    Disk I/O blocks the thread that runs the event loop. On a fast local SSD one read
    is short, but network file systems, large files, a busy disk or `rmtree` on a big
    tree stall every other task for as long as the I/O takes.

    ## Example
    ```python
    async def load_config(path):
        with open(path) as f:
            return f.read()
    ```

    Use instead:
    ```python
    import asyncio
    from pathlib import Path

    async def load_config(path):
        return await asyncio.to_thread(Path(path).read_text)
    ```

    With `aiofiles` or `anyio` installed, `async with aiofiles.open(path) as f:` or
    `async with await anyio.open_file(path) as f:` followed by `await f.read()` does
    the same; both also run the I/O in worker threads.

    ## Fix safety
    The fix keeps each call and runs it in a worker thread
    (`with await asyncio.to_thread(open, path) as f:`, `await asyncio.to_thread(f.read)`;
    `anyio`/`trio` `to_thread.run_sync` per the module's library). It is unsafe: other
    tasks run between the open and the reads, and a file object is now used from
    several threads. When the module imports `anyio` or `aiofiles`, or the project's
    dependency files require one of them directly (`aiofiles` on asyncio only),
    `with open(...) as f:` whose body uses `f` only through method calls becomes
    `async with await anyio.open_file(...) as f:` / `async with aiofiles.open(...) as f:`
    with each `f.read()`/`f.write()` awaited; other shapes keep the worker thread.

    ## Known limitations
    The result type of `open()` is taken as `io.TextIOWrapper` whatever the mode, so a
    binary read is reported as `io.TextIOWrapper.read`. Iterating a file
    (`for line in f`) is not reported, only method calls.

    ## References
    - [AnyIO: asynchronous file I/O](https://anyio.readthedocs.io/en/stable/fileio.html)
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    """

    code = "DBK104"
    message = "Blocking file I/O `{callee}()` in async function `{function}`; {delta}"
    fix_title = "Run in a worker thread"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "def load(path):\n    with open(path) as f:\n        return f.read()\n",
        "import asyncio\n\nasync def load(path):\n    return await asyncio.to_thread(lambda: open(path).read())\n",
        "import io\n\nasync def parse(data):\n    return io.BytesIO(data).read()\n",
        "async def save(upload, stream):\n    stream.write(upload.read())\n",
    ]
    invalid = [
        Invalid(
            "import anyio\n\nasync def load(path):\n    with open(path) as f:\n        return f.read().strip()\n",
            fixed="import anyio\n\nasync def load(path):\n    async with await anyio.open_file(path) as f:\n"
            "        return (await f.read()).strip()\n",
        ),
        Invalid(
            "import aiofiles\n\nasync def save(path, data):\n    with open(path, 'wb') as f:\n        f.write(data)\n",
            fixed="import aiofiles\n\nasync def save(path, data):\n    async with aiofiles.open(path, 'wb') as f:\n"
            "        await f.write(data)\n",
        ),
        Invalid(
            "async def load(path):\n    with open(path) as f:\n        return f.read()\n",
            fixed="import asyncio\n\nasync def load(path):\n    with await asyncio.to_thread(open, path) as f:\n"
            "        return await asyncio.to_thread(f.read)\n",
            line=2,
            message="Blocking file I/O `builtins.open()` in async function `load`",
        ),
        Invalid(
            "from pathlib import Path\n\nasync def save(path, text):\n    Path(path).write_text(text, encoding='utf-8')\n",
            fixed="from pathlib import Path\nimport asyncio\n\nasync def save(path, text):\n"
            "    await asyncio.to_thread(Path(path).write_text, text, encoding='utf-8')\n",
            message="`pathlib.Path.write_text()`",
        ),
        Invalid(
            "import shutil\n\nasync def purge(folder):\n    shutil.rmtree(folder)\n",
            fixed="import shutil\nimport asyncio\n\nasync def purge(folder):\n    await asyncio.to_thread(shutil.rmtree, folder)\n",
            line=4,
        ),
        Invalid(
            "from pathlib import Path\n\nasync def load(a, b):\n    src, dst = Path(a), Path(b)\n    return src.read_text()\n",
            fixed="from pathlib import Path\nimport asyncio\n\nasync def load(a, b):\n    src, dst = Path(a), Path(b)\n"
            "    return await asyncio.to_thread(src.read_text)\n",
            line=5,
            message="`pathlib.Path.read_text()`",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from with_async_files(self, family_findings(self, facts, project), facts, project)
