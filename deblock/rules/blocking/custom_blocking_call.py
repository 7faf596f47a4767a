from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule, Valid
from deblock.rules.blocking._matching import loop_calls, short_name

_CONFIG = {"blocking-calls": {"mylib.fetch": "use `await mylib.afetch()`"}}


class CustomBlockingCall(Rule):
    """
    ## What it does
    Flags calls, on the event loop, to functions you declared blocking in
    `[tool.deblock.blocking-calls]`: a table of `"qualified.name" = "suggestion"`.
    Names are matched against the resolved callee (imports and aliases followed, methods
    of typed instances as `pkg.Class.method`) and may be fnmatch patterns, as in
    flake8-async's ASYNC200: `"mylib.*.fetch"`, `"legacy.*"`.

    ## Why is this bad?
    deblock's catalogue knows the standard library and common drivers, not your
    in-house SDK or the vendored client that does a synchronous HTTP call. Declaring
    them once makes every direct call from async code visible, with your own advice.

    ## Example
    ```python
    # [tool.deblock.blocking-calls]
    # "mylib.fetch" = "use `await mylib.afetch()`"
    import mylib

    async def handler(key):
        return mylib.fetch(key)
    ```

    Use instead:
    ```python
    import mylib

    async def handler(key):
        return await mylib.afetch(key)
    ```

    ## Options
    The global `blocking-calls` table; the rule is silent while it is empty.

    ## Known limitations
    No fix is offered: deblock does not know the twin of your function. Custom calls are
    not yet followed transitively by DBK120, which reads only the built-in catalogue.
    Awaited calls are skipped (their result is awaitable, so they are not the sync API).

    ## References
    - [flake8-async ASYNC200](https://flake8-async.readthedocs.io/en/latest/rules.html#async200)
    """

    code = "DBK100"
    message = "Blocking call `{callee}` in async function `{function}`: {suggestion}"
    example_config = _CONFIG  # the docs' example assumes this table (tests/rules/test_examples.py)
    valid = [
        Valid("import mylib\n\ndef handler(key):\n    return mylib.fetch(key)\n", config=_CONFIG),
        Valid("import mylib\n\nasync def handler(key):\n    return await mylib.afetch(key)\n", config=_CONFIG),
        Valid("import asyncio, mylib\n\nasync def handler(key):\n    return await asyncio.to_thread(mylib.fetch, key)\n",
              config=_CONFIG),
        "import mylib\n\nasync def handler(key):\n    return mylib.fetch(key)\n",
    ]
    invalid = [
        Invalid(
            "from mylib import fetch as get\n\nasync def handler(key):\n    return get(key)\n",
            line=4,
            message="Blocking call `mylib.fetch` in async function `handler`: use `await mylib.afetch()`",
            config=_CONFIG,
        ),
        Invalid(
            "import vendor.sdk\n\nclient = vendor.sdk.Client()\n\nasync def sync_users():\n"
            "    for page in range(3):\n        client.list_users(page)\n",
            line=7,
            message="`vendor.sdk.Client.list_users`",
            config={"blocking-calls": {"vendor.*.list_*": "wrap it in asyncio.to_thread"}},
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        patterns = self.settings.blocking_calls
        if not patterns:
            return
        for call in loop_calls(facts, project):
            if call.awaited or call.callee is None:
                continue
            name = project.resolve(call.callee) or call.callee
            for pattern, suggestion in patterns:
                # The resolved name, or the name as written (what flake8-async's ASYNC200 matches).
                if any(fnmatchcase(candidate, pattern) for candidate in (name, call.callee, call.text)):
                    yield self.finding(facts, call.span, callee=name, function=short_name(call.function),
                                       suggestion=suggestion)
                    break
