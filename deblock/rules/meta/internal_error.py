from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Rule


class InternalError(Rule):
    """
    ## What it does
    Reports a problem in deblock itself while handling a file: a fix whose output did
    not parse or did not settle within 10 passes (the file is left unchanged), or a
    rule that failed on the file.

    ## Why is this bad?
    It is not a problem in your code. The file keeps its original content, and the
    other findings are still reported. Please report it with the file (or a reduced
    copy) so the rule or fix can be corrected.

    ## Example
    ```python
    # A fix that would produce invalid code is reverted and reported as DBK900.
    ```

    Use instead:
    ```python
    # Nothing to change in your code; suppress with `# noqa: DBK900` if needed.
    ```
    """

    code = "DBK900"
    message = "{error}"
    valid = ["x = 1\n", "async def f():\n    return 1\n"]
    emitted_by_engine = True

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        return iter(())
