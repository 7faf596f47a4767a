from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule


class SyntaxError(Rule):  # noqa: A001 - the rule is named after the pattern it flags
    """
    ## What it does
    Reports a file that could not be decoded or parsed as Python.

    ## Why is this bad?
    deblock cannot see inside a file it cannot parse, so any blocking call, N+1 query
    or per-request connection in it goes unreported; the interpreter will refuse the
    file too. The rest of the project is still analysed, and the run exits 1.

    ## Example
    ```python
    async def index(:
        return 1
    ```

    Use instead:
    ```python
    async def index():
        return 1
    ```
    """

    code = "DBK001"
    message = "Syntax error: {error}"
    valid = ["x = 1\n", "async def f():\n    return 1\n"]
    invalid = [
        Invalid("def f(:\n    pass\n", line=1, message="Syntax error"),
        Invalid("x = 1\nif x\n    y = 2\n", line=2),
        Invalid("print 'hello'\n", line=1),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        if facts.syntax_error is not None:
            yield self.finding(facts, facts.syntax_error.span, error=facts.syntax_error.message)

