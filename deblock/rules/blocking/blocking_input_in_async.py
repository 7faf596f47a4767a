from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import family_findings


class BlockingInputInAsync(Rule):
    """
    ## What it does
    Flags reads from the terminal or standard input on the event loop: `input()`,
    `getpass.getpass()` and `sys.stdin.read()`/`readline()`/`readlines()` (also on
    `sys.stdin.buffer`).

    ## Why is this bad?
    These calls wait for a human to type, or for a pipe to deliver data. While they
    wait, the thread that runs the event loop is stuck: no other task, request or timer
    makes progress, possibly for minutes.

    Calls inside a nested `def` or a `lambda`, and functions handed to
    `asyncio.to_thread` or `loop.run_in_executor`, do not run on the loop and are not
    flagged (ruff#23425).

    ## Example
    ```python
    async def confirm(question):
        answer = input(question)
        return answer == "y"
    ```

    Use instead:
    ```python
    import asyncio

    async def confirm(question):
        answer = await asyncio.to_thread(input, question)
        return answer == "y"
    ```

    ## Fix safety
    The fix runs the call in a worker thread with `await asyncio.to_thread(...)`
    (`anyio.to_thread.run_sync` / `trio.to_thread.run_sync` per `async-library`). It
    is unsafe: the call becomes a suspension point, and a cancelled task leaves the
    thread waiting on the terminal until input arrives.

    ## Known limitations
    `sys.stdin` reached through another name (`stream = sys.stdin` passed around) is
    only resolved within the module. For interactive async programs, a library such as
    `aioconsole.ainput` or an asyncio stream over stdin avoids the thread.

    ## References
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [Ruff ASYNC250](https://docs.astral.sh/ruff/rules/blocking-input-in-async-function/)
    """

    code = "DBK106"
    message = "Blocking read `{callee}()` in async function `{function}`"
    fix_title = "Run in a worker thread with `await asyncio.to_thread(...)`"
    fix_availability = FixAvailability.ALWAYS
    applicability = Applicability.UNSAFE
    valid = [
        "def ask():\n    return input('name? ')\n",
        "import asyncio\n\nasync def ask():\n    return await asyncio.to_thread(input, 'name? ')\n",
        "import asyncio\n\nasync def ask():\n    return await asyncio.to_thread(lambda: input('name? '))\n",
        "async def ask(console):\n    return console.input('name? ')\n",
        "import sys\n\nasync def greet():\n    sys.stdout.write('hi')\n",
    ]
    invalid = [
        Invalid(
            "async def ask():\n    return input('name? ')\n",
            fixed="import asyncio\n\nasync def ask():\n    return await asyncio.to_thread(input, 'name? ')\n",
            line=2,
            message="Blocking read `builtins.input()` in async function `ask`",
        ),
        Invalid(
            "import getpass\n\nasync def login(user):\n    secret = getpass.getpass(prompt='Password: ')\n    return user, secret\n",
            fixed="import getpass\nimport asyncio\n\nasync def login(user):\n"
            "    secret = await asyncio.to_thread(getpass.getpass, prompt='Password: ')\n    return user, secret\n",
            line=4,
        ),
        Invalid(
            "import sys\nimport anyio\n\nasync def consume():\n    line = sys.stdin.readline()\n    return line.strip()\n",
            fixed="import sys\nimport anyio\n\nasync def consume():\n"
            "    line = await anyio.to_thread.run_sync(sys.stdin.readline)\n    return line.strip()\n",
            line=5,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from family_findings(self, facts, project)
