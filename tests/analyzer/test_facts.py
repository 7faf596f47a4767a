"""Facts gathered from one module: name resolution, context, spans, definitions,
suppressions and the never-raise contract of `extract`."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from deblock.analyzer.facts.model import (
    CallFact,
    FunctionFact,
    ModuleFacts,
    SuppressionFact,
)
from deblock.analyzer.facts.suppressions import scan
from deblock.analyzer.parse import content_hash, extract


def facts_of(source: str, module: str = "pkg.mod", is_package: bool = False) -> ModuleFacts:
    path = module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    facts = extract(textwrap.dedent(source).encode("utf-8"), path, module, is_package)
    assert facts.syntax_error is None, facts.syntax_error
    return facts


def the_call(facts: ModuleFacts, text: str) -> CallFact:
    found = [c for c in facts.calls if c.text == text]
    assert len(found) == 1, f"expected one call `{text}`, found {[c.text for c in facts.calls]}"
    return found[0]


def the_function(facts: ModuleFacts, qualname: str) -> FunctionFact:
    found = [f for f in facts.functions if f.qualname == qualname]
    assert len(found) == 1, f"expected one function {qualname}, found {[f.qualname for f in facts.functions]}"
    return found[0]


# ---------------------------------------------------------------------- name resolution
RESOLUTION = [
    pytest.param("import requests as r\nr.get('u')\n", "r.get", "requests.get", id="import-as"),
    pytest.param("import requests\nrequests.get('u')\n", "requests.get", "requests.get", id="import"),
    pytest.param("from time import sleep\nsleep(1)\n", "sleep", "time.sleep", id="from-import"),
    pytest.param("from time import sleep as nap\nnap(1)\n", "nap", "time.sleep", id="from-import-as"),
    pytest.param("import os.path\nos.path.exists('x')\n", "os.path.exists", "os.path.exists", id="import-dotted"),
    pytest.param("import os.path\nos.getcwd()\n", "os.getcwd", "os.getcwd", id="import-dotted-binds-top"),
    pytest.param("import os.path as osp\nosp.exists('x')\n", "osp.exists", "os.path.exists", id="import-dotted-as"),
    pytest.param("from os import path\npath.join('a')\n", "path.join", "os.path.join", id="from-import-module"),
    pytest.param("import urllib.request\nurllib.request.urlopen('u')\n", "urllib.request.urlopen",
                 "urllib.request.urlopen", id="import-dotted-deep"),
    pytest.param("def f():\n    import httpx as hx\n    hx.get('u')\n", "hx.get", "httpx.get", id="function-local-import"),
    pytest.param("def f():\n    sleep(1)\nfrom time import sleep\n", "sleep", "time.sleep", id="import-after-use"),
    pytest.param(
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\njson.loads('1')\n",
        "json.loads", "json.loads", id="try-except-import",
    ),
    pytest.param("get = __import__('requests').get\n", "__import__", "builtins.__import__", id="builtin"),
    pytest.param("open('f')\n", "open", "builtins.open", id="builtin-open"),
    pytest.param("def helper(): pass\nhelper()\n", "helper", "pkg.mod.helper", id="module-function"),
    pytest.param("def f():\n    helper()\ndef helper(): pass\n", "helper", "pkg.mod.helper", id="module-function-defined-later"),
    pytest.param("import requests\nget = requests.get\nget('u')\n", "get", "requests.get", id="alias-assignment"),
    # Bound nowhere in the module: a global from elsewhere, named as written.
    pytest.param("unknown_name()\n", "unknown_name", "unknown_name", id="undefined-name"),
    pytest.param("subprocess.run(['ls'])\n", "subprocess.run", "subprocess.run", id="unimported-module"),
]


@pytest.mark.parametrize(("source", "text", "callee"), RESOLUTION)
def test_resolution(source: str, text: str, callee: str | None) -> None:
    assert the_call(facts_of(source), text).callee == callee


RELATIVE = [
    # (module, is_package, import line, call text, expected callee)
    pytest.param("pkg.sub.mod", False, "from . import sib", "sib.x", "pkg.sub.sib.x", id="module-level1-module"),
    pytest.param("pkg.sub.mod", False, "from .sib import helper", "helper", "pkg.sub.sib.helper", id="module-level1-name"),
    pytest.param("pkg.sub.mod", False, "from .sib import helper as h", "h", "pkg.sub.sib.helper", id="module-level1-as"),
    pytest.param("pkg.sub.mod", False, "from .. import up", "up.y", "pkg.up.y", id="module-level2-module"),
    pytest.param("pkg.sub.mod", False, "from ..other import thing", "thing", "pkg.other.thing", id="module-level2-name"),
    pytest.param("pkg.sub", True, "from . import sib", "sib.x", "pkg.sub.sib.x", id="package-level1-module"),
    pytest.param("pkg.sub", True, "from .impl import load", "load", "pkg.sub.impl.load", id="package-level1-name"),
    pytest.param("pkg.sub", True, "from .. import up", "up.y", "pkg.up.y", id="package-level2-module"),
    pytest.param("pkg.sub", True, "from ..other import thing", "thing", "pkg.other.thing", id="package-level2-name"),
    pytest.param("pkg", True, "from .impl import load", "load", "pkg.impl.load", id="top-package-level1"),
]


@pytest.mark.parametrize(("module", "is_package", "line", "text", "callee"), RELATIVE)
def test_relative_imports(module: str, is_package: bool, line: str, text: str, callee: str) -> None:
    facts = facts_of(f"{line}\n{text}()\n", module=module, is_package=is_package)
    assert the_call(facts, text).callee == callee
    # The import fact records the canonical target too.
    alias = text.partition(".")[0]
    (imp,) = [i for i in facts.imports if i.alias == alias]
    assert callee.startswith(imp.target)


def test_import_facts() -> None:
    facts = facts_of("import os.path\nimport numpy as np\nfrom . import sib\nfrom .x import *\n", module="pkg.mod")
    assert [(i.alias, i.target) for i in facts.imports] == [("os", "os"), ("np", "numpy"), ("sib", "pkg.sib")]
    assert facts.imports[0].span.line == 1 and facts.imports[2].span.line == 3


METHODS = """\
    import httpx, requests

    class Service:
        def __init__(self):
            self.client = httpx.Client()

        def run(self):
            self.helper()
            self.client.get("u")

        def helper(self):
            pass

        @classmethod
        def build(cls):
            cls.helper(None)

    def local_instance():
        s = requests.Session()
        s.get("u")

    def context_manager(p):
        with open(p) as f:
            f.read()
        with requests.Session() as session:
            session.post("u")

    def annotated_local():
        c: httpx.Client = make()
        c.get("u")
"""


@pytest.mark.parametrize(
    ("function", "text", "callee"),
    [
        pytest.param("pkg.mod.Service.run", "self.helper", "pkg.mod.Service.helper", id="self-method"),
        pytest.param("pkg.mod.Service.run", "self.client.get", "httpx.Client.get", id="self-attribute-instance"),
        pytest.param("pkg.mod.Service.build", "cls.helper", "pkg.mod.Service.helper", id="cls-method"),
        pytest.param("pkg.mod.local_instance", "s.get", "requests.Session.get", id="local-instance"),
        pytest.param("pkg.mod.context_manager", "f.read", "builtins.open().read", id="with-open"),
        pytest.param("pkg.mod.context_manager", "session.post", "requests.Session.post", id="with-instance"),
        pytest.param("pkg.mod.annotated_local", "c.get", "httpx.Client.get", id="annotated-local"),
    ],
)
def test_method_and_instance_resolution(function: str, text: str, callee: str) -> None:
    facts = facts_of(METHODS)
    call = the_call(facts, text)
    assert call.callee == callee
    assert call.function == function


def test_self_attribute_type_recorded_on_class() -> None:
    facts = facts_of(METHODS)
    (cls,) = facts.classes
    assert dict(cls.attribute_types)["client"] == "httpx.Client"


ANNOTATIONS = [
    pytest.param("client: httpx.Client", id="plain"),
    pytest.param("client: Optional[httpx.Client]", id="optional"),
    pytest.param("client: typing.Optional[httpx.Client]", id="typing-optional"),
    pytest.param("client: httpx.Client | None", id="pep604"),
    pytest.param("client: None | httpx.Client", id="pep604-none-first"),
    pytest.param("client: 'httpx.Client'", id="string"),
    pytest.param("client: 'Optional[httpx.Client]'", id="string-optional"),
    pytest.param("client: 'httpx.Client | None'", id="string-pep604"),
    pytest.param("client: Annotated[httpx.Client, 'meta']", id="annotated"),
    pytest.param("client: httpx.Client = None", id="with-default"),
    pytest.param("*, client: httpx.Client", id="keyword-only"),
    pytest.param("client: Union[httpx.Client, None]", id="union-none"),
    pytest.param("client: typing.Union[None, httpx.Client]", id="union-none-first"),
]


@pytest.mark.parametrize("param", ANNOTATIONS)
def test_parameter_annotation(param: str) -> None:
    source = f"""\
        import typing, httpx
        from typing import Annotated, Optional, Union

        def view({param}):
            client.get("u")
    """
    facts = facts_of(source)
    assert the_call(facts, "client.get").callee == "httpx.Client.get"
    fn = the_function(facts, "pkg.mod.view")
    assert fn.params[0].name == "client"
    assert fn.params[0].annotation == "httpx.Client"


UNRESOLVED = [
    pytest.param("def f(d):\n    d.get('k')\n", "d.get", id="untyped-param"),
    pytest.param("import requests\ndef f(requests):\n    requests.get('u')\n", "requests.get", id="param-shadows-module"),
    pytest.param("import requests\nf = lambda requests: requests.get('u')\n", "requests.get", id="lambda-param-shadows"),
    pytest.param("import time\ndef f(xs):\n    for time in xs:\n        time.sleep(1)\n", "time.sleep",
                 id="loop-target-shadows"),
    pytest.param("import time\ndef f(a, b):\n    time, x = a, b\n    time.sleep(1)\n", "time.sleep", id="tuple-target-shadows"),
    pytest.param("def f():\n    x = {}\n    x.get('k')\n", "x.get", id="dict-literal"),
    pytest.param("def f(items):\n    for item in items:\n        item.save()\n", "item.save", id="loop-variable"),
    pytest.param("def f(d):\n    d.get('k')\n", "d.get", id="untyped-parameter-receiver"),
    pytest.param(
        "import requests\ndef f(sessions):\n    return [requests.get('u') for requests in sessions]\n",
        "requests.get",
        id="comprehension-target-shadows",
    ),
    pytest.param(
        "import requests\ndef f(pairs):\n    return {k: requests.get() for k, requests in pairs}\n",
        "requests.get",
        id="comprehension-tuple-target-shadows",
    ),
    pytest.param(
        "import requests\ndef f(xs):\n    if (requests := xs):\n        requests.get()\n",
        "requests.get",
        id="walrus-shadows",
    ),
    pytest.param(
        "import requests\ndef f():\n    try:\n        pass\n    except Exception as requests:\n        requests.get()\n",
        "requests.get",
        id="except-as-shadows",
    ),
]


@pytest.mark.parametrize(("source", "text"), UNRESOLVED)
def test_unresolved_receivers_give_no_callee(source: str, text: str) -> None:
    assert the_call(facts_of(source), text).callee is None


def test_shadowing_is_local_to_the_function() -> None:
    source = """\
        import requests
        def shadowed(requests):
            requests.get("a")
        def plain():
            requests.get("b")
    """
    facts = facts_of(source)
    by_function = {c.function: c.callee for c in facts.calls}
    assert by_function == {"pkg.mod.shadowed": None, "pkg.mod.plain": "requests.get"}


def test_class_body_names_are_not_visible_in_methods() -> None:
    source = """\
        import time
        class K:
            time = None
            def m(self):
                time.sleep(1)
    """
    assert the_call(facts_of(source), "time.sleep").callee == "time.sleep"


def test_bare_method_name_never_matches() -> None:
    # `x.get()` is only requests.get when `x` is the requests module or a Session.
    source = """\
        import requests
        def f(cache):
            cache.get("k")
            requests.get("u")
    """
    callees = {c.text: c.callee for c in facts_of(source).calls}
    assert callees == {"cache.get": None, "requests.get": "requests.get"}


# ---------------------------------------------------------------------- context
CONTEXT = """\
    import asyncio, functools, time
    from asgiref.sync import sync_to_async

    async def handler():
        time.sleep(1)

        def inner():
            time.sleep(2)

        async def nested_async():
            time.sleep(3)

        class Local:
            def method(self):
                time.sleep(4)

        callback = lambda: time.sleep(5)
        await asyncio.to_thread(lambda: time.sleep(6))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: time.sleep(7))
        await asyncio.to_thread(lambda: time.sleep(8), time.time())
        await sync_to_async(lambda: time.sleep(9))()

    def sync_function():
        time.sleep(10)

    @sync_to_async
    def decorated():
        time.sleep(11)

    @sync_to_async(thread_sensitive=False)
    def decorated_with_args():
        time.sleep(12)

    time.sleep(13)
"""


def _sleep(facts: ModuleFacts, seconds: int) -> CallFact:
    found = [c for c in facts.calls if c.text == "time.sleep" and c.args and c.args[0].value == seconds]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("seconds", "function", "in_async", "offloaded"),
    [
        pytest.param(1, "pkg.mod.handler", True, False, id="directly-in-async-def"),
        # Fixit's bug (style.md §1): a sync def nested in an async def does not run on the loop.
        pytest.param(2, "pkg.mod.handler.<locals>.inner", False, False, id="nested-sync-def-is-not-async"),
        pytest.param(3, "pkg.mod.handler.<locals>.nested_async", True, False, id="nested-async-def"),
        pytest.param(4, "pkg.mod.handler.<locals>.Local.method", False, False, id="method-of-local-class"),
        pytest.param(5, "pkg.mod.handler.<locals>.<lambda>", False, False, id="lambda-is-not-async"),
        pytest.param(6, "pkg.mod.handler.<locals>.<lambda>", False, True, id="lambda-to-thread"),
        pytest.param(7, "pkg.mod.handler.<locals>.<lambda>", False, True, id="lambda-run-in-executor"),
        pytest.param(8, "pkg.mod.handler.<locals>.<lambda>", False, True, id="lambda-to-thread-with-args"),
        pytest.param(9, "pkg.mod.handler.<locals>.<lambda>", False, True, id="lambda-sync-to-async"),
        pytest.param(10, "pkg.mod.sync_function", False, False, id="sync-def"),
        pytest.param(11, "pkg.mod.decorated", False, True, id="sync-to-async-decorator"),
        pytest.param(12, "pkg.mod.decorated_with_args", False, True, id="sync-to-async-decorator-call"),
        pytest.param(13, "pkg.mod", False, False, id="module-level"),
    ],
)
def test_call_context(seconds: int, function: str, in_async: bool, offloaded: bool) -> None:
    call = _sleep(facts_of(CONTEXT), seconds)
    assert call.callee == "time.sleep"
    assert call.function == function
    assert call.in_async is in_async
    assert call.offloaded is offloaded


def test_offloader_arguments_still_run_on_the_loop() -> None:
    # `asyncio.to_thread(lambda: ..., time.time())`: the second argument is evaluated eagerly.
    facts = facts_of(CONTEXT)
    eager = the_call(facts, "time.time")
    assert eager.function == "pkg.mod.handler"
    assert eager.in_async and not eager.offloaded


def test_offloading_calls_themselves_are_awaited_on_the_loop() -> None:
    facts = facts_of(CONTEXT)
    to_thread = [c for c in facts.calls if c.callee == "asyncio.to_thread"]
    assert len(to_thread) == 2
    assert all(c.in_async and c.awaited and not c.offloaded for c in to_thread)


def test_lambda_wrapped_in_partial_is_offloaded() -> None:
    source = """\
        import asyncio, functools, time
        async def handler():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, functools.partial(lambda s: time.sleep(s), 1))
    """
    assert the_call(facts_of(source), "time.sleep").offloaded


def test_awaited() -> None:
    source = """\
        async def f(client):
            await client.get("a")
            client.get("b")
            x = await (client.fetch())
            await client.session().close()
    """
    facts = facts_of(source)
    awaited = {c.text: c.awaited for c in facts.calls if c.text != "client.get"}
    assert awaited == {
        "client.fetch": True,
        "client.session().close": True,
        "client.session": False,  # only the outer call is awaited
    }
    gets = [c for c in facts.calls if c.text == "client.get"]
    assert [(c.args[0].value, c.awaited) for c in gets] == [("a", True), ("b", False)]


LOOPS = """\
    async def f(items):
        outside()
        for x in for_iter():
            in_for()
            while while_test():
                in_while()
            [in_comp(y) for y in comp_iter() if comp_if(y)]
        async for y in async_iter():
            in_async_for()
            {k: in_dict_comp() for k in first_iter() for j in second_iter()}
        else:
            in_for_else()
        (gen(z) for z in gen_iter())
        after()

    top_level_comp = [mod_comp(i) for i in mod_iter()]
    for i in range(3):
        mod_loop()
"""


@pytest.mark.parametrize(
    ("text", "depth", "kind"),
    [
        pytest.param("outside", 0, None, id="outside"),
        pytest.param("for_iter", 0, None, id="for-iterable-outside"),
        pytest.param("in_for", 1, "for", id="for"),
        pytest.param("while_test", 2, "while", id="while-test-repeats"),
        pytest.param("in_while", 2, "while", id="while-in-for"),
        pytest.param("comp_iter", 1, "for", id="first-comprehension-iterable-outside-comprehension"),
        pytest.param("comp_if", 2, "comprehension", id="comprehension-condition"),
        pytest.param("in_comp", 2, "comprehension", id="comprehension-element"),
        pytest.param("async_iter", 0, None, id="async-for-iterable"),
        pytest.param("in_async_for", 1, "async for", id="async-for"),
        pytest.param("first_iter", 1, "async for", id="dict-comp-first-iterable"),
        pytest.param("second_iter", 2, "comprehension", id="dict-comp-second-iterable-inside"),
        pytest.param("in_dict_comp", 2, "comprehension", id="dict-comp-value"),
        pytest.param("in_for_else", 0, None, id="for-else-runs-once"),
        pytest.param("gen_iter", 0, None, id="generator-iterable"),
        pytest.param("gen", 1, "comprehension", id="generator-element"),
        pytest.param("after", 0, None, id="after-loops"),
        pytest.param("mod_iter", 0, None, id="module-comprehension-iterable"),
        pytest.param("mod_comp", 1, "comprehension", id="module-comprehension"),
        pytest.param("mod_loop", 1, "for", id="module-for"),
    ],
)
def test_loop_depth_and_kind(text: str, depth: int, kind: str | None) -> None:
    call = the_call(facts_of(LOOPS), text)
    assert (call.loop_depth, call.loop_kind) == (depth, kind)


def test_loop_depth_does_not_leak_into_nested_functions() -> None:
    source = """\
        def f(xs):
            for x in xs:
                def g():
                    inside_g()
                g()
    """
    facts = facts_of(source)
    assert (the_call(facts, "inside_g").loop_depth, the_call(facts, "inside_g").loop_kind) == (0, None)
    assert the_call(facts, "g").loop_depth == 1


# ---------------------------------------------------------------------- spans
SPANS = [
    pytest.param("import time\ntime.sleep(1)\n", "time.sleep(1)", id="ascii"),
    pytest.param('import time\nx = "héllo"; time.sleep(1)\n', "time.sleep(1)", id="latin-accent-before"),
    pytest.param('import time\nx = "日本語"; time.sleep(1)\n', "time.sleep(1)", id="cjk-before"),
    pytest.param('import time\nx = "😀—é"; time.sleep(1)\n', "time.sleep(1)", id="astral-and-dash-before"),
    pytest.param('import time\ntime.sleep(len("ü"))  # ü\n', 'time.sleep(len("ü"))', id="non-ascii-inside-call"),
    pytest.param('import time\ndef f():\n    x = "é"\n    return x, time.sleep(1)\n', "time.sleep(1)",
                 id="indented-non-ascii-file"),
    pytest.param('import time\r\nx = "é"; time.sleep(1)\r\n', "time.sleep(1)", id="crlf"),
    # str.splitlines() would also split at \x0c and \u2028; Python's tokenizer does not.
    pytest.param('import time\n\x0c\nx = "é"; time.sleep(1)\n', "time.sleep(1)", id="form-feed-line"),
    pytest.param('import time\ns = "a\u2028b"\nx = "é"; time.sleep(1)\n', "time.sleep(1)",
                 id="line-separator-in-string"),
]


@pytest.mark.parametrize(("source", "expected"), SPANS)
def test_call_spans_are_character_based(source: str, expected: str) -> None:
    facts = extract(source.encode("utf-8"), "m.py", "m", False)
    (call,) = [c for c in facts.calls if c.text == "time.sleep"]
    span = call.span
    lines = source.replace("\r\n", "\n").split("\n")
    assert span.line == span.end_line
    assert lines[span.line - 1][span.col : span.end_col] == expected


def test_multiline_call_span() -> None:
    source = 'import time\nx = ("é",\n     time.sleep(\n        1,\n     ))\n'
    facts = extract(source.encode("utf-8"), "m.py", "m", False)
    (call,) = [c for c in facts.calls if c.text == "time.sleep"]
    assert (call.span.line, call.span.col, call.span.end_line, call.span.end_col) == (3, 5, 5, 6)


def test_spans_are_one_based_lines_zero_based_columns() -> None:
    facts = facts_of("f()\n")
    span = the_call(facts, "f").span
    assert (span.line, span.col, span.end_line, span.end_col) == (1, 0, 1, 3)


def test_argument_and_assignment_spans_are_character_based() -> None:
    source = 'from django.urls import path\nurlpatterns = ["é", path("ü", view)]\n'
    facts = extract(source.encode("utf-8"), "urls.py", "urls", False)
    (assign,) = facts.assigns
    line = source.splitlines()[1]
    path_call = assign.value.args[1]
    assert line[path_call.span.col : path_call.span.end_col] == 'path("ü", view)'
    assert line[assign.span.col : assign.span.end_col] == line


# ---------------------------------------------------------------------- functions
FUNCTIONS = """\
    import functools
    import httpx
    from fastapi import APIRouter

    router = APIRouter()

    class Repo:
        @property
        def size(self):
            return 1

        @size.setter
        def size(self, value):
            pass

        @functools.cached_property
        def cached(self):
            return 2

        @staticmethod
        def static(client: httpx.Client) -> httpx.Response:
            return client.get("u")

        async def fetch(self, url, *args, timeout: float = 3.0, **kwargs) -> "httpx.Response":
            async with httpx.AsyncClient() as client:
                r = await client.get(url)
            async for chunk in r.aiter_bytes():
                pass
            await client.aclose()
            return r

    def outer():
        def inner():
            yield 1
        async def inner_async():
            return [x async for x in source()]
        return inner

    @router.get("/items/{id}", status_code=200)
    async def route(id: int, q: str | None = None) -> dict:
        return {}

    @functools.lru_cache(maxsize=None)
    def memo():
        yield from range(3)
"""


def test_method_qualnames_and_class() -> None:
    facts = facts_of(FUNCTIONS)
    fetch = the_function(facts, "pkg.mod.Repo.fetch")
    assert fetch.name == "fetch"
    assert fetch.class_qualname == "pkg.mod.Repo"
    assert fetch.parent is None
    assert fetch.is_async


def test_nested_function_qualnames() -> None:
    facts = facts_of(FUNCTIONS)
    inner = the_function(facts, "pkg.mod.outer.<locals>.inner")
    assert inner.parent == "pkg.mod.outer"
    assert inner.class_qualname is None
    assert inner.is_generator and not inner.is_async
    inner_async = the_function(facts, "pkg.mod.outer.<locals>.inner_async")
    assert inner_async.is_async and inner_async.awaits == 1  # the async comprehension


def test_properties() -> None:
    facts = facts_of(FUNCTIONS)
    sizes = [f for f in facts.functions if f.qualname == "pkg.mod.Repo.size"]
    assert len(sizes) == 2 and all(f.is_property for f in sizes)
    assert the_function(facts, "pkg.mod.Repo.cached").is_property
    assert not the_function(facts, "pkg.mod.Repo.static").is_property
    assert not the_function(facts, "pkg.mod.Repo.fetch").is_property


def test_decorators_are_resolved() -> None:
    facts = facts_of(FUNCTIONS)
    (static_dec,) = the_function(facts, "pkg.mod.Repo.static").decorators
    assert (static_dec.name, static_dec.is_call) == ("builtins.staticmethod", False)
    (route_dec,) = the_function(facts, "pkg.mod.route").decorators
    assert route_dec.name == "fastapi.APIRouter.get"
    assert route_dec.is_call
    assert [a.value for a in route_dec.args] == ["/items/{id}"]
    assert dict(route_dec.keywords)["status_code"].value == 200
    assert route_dec.span is not None and route_dec.span.line == 39
    (memo_dec,) = the_function(facts, "pkg.mod.memo").decorators
    assert memo_dec.name == "functools.lru_cache" and memo_dec.is_call
    assert dict(memo_dec.keywords)["maxsize"].kind == "literal"


def test_generators() -> None:
    facts = facts_of(FUNCTIONS)
    assert the_function(facts, "pkg.mod.memo").is_generator  # yield from
    assert not the_function(facts, "pkg.mod.outer").is_generator  # only its nested def yields
    assert not the_function(facts, "pkg.mod.route").is_generator


def test_awaits_count_only_the_body_itself() -> None:
    facts = facts_of(FUNCTIONS)
    # async with, await client.get, async for, await client.aclose
    assert the_function(facts, "pkg.mod.Repo.fetch").awaits == 4
    assert the_function(facts, "pkg.mod.route").awaits == 0
    assert the_function(facts, "pkg.mod.outer").awaits == 0  # the await is in inner_async


def test_params_and_returns() -> None:
    facts = facts_of(FUNCTIONS)
    fetch = the_function(facts, "pkg.mod.Repo.fetch")
    assert [p.name for p in fetch.params] == ["self", "url", "args", "timeout", "kwargs"]
    params = {p.name: p for p in fetch.params}
    assert params["self"].annotation == "pkg.mod.Repo"  # implicit: the enclosing class
    assert params["url"].annotation is None
    assert params["timeout"].annotation == "builtins.float"
    assert params["timeout"].default is not None and params["timeout"].default.value == 3.0
    assert params["url"].default is None
    assert fetch.returns == "httpx.Response"  # string annotation resolved

    static = the_function(facts, "pkg.mod.Repo.static")
    assert [(p.name, p.annotation) for p in static.params] == [("client", "httpx.Client")]  # no implicit self
    assert static.returns == "httpx.Response"

    route = the_function(facts, "pkg.mod.route")
    assert [(p.name, p.annotation) for p in route.params] == [("id", "builtins.int"), ("q", "builtins.str")]
    assert route.params[1].default is not None and route.params[1].default.kind == "literal"
    assert route.returns == "builtins.dict"


def test_function_span_covers_the_body() -> None:
    facts = facts_of(FUNCTIONS)
    fetch = the_function(facts, "pkg.mod.Repo.fetch")
    assert fetch.span.line == 24
    assert fetch.span.end_line == 30
    memo = the_function(facts, "pkg.mod.memo")
    assert memo.span.line in (43, 44)  # the first decorator or the `def`
    assert memo.span.end_line == 45


def test_lambdas_are_not_function_facts_but_own_their_calls() -> None:
    facts = facts_of("import time\ncb = lambda: time.sleep(1)\n")
    assert facts.functions == ()
    assert the_call(facts, "time.sleep").function == "pkg.mod.<lambda>"


# ---------------------------------------------------------------------- classes and assignments
CLASSES = """\
    from django.db import models
    import sqlalchemy.orm as orm
    from .base import Mixin
    import httpx

    class Author(models.Model):
        name = models.CharField(max_length=100)

    class Book(Mixin, models.Model):
        author = models.ForeignKey("Author", on_delete=models.CASCADE, related_name="books")
        title: str
        pages: int = 0

    class Base(orm.DeclarativeBase):
        pass

    class Post(Base):
        tags: orm.Mapped[list["Tag"]] = orm.relationship(back_populates="post", lazy="selectin")

    class Client:
        session: httpx.Client

        def __init__(self):
            self.pool = httpx.Client()
            self.count = 0
"""


def test_class_bases_are_resolved() -> None:
    facts = facts_of(CLASSES, module="app.models")
    bases = {c.name: c.bases for c in facts.classes}
    assert bases["Author"] == ("django.db.models.Model",)
    assert bases["Book"] == ("app.base.Mixin", "django.db.models.Model")
    assert bases["Base"] == ("sqlalchemy.orm.DeclarativeBase",)
    assert bases["Post"] == ("app.models.Base",)
    assert bases["Client"] == ()


def test_class_assigns() -> None:
    facts = facts_of(CLASSES, module="app.models")
    book = next(c for c in facts.classes if c.name == "Book")
    assigns = {a.name: a for a in book.assigns}
    assert set(assigns) == {"author", "title", "pages"}
    fk = assigns["author"].value
    assert (fk.kind, fk.value) == ("call", "django.db.models.ForeignKey")
    assert fk.args[0].value == "Author"
    keywords = dict(fk.keywords)
    assert keywords["related_name"].value == "books"
    assert (keywords["on_delete"].kind, keywords["on_delete"].value) == ("ref", "django.db.models.CASCADE")
    assert assigns["title"].annotation == "builtins.str"
    assert assigns["pages"].value.value == 0

    post = next(c for c in facts.classes if c.name == "Post")
    (tags,) = post.assigns
    assert tags.annotation == "sqlalchemy.orm.Mapped"
    assert tags.value.value == "sqlalchemy.orm.relationship"
    assert dict(tags.value.keywords)["lazy"].value == "selectin"


def test_class_attribute_types_and_methods() -> None:
    facts = facts_of(CLASSES, module="app.models")
    client = next(c for c in facts.classes if c.name == "Client")
    assert client.qualname == "app.models.Client"
    assert client.methods == ("__init__",)
    # Annotated class attribute + `self.x = Class()`; `self.count = 0` has no type.
    assert dict(client.attribute_types) == {"session": "httpx.Client", "pool": "httpx.Client"}


def test_module_assign_urlpatterns() -> None:
    source = """\
        from django.urls import include, path
        from . import views
        from .views import Detail

        urlpatterns = [
            path("", views.index, name="index"),
            path("d/<int:pk>/", Detail.as_view()),
            path("api/", include("api.urls")),
        ]
    """
    facts = facts_of(source, module="app.urls")
    (assign,) = [a for a in facts.assigns if a.name == "urlpatterns"]
    assert assign.span.line == 5
    assert assign.value.kind == "list"
    routes = assign.value.args
    assert [r.value for r in routes] == ["django.urls.path"] * 3
    assert [r.args[0].value for r in routes] == ["", "d/<int:pk>/", "api/"]
    assert (routes[0].args[1].kind, routes[0].args[1].value) == ("ref", "app.views.index")
    assert dict(routes[0].keywords)["name"].value == "index"
    assert (routes[1].args[1].kind, routes[1].args[1].value) == ("call", "app.views.Detail.as_view")
    assert routes[2].args[1].value == "django.urls.include"


def test_module_assign_concatenated_lists() -> None:
    source = "from django.urls import path\nurlpatterns = [path('a', v)] + [path('b', v)]\n"
    (assign,) = facts_of(source).assigns
    assert assign.value.kind == "list"
    assert [a.args[0].value for a in assign.value.args] == ["a", "b"]


def test_module_augmented_assign_urlpatterns() -> None:
    source = "from django.urls import path\nurlpatterns = [path('a', v)]\nurlpatterns += [path('b', w)]\n"
    facts = facts_of(source)
    routes = [
        r.args[0].value
        for a in facts.assigns
        if a.name == "urlpatterns" and a.value.kind == "list"
        for r in a.value.args
    ]
    assert "b" in routes


def test_module_assigns_only_at_module_level() -> None:
    source = "import httpx\nclient = httpx.Client()\ndef f():\n    local = 1\nclass K:\n    attr = 2\n"
    facts = facts_of(source)
    assert [(a.name, a.value.kind, a.value.value) for a in facts.assigns] == [("client", "call", "httpx.Client")]


# ---------------------------------------------------------------------- suppressions
SUPPRESSIONS = [
    pytest.param("x = 1  # noqa\n", SuppressionFact(1, None, False), id="blanket-noqa"),
    pytest.param("x = 1  # noqa: DBK101,DBK102\n", SuppressionFact(1, ("DBK101", "DBK102"), False), id="noqa-codes"),
    pytest.param("x = 1  # noqa: DBK101, DBK102\n", SuppressionFact(1, ("DBK101", "DBK102"), False),
                 id="noqa-codes-comma-space"),
    pytest.param("x = 1  # noqa: DBK101 DBK102\n", SuppressionFact(1, ("DBK101", "DBK102"), False),
                 id="noqa-codes-space"),
    pytest.param("x = 1  # NOQA:DBK101\n", SuppressionFact(1, ("DBK101",), False), id="upper-no-space"),
    pytest.param("x = 1  #noqa:dbk101\n", SuppressionFact(1, ("DBK101",), False), id="lower-codes-uppercased"),
    pytest.param("x = 1  # noqa: E501\n", SuppressionFact(1, ("E501",), False), id="other-tool-code"),
    pytest.param("x = 1  # noqa:E501,DBK101\n", SuppressionFact(1, ("E501", "DBK101"), False), id="mixed-tools"),
    pytest.param("x = 1  # type: ignore  # noqa: DBK101\n", SuppressionFact(1, ("DBK101",), False),
                 id="after-type-ignore"),
    pytest.param("x = 1  # noqa: DBK101 because reasons\n", SuppressionFact(1, ("DBK101",), False),
                 id="explanation-after-codes"),
    pytest.param("x = 1  # deblock: ignore[DBK101]\n", SuppressionFact(1, ("DBK101",), False, kind="ignore"),
                 id="deblock-ignore-trailing"),
    pytest.param("# deblock: ignore[DBK101, DBK120]\nx = 1\n",
                 SuppressionFact(1, ("DBK101", "DBK120"), True, kind="ignore"), id="deblock-ignore-own-line"),
    pytest.param("def f():\n    # noqa: DBK101\n    pass\n", SuppressionFact(2, ("DBK101",), True),
                 id="indented-own-line"),
    pytest.param("# deblock: noqa\nx = 1\n", SuppressionFact(1, None, True, True), id="file-level"),
    pytest.param("import x\n\n# deblock: noqa: DBK120\n", SuppressionFact(3, ("DBK120",), True, True),
                 id="file-level-codes"),
    pytest.param("x = 1  # deblock: noqa\n", SuppressionFact(1, None, False, False),
                 id="trailing-deblock-noqa-is-not-file-level"),
]


@pytest.mark.parametrize(("source", "expected"), SUPPRESSIONS)
def test_suppressions(source: str, expected: SuppressionFact) -> None:
    assert scan(source) == (expected,)
    assert extract(source.encode(), "m.py", "m", False).suppressions == (expected,)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("x = 1\n", id="none"),
        pytest.param("# this mentions noqa in prose\nx = 1\n", id="prose-not-a-directive"),
        pytest.param("x = 1  # deblock is great\n", id="deblock-without-directive"),
        pytest.param("x = 1  # type: ignore[attr-defined]\n", id="type-ignore"),
    ],
)
def test_no_suppression(source: str) -> None:
    assert scan(source) == ()


def test_suppression_lines() -> None:
    source = "a = 1\nb = 2  # noqa: DBK101\nc = 3\n# deblock: ignore[DBK120]\nd = 4\n"
    assert [(s.line, s.own_line) for s in scan(source)] == [(2, False), (4, True)]


def test_file_level_directive_inside_a_docstring_does_not_count() -> None:
    # A docstring that documents the directive must not silence the whole file.
    source = '"""How to silence deblock:\n\n# deblock: noqa\n"""\nimport time\n'
    assert [s for s in scan(source) if s.file_level] == []
    source = 'def f():\n    """\n    # deblock: noqa: DBK101\n    """\n'
    assert [s for s in scan(source) if s.file_level] == []


def test_file_level_directive_next_to_a_docstring_counts() -> None:
    source = '"""Module."""\n# deblock: noqa\nx = """\n# noqa\n"""\n'
    assert [(s.line, s.file_level) for s in scan(source) if s.file_level] == [(2, True)]


def test_suppressions_survive_a_syntax_error() -> None:
    facts = extract(b"# deblock: noqa\ndef f(:\n", "m.py", "m", False)
    assert facts.syntax_error is not None
    assert facts.suppressions == (SuppressionFact(1, None, True, True),)


# ---------------------------------------------------------------------- robustness
BROKEN = [
    pytest.param(b"def f(:\n    pass\n", 1, id="syntax-error"),
    pytest.param(b"def f():\nreturn 1\n", 2, id="indentation"),
    pytest.param(b"x = 1\nf'{'\n", 2, id="fstring"),
    pytest.param(b"x = 1\x00\n", 1, id="null-byte"),
    pytest.param(b'x = "\xff\xfe"\n', 1, id="undecodable-utf8"),
    pytest.param(b'\xef\xbb\xbfx = "\xff"\n', 1, id="bom-then-invalid-utf8"),
    pytest.param(b'# -*- coding: nonsense -*-\nx = "\xe9"\n', 1, id="unknown-coding"),
    pytest.param("x = 1\n".encode("utf-16"), 1, id="utf16-without-cookie"),
    pytest.param(b"x = " + b"(" * 300 + b")" * 300 + b"\n", 1, id="too-deeply-nested"),
]


@pytest.mark.parametrize(("data", "line"), BROKEN)
def test_broken_files_set_syntax_error_and_never_raise(data: bytes, line: int) -> None:
    facts = extract(data, "broken.py", "broken", False)
    assert facts.syntax_error is not None
    assert facts.syntax_error.message
    assert facts.syntax_error.span.line == line
    assert facts.calls == () and facts.functions == ()
    assert facts.content_hash == content_hash(data)


def test_syntax_error_position() -> None:
    facts = extract(b"x = 1\ny = (1 +\n", "m.py", "m", False)
    assert facts.syntax_error is not None
    assert facts.syntax_error.span.line >= 2


def test_latin1_with_coding_cookie_decodes() -> None:
    source = '# -*- coding: latin-1 -*-\nx = "café"; open("f")\n'
    facts = extract(source.encode("latin-1"), "m.py", "m", False)
    assert facts.syntax_error is None
    assert facts.assigns[0].value.value == "café"
    call = the_call(facts, "open")
    assert (call.span.line, call.span.col, call.span.end_col) == (2, 12, 21)


def test_coding_cookie_wins_over_utf8_when_bytes_are_valid_utf8() -> None:
    # b"\xc3\xa9" is "é" in UTF-8 but "Ã©" in latin-1: Python (and LibCST) obey the cookie.
    source = '# coding: latin-1\nx = "Ã©"; f()\n'
    facts = extract(source.encode("latin-1"), "m.py", "m", False)
    assert facts.syntax_error is None
    assert facts.assigns[0].value.value == "Ã©"
    assert the_call(facts, "f").span.col == 10


def test_ascii_cookie_with_non_ascii_bytes_is_a_decode_error() -> None:
    facts = extract('# coding: ascii\nx = "é"\n'.encode(), "m.py", "m", False)
    assert facts.syntax_error is not None


def test_utf8_bom() -> None:
    facts = extract(b"\xef\xbb\xbfimport time\ntime.sleep(1)\n", "m.py", "m", False)
    assert facts.syntax_error is None
    assert the_call(facts, "time.sleep").callee == "time.sleep"


def test_empty_file() -> None:
    facts = extract(b"", "empty.py", "empty", False)
    assert facts.syntax_error is None
    assert facts.calls == () and facts.imports == ()


def test_module_metadata() -> None:
    data = b"import os\nos.getcwd()\n"
    facts = extract(data, "pkg/__init__.py", "pkg", True)
    assert (facts.path, facts.module, facts.is_package) == ("pkg/__init__.py", "pkg", True)
    assert facts.content_hash == content_hash(data)
    assert facts.line_count >= 2


def test_facts_pickle_round_trip() -> None:
    source = "\n".join(textwrap.dedent(s) for s in (FUNCTIONS, CLASSES, CONTEXT, "x = 1  # noqa: DBK101\n"))
    facts = facts_of(source)
    assert facts.functions and facts.classes and facts.calls and facts.suppressions and facts.assigns
    clone = pickle.loads(pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL))
    assert clone == facts
    assert hash(clone) == hash(facts)  # frozen all the way down


def test_broken_facts_pickle_round_trip() -> None:
    facts = extract(b"def f(:\n", "m.py", "m", False)
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_facts_are_frozen() -> None:
    facts = facts_of("f()\n")
    with pytest.raises(AttributeError):
        facts.module = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        facts.calls[0].callee = "x"  # type: ignore[misc]
