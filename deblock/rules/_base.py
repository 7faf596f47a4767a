"""The rule API: one module, one `Rule` subclass, docs and examples inside it.

A rule is a pure function of facts: `check(facts, project)` yields findings and
never walks a tree, does I/O or keeps state between files. Selection, suppression
and severity overrides are the engine's job.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from deblock.model import Applicability, Finding, Fix, FixAvailability, Severity, Span

if TYPE_CHECKING:
    from deblock.analyzer.facts.model import ModuleFacts
    from deblock.analyzer.project import Project
    from deblock.config import Settings

CODE_PATTERN = re.compile(r"^DBK[0-9]{3}$")
REQUIRED_HEADINGS = ("## What it does", "## Why is this bad?", "## Example")
DOCS_URL = "https://deblock.readthedocs.io/en/latest/rules/{code}/"


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must stay silent. `config` holds settings overrides (e.g. async-library)."""

    code: str
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must fire.

    `line` (1-based, in the first file) and `message` (a substring) are checked when
    given; `fixed` is the whole first file after `--fix --unsafe-fixes`; when it is
    None the rule must offer no applicable fix here.
    """

    code: str
    fixed: str | None = None
    line: int | None = None
    message: str | None = None
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Rule:
    code: ClassVar[str]
    message: ClassVar[str]  # a str.format template with named fields
    fix_title: ClassVar[str | None] = None
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NONE
    applicability: ClassVar[Applicability] = Applicability.UNSAFE
    severity: ClassVar[Severity] = Severity.ERROR
    scope: ClassVar[str] = "module"  # "project" when the rule needs the call graph or entry points
    Options: ClassVar[type | None] = None
    valid: ClassVar[list[str | Valid]] = []
    invalid: ClassVar[list[str | Invalid]] = []
    # Findings come from the engine or the fix runner rather than from `check()`
    # (DBK900); such a rule has no examples and is tested where it is emitted.
    emitted_by_engine: ClassVar[bool] = False
    # Settings the docstring's example assumes (a rule that is silent without
    # configuration, such as DBK100, names them here); used by the docs test.
    example_config: ClassVar[Mapping[str, Any] | None] = None

    name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = kebab(cls.__name__)

    def __init__(self, settings: Settings, options: Any = None) -> None:
        self.settings = settings
        self.options = options if options is not None else (self.Options() if self.Options else None)

    @classmethod
    def docs(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first sentence of `## What it does`, for SARIF shortDescription and listings."""
        body = cls.docs().split("## What it does", 1)[-1].split("##", 1)[0].strip()
        first = body.split("\n\n", 1)[0].replace("\n", " ")
        return first.split(". ", 1)[0].rstrip(".") + "."

    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code)

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(self, facts: ModuleFacts, span: Span, *, fix: Fix | None = None, **fields: Any) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            message=self.message.format(**fields),
            path=facts.path,
            span=span,
            severity=self.severity,
            fix=fix,
        )

    def make_fix(self, codemod: str, span: Span, *, title: str | None = None,
                 applicability: Applicability | None = None, **args: str) -> Fix:
        return Fix(
            codemod=codemod,
            span=span,
            title=title or self.fix_title or "",
            applicability=applicability or self.applicability,
            args=tuple(sorted(args.items())),
        )
