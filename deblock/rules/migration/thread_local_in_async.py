from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class ThreadLocalInAsync(Rule):
    """
    ## What it does
    Flags reads and writes of a `threading.local()` object (a module-level instance,
    or an instance of a `threading.local` subclass) in an `async def`: attribute reads,
    attribute writes, and `getattr`/`setattr`/`hasattr`/`delattr` on it.

    ## Why is this bad?
    Every task on an event loop runs in the same thread, so a thread-local is shared
    by all concurrent requests: one request's `current_user` or tenant becomes
    visible to, and is overwritten by, another between two awaits. `contextvars`
    gives each task its own value (asyncio copies the context per task), and
    `asgiref.local.Local` works in both sync and async code.

    ## Example
    ```python
    import threading

    _state = threading.local()

    async def middleware(request, call_next):
        _state.user = request.user
        return await call_next(request)
    ```

    Use instead:
    ```python
    import contextvars

    current_user = contextvars.ContextVar("current_user")

    async def middleware(request, call_next):
        current_user.set(request.user)
        return await call_next(request)
    ```

    ## References
    - [contextvars](https://docs.python.org/3/library/contextvars.html)
    - [asgiref.local.Local](https://github.com/django/asgiref#asgireflocal)
    """

    code = "DBK507"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "import threading\n\n_state = threading.local()\n\ndef handler(request):\n    _state.user = request.user\n",
        "from asgiref.local import Local\n\n_state = Local()\n\nasync def handler(request):\n"
        "    _state.user = request.user\n",
        "import contextvars\n\nuser = contextvars.ContextVar('user')\n\nasync def handler(request):\n"
        "    user.set(request.user)\n",
    ]
    invalid = [
        Invalid("import threading\n\n_state = threading.local()\n\nasync def handler(request):\n"
                "    return _state.user\n", line=6, message="`_state` is a `threading.local` used in async `handler`"),
        Invalid("from threading import local\n\nclass Ctx(local):\n    user = None\n\nctx = Ctx()\n\n"
                "async def handler(request):\n    ctx.user = request.user\n", line=9),
        Invalid("import threading\n\n_state = threading.local()\n\nasync def handler(request):\n"
                "    return getattr(_state, 'user', None)\n", line=6),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
