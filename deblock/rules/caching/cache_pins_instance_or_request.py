from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.models import model_graph
from deblock.analyzer.project import Project
from deblock.caching_knowledge import caching_knowledge
from deblock.model import Finding, FixAvailability, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import is_low_priority_path
from deblock.rules.caching._state import cached_property_is_exact, is_enum, memoizer

_ADVICE = "cache on the values it needs (ids, strings) in a `cachetools.TTLCache`, or memoise per request"


class CachePinsInstanceOrRequest(Rule):
    """
    ## What it does
    Flags `functools.lru_cache` / `functools.cache` (any alias, with or without a call)
    on an instance method (static and class methods and Enum members are exempt, as in
    flake8-bugbear's B019), on a function taking a request, a session, a connection or an
    ORM instance (by annotation: `HttpRequest`, `flask.Request`, Starlette's `Request`,
    `sqlalchemy.orm.Session`, a project model; or, as a warning, by a conventional name:
    `request`, `session`, `conn`, `db`), and on generators and coroutines.

    ## Why is this bad?
    The cache is one dict for the whole process, keyed on the arguments and holding them
    forever (until `maxsize` evicts them; never with `@cache`). On a method, every `self`
    it saw stays alive and the entries are never shared between instances; with a request
    or a session as an argument, the key is that object's identity, so the cache never
    hits across requests while keeping each request and its data alive. A cached
    generator is returned already consumed to the second caller, and a cached coroutine
    raises `RuntimeError` when awaited a second time.

    ## Example
    ```python
    import functools

    class Prices:
        @functools.lru_cache(maxsize=256)
        def for_sku(self, sku):
            return load(sku)
    ```

    Use instead:
    ```python
    import cachetools

    _prices = cachetools.TTLCache(maxsize=256, ttl=300)

    class Prices:
        def for_sku(self, sku):
            if sku not in _prices:
                _prices[sku] = load(sku)
            return _prices[sku]
    ```

    ## Fix safety
    A method that takes only `self` and that nothing calls (it is read as an attribute)
    becomes a `functools.cached_property`: one value per instance, freed with it. Unsafe:
    the value is no longer shared between instances, and `cache_clear()`/`cache_info()`
    on it stop existing. Other cases get advice only.

    ## References
    - [flake8-bugbear B019 / Ruff cached-instance-method](https://docs.astral.sh/ruff/rules/cached-instance-method/)
    - [functools.cached_property](https://docs.python.org/3/library/functools.html#functools.cached_property)
    - [Semgrep: cannot-cache-generators](https://semgrep.dev/r/python.lang.correctness.cannot-cache-generators.cannot-cache-generators)
    """

    code = "DBK402"
    message = "`@{decorator}` on {what} `{function}`: {why}"
    fix_title = "Use `functools.cached_property`"
    fix_availability = FixAvailability.SOMETIMES
    scope = "project"
    valid = [
        "from functools import lru_cache\n\n@lru_cache\ndef settings():\n    return {}\n",
        "import functools\n\nclass C:\n    @staticmethod\n    @functools.cache\n    def f(x):\n        return x\n",
        "import enum, functools\n\nclass E(enum.Enum):\n    A = 1\n    @functools.cache\n    def f(self):\n        return 1\n",
        "from functools import cache\n\n@cache\ndef rate(currency: str) -> float:\n    return 1.0\n",
    ]
    invalid = [
        Invalid("import functools\n\nclass C:\n    @functools.lru_cache(maxsize=9)\n    def f(self, x):\n        return x\n",
                line=4, message="instance method"),
        Invalid("import functools\n\nclass C:\n    @functools.lru_cache\n    def total(self):\n        return 1\n",
                fixed="import functools\n\nclass C:\n    @functools.cached_property\n    def total(self):\n        return 1\n"),
        Invalid("from functools import cache\nfrom django.http import HttpRequest\n\n@cache\n"
                "def menu(request: HttpRequest):\n    return []\n", line=4, message="takes `request` (`django.http.HttpRequest`)"),
        Invalid("from functools import cache as memo\n\n@memo\ndef rows():\n    yield 1\n", message="generator"),
        Invalid("import functools\n\n@functools.cache\ndef load(db):\n    return db.x\n", message="conventional name"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for fn in facts.functions:
            found = memoizer(fn)
            if found is None:
                continue
            index, decorator = found
            problem = _problem(project, fn)
            if problem is None:
                continue
            what, why, severity = problem
            span = fn.decorators[index].span or fn.span
            fix = None
            if what == "instance method" and cached_property_is_exact(project, fn):
                fix = self.make_fix("lru_cache_to_cached_property", span)
            name = ".".join(fn.qualname.split(".")[-2:]) if fn.class_qualname else fn.name
            finding = self.finding(facts, span, fix=fix, decorator=decorator, what=what, function=name, why=why)
            yield replace(finding, severity=Severity.INFO if is_low_priority_path(facts.path) else severity)


def _problem(project: Project, fn: FunctionFact) -> tuple[str, str, Severity] | None:
    knowledge = caching_knowledge().memoizers
    if fn.is_generator:
        return ("generator", "the second caller gets the same generator object, already consumed; "
                "cache `list(...)` of it instead", Severity.ERROR)
    if fn.is_async:
        return ("coroutine function", "the cache returns the same coroutine, and awaiting it twice raises "
                "RuntimeError; use an async-aware cache (`async_lru.alru_cache`, `aiocache`)", Severity.ERROR)
    params = fn.params
    if fn.class_qualname is not None:
        if any(d.name in knowledge.no_instance for d in fn.decorators) or not params:
            return None
        if is_enum(project, fn.class_qualname):
            return None
        slots = any(a.name == "__slots__" for a in getattr(project.classes.get(fn.class_qualname), "assigns", ()))
        why = ("the process-wide cache keeps every `self` it saw alive and never shares entries between "
               "instances; " + ("use `functools.cached_property`" if len(params) == 1 and not slots else _ADVICE))
        return ("instance method", why, Severity.ERROR)
    models = model_graph(project).models
    for param in params:
        kind = ("a model instance: the cache keeps each one alive and serves what it computed from that row "
                "after the row changes") if param.annotation in models else (
            "a per-request object: the cache keys on its identity, never hits across requests and keeps each "
            "one alive") if param.annotation in knowledge.request_types else None
        if kind is not None:
            return ("function", f"it takes `{param.name}` (`{param.annotation}`), {kind}; {_ADVICE}", Severity.ERROR)
    for param in params:
        if param.annotation is None and param.name in knowledge.request_names:
            return ("function", f"it takes `{param.name}`, by its conventional name a request, session or "
                    f"connection: the cache would key on its identity and keep it alive; {_ADVICE}", Severity.WARNING)
    return None

