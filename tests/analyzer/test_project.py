"""The project index (cross-module resolution) and the call graph's blocking chains."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deblock.analyzer.discovery import discover
from deblock.analyzer.facts.model import CallFact
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings


def project_of(files: dict[str, str]) -> Project:
    """A project from {relative path: source}; module names follow the paths."""
    facts = []
    for path, source in files.items():
        is_package = path.endswith("/__init__.py")
        module = path.removesuffix(".py").replace("/", ".")
        if is_package:
            module = module.removesuffix(".__init__")
        data = textwrap.dedent(source).encode("utf-8")
        module_facts = extract(data, path, module, is_package)
        assert module_facts.syntax_error is None, (path, module_facts.syntax_error)
        facts.append(module_facts)
    return Project(facts, Settings())


def call_in(project: Project, function: str, text: str) -> CallFact:
    found = [c for m in project for c in m.calls if c.function == function and c.text == text]
    assert len(found) == 1, f"{text} in {function}: {[(c.function, c.text) for m in project for c in m.calls]}"
    return found[0]


def callee_of(project: Project, function: str, text: str) -> str | None:
    """The canonical name a call resolves to across the project."""
    return project.resolve(call_in(project, function, text).callee)


def project_function(project: Project, function: str, text: str) -> str | None:
    target = project.callee(call_in(project, function, text).callee)
    return None if target is None else target.qualname


# ---------------------------------------------------------------------- re-exports
REEXPORT = {
    "pkg/__init__.py": "from .impl import load\nfrom .sub import deep\n",
    "pkg/impl.py": "import time\ndef load():\n    time.sleep(1)\n",
    "pkg/sub/__init__.py": "from .core import deep\n",
    "pkg/sub/core.py": "def deep():\n    pass\n",
    "app.py": """\
        import pkg
        import pkg as p
        from pkg import load
        from pkg import load as ld
        import pkg.impl

        def via_package():
            pkg.load()

        def via_alias():
            p.load()

        def via_from_import():
            load()

        def via_from_import_as():
            ld()

        def via_module():
            pkg.impl.load()

        def via_two_packages():
            pkg.deep()
    """,
}


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        pytest.param("app.via_package", "pkg.load", "pkg.impl.load", id="import-package-attribute"),
        pytest.param("app.via_alias", "p.load", "pkg.impl.load", id="import-package-as"),
        pytest.param("app.via_from_import", "load", "pkg.impl.load", id="from-package-import"),
        pytest.param("app.via_from_import_as", "ld", "pkg.impl.load", id="from-package-import-as"),
        pytest.param("app.via_module", "pkg.impl.load", "pkg.impl.load", id="direct-module"),
        pytest.param("app.via_two_packages", "pkg.deep", "pkg.sub.core.deep", id="chained-reexport"),
    ],
)
def test_reexports_through_package_init(function: str, text: str, expected: str) -> None:
    project = project_of(REEXPORT)
    assert callee_of(project, function, text) == expected
    assert project_function(project, function, text) == expected


def test_reexport_named_like_its_module() -> None:
    project = project_of({
        "pkg/__init__.py": "from .load import load\n",
        "pkg/load.py": "def load():\n    pass\n",
        "app.py": "import pkg\ndef main():\n    pkg.load()\n",
    })
    assert project_function(project, "app.main", "pkg.load") == "pkg.load.load"


def test_reexport_cycle_terminates() -> None:
    project = project_of({
        "cyc/__init__.py": "from .b import x\n",
        "cyc/b.py": "from cyc import x\n",
        "app.py": "import cyc\ndef main():\n    cyc.x()\n",
    })
    call = call_in(project, "app.main", "cyc.x")
    project.resolve(call.callee)  # must return, whatever it finds
    assert project.callee(call.callee) is None


# ---------------------------------------------------------------------- instances
INSTANCES = {
    "svc/__init__.py": "",
    "svc/client.py": """\
        import httpx

        class Client:
            def __init__(self):
                self.session = Session()

            def get(self, url):
                pass

        class Session:
            def send(self):
                pass

        client = Client()
        http = httpx.Client()

        def make() -> Client:
            return Client()

        def make_optional() -> "Client | None":
            return None

        def make_http() -> httpx.Client:
            return httpx.Client()
    """,
    "svc/use.py": """\
        from svc.client import Client, client, http, make, make_http, make_optional
        from svc import client as client_module

        def module_instance():
            client.get("u")

        def module_instance_via_module():
            client_module.client.get("u")

        def third_party_instance():
            http.get("u")

        def returned():
            make().get("u")

        def returned_optional():
            make_optional().get("u")

        def returned_third_party():
            make_http().get("u")

        def attribute_chain():
            Client().session.send()

        def annotated(c: Client):
            c.session.send()

        def constructed():
            Client()
    """,
}


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        pytest.param("svc.use.module_instance", "client.get", "svc.client.Client.get", id="imported-instance"),
        pytest.param("svc.use.module_instance_via_module", "client_module.client.get", "svc.client.Client.get",
                     id="instance-via-module"),
        pytest.param("svc.use.third_party_instance", "http.get", "httpx.Client.get", id="third-party-instance"),
        pytest.param("svc.use.returned", "make().get", "svc.client.Client.get", id="return-annotation"),
        pytest.param("svc.use.returned_optional", "make_optional().get", "svc.client.Client.get",
                     id="string-optional-return-annotation"),
        pytest.param("svc.use.returned_third_party", "make_http().get", "httpx.Client.get",
                     id="third-party-return-annotation"),
        pytest.param("svc.use.attribute_chain", "Client().session.send", "svc.client.Session.send",
                     id="self-attribute-type"),
        pytest.param("svc.use.annotated", "c.session.send", "svc.client.Session.send", id="annotated-param"),
    ],
)
def test_instances_across_modules(function: str, text: str, expected: str) -> None:
    assert callee_of(project_of(INSTANCES), function, text) == expected


def test_third_party_targets_are_not_project_functions() -> None:
    project = project_of(INSTANCES)
    assert project_function(project, "svc.use.third_party_instance", "http.get") is None


def test_unresolved_call_resolves_to_none() -> None:
    project = project_of({"m.py": "def f(d):\n    d.get('k')\n"})
    call = call_in(project, "m.f", "d.get")
    assert call.callee is None
    assert project.resolve(call.callee) is None
    assert project.callee(call.callee) is None


def test_class_call_runs_init() -> None:
    project = project_of(INSTANCES)
    assert project_function(project, "svc.use.constructed", "Client") == "svc.client.Client.__init__"


def test_class_call_runs_inherited_init_and_none_without_one() -> None:
    project = project_of({
        "base.py": "class Base:\n    def __init__(self):\n        pass\nclass Plain:\n    pass\n",
        "child.py": "from base import Base, Plain\nclass Child(Base):\n    pass\ndef main():\n    Child()\n    Plain()\n",
    })
    assert project_function(project, "child.main", "Child") == "base.Base.__init__"
    assert project_function(project, "child.main", "Plain") is None


def test_self_attribute_assigned_in_a_later_method() -> None:
    # `run` is defined before `__init__`: the project index still knows `self.client`'s type.
    project = project_of({
        "svc.py": """\
            import httpx
            class Service:
                def run(self):
                    self.client.get("u")
                def __init__(self):
                    self.client = httpx.Client()
        """,
    })
    assert callee_of(project, "svc.Service.run", "self.client.get") == "httpx.Client.get"


# ---------------------------------------------------------------------- inheritance
INHERITANCE = {
    "app/__init__.py": "",
    "app/base.py": """\
        class Base:
            def fetch(self):
                pass
            def shared(self):
                pass
    """,
    "app/middle.py": """\
        from .base import Base
        class Middle(Base):
            def shared(self):
                pass
    """,
    "app/child.py": """\
        from app.middle import Middle
        class Child(Middle):
            def go(self):
                self.fetch()
                self.shared()
                self.missing()
    """,
    "app/use.py": """\
        from app.child import Child
        def main():
            Child().fetch()
    """,
}


def test_mro_follows_bases_across_modules() -> None:
    project = project_of(INHERITANCE)
    assert project.mro("app.child.Child") == ["app.child.Child", "app.middle.Middle", "app.base.Base"]


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        pytest.param("app.child.Child.go", "self.fetch", "app.base.Base.fetch", id="method-on-grandparent"),
        pytest.param("app.child.Child.go", "self.shared", "app.middle.Middle.shared", id="nearest-override-wins"),
        pytest.param("app.use.main", "Child().fetch", "app.base.Base.fetch", id="instance-from-other-module"),
    ],
)
def test_methods_found_through_bases(function: str, text: str, expected: str) -> None:
    project = project_of(INHERITANCE)
    assert callee_of(project, function, text) == expected
    assert project_function(project, function, text) == expected


def test_missing_method_is_not_a_project_function() -> None:
    project = project_of(INHERITANCE)
    assert project_function(project, "app.child.Child.go", "self.missing") is None


def test_mro_with_external_and_cyclic_bases_terminates() -> None:
    project = project_of({
        "m.py": """\
            from django.views import View
            class A(B):
                pass
            class B(A):
                pass
            class V(View):
                pass
        """,
    })
    assert project.mro("m.A") == ["m.A", "m.B"]
    assert project.mro("m.V") == ["m.V"]


def test_mro_is_c3_in_a_diamond() -> None:
    project = project_of({
        "m.py": """\
            class A:
                def m(self): pass
            class B(A): pass
            class C(A):
                def m(self): pass
            class D(B, C):
                def go(self):
                    self.m()
        """,
    })
    assert project.mro("m.D") == ["m.D", "m.B", "m.C", "m.A"]
    assert callee_of(project, "m.D.go", "self.m") == "m.C.m"


def test_duplicate_module_names_keep_every_file() -> None:
    # Two top-level scripts in different folders both claim the module name `run`.
    facts = [extract(b"def f(): pass\n", "a/run.py", "run", False), extract(b"def g(): pass\n", "b/run.py", "run", False)]
    project = Project(facts, Settings())
    assert set(project.files) == {"a/run.py", "b/run.py"}
    assert project.modules["run"].path == "a/run.py"  # the first keeps the name
    assert {"run.f", "run.g"} <= set(project.functions)
    assert project.module_of("run.g") is not None and project.module_of("run.g").path == "b/run.py"


def test_project_from_discovered_files(tmp_path: Path) -> None:
    (tmp_path / "src" / "shop").mkdir(parents=True)
    (tmp_path / "src" / "shop" / "__init__.py").write_text("from .db import query\n")
    (tmp_path / "src" / "shop" / "db.py").write_text("import time\ndef query():\n    time.sleep(1)\n")
    (tmp_path / "src" / "shop" / "views.py").write_text("import shop\nasync def view():\n    shop.query()\n")
    settings = Settings(root=tmp_path)
    files = discover([tmp_path], settings)
    project = Project([extract(f.path.read_bytes(), f.relpath, f.module, f.is_package) for f in files], settings)
    assert project_function(project, "shop.views.view", "shop.query") == "shop.db.query"
    chain = project.callgraph.blocking_chain("shop.db.query")
    assert chain is not None and chain.path == "src/shop/db.py"


# ---------------------------------------------------------------------- call graph
GRAPH = {
    "g/__init__.py": "",
    "g/calls.py": """\
        import asyncio
        import concurrent.futures
        import time
        from asgiref.sync import sync_to_async

        def direct():
            time.sleep(1)

        # Two routes to blocking code: a -> b -> c -> sleep and a -> z -> sleep.
        def a():
            b()
            z()

        def b():
            c()

        def c():
            time.sleep(1)

        def z():
            time.sleep(1)

        def top():
            a()

        async def async_worker():
            time.sleep(1)

        def calls_async():
            async_worker()

        def through_async():
            async_middle()

        async def async_middle():
            direct()

        @sync_to_async
        def decorated():
            time.sleep(1)

        def calls_decorated():
            decorated()

        def offloads():
            pool = concurrent.futures.ThreadPoolExecutor()
            pool.submit(lambda: direct())

        def recursive():
            recursive()
            time.sleep(1)

        def ping():
            pong()

        def pong():
            ping()
            time.sleep(1)

        def loop_a():
            loop_b()

        def loop_b():
            loop_a()

        def itself():
            itself()

        def constructs():
            Blocker()

        class Blocker:
            def __init__(self):
                time.sleep(1)

        def clean():
            len([])
    """,
}


@pytest.mark.parametrize(
    ("function", "chain"),
    [
        pytest.param("g.calls.direct", ("g.calls.direct",), id="direct"),
        pytest.param("g.calls.a", ("g.calls.a", "g.calls.z"), id="shortest-of-two"),
        pytest.param("g.calls.b", ("g.calls.b", "g.calls.c"), id="one-hop"),
        pytest.param("g.calls.top", ("g.calls.top", "g.calls.a", "g.calls.z"), id="shortest-through-caller"),
        pytest.param("g.calls.async_worker", None, id="async-function-itself"),
        pytest.param("g.calls.calls_async", None, id="stops-at-async-callee"),
        pytest.param("g.calls.through_async", None, id="async-in-the-middle"),
        pytest.param("g.calls.decorated", None, id="sync-to-async-function-itself"),
        pytest.param("g.calls.calls_decorated", None, id="stops-at-sync-to-async"),
        pytest.param("g.calls.offloads", None, id="offloaded-lambda"),
        pytest.param("g.calls.offloads.<locals>.<lambda>", None, id="offloaded-lambda-node"),
        pytest.param("g.calls.recursive", ("g.calls.recursive",), id="self-recursive-blocking"),
        pytest.param("g.calls.ping", ("g.calls.ping", "g.calls.pong"), id="mutual-recursion-blocking"),
        pytest.param("g.calls.pong", ("g.calls.pong",), id="mutual-recursion-direct"),
        pytest.param("g.calls.loop_a", None, id="cycle-without-blocking"),
        pytest.param("g.calls.itself", None, id="self-loop-without-blocking"),
        pytest.param("g.calls.constructs", ("g.calls.constructs", "g.calls.Blocker.__init__"), id="class-call"),
        pytest.param("g.calls.clean", None, id="clean"),
        pytest.param("g.calls.not_a_function", None, id="unknown-name"),
    ],
)
def test_blocking_chain(function: str, chain: tuple[str, ...] | None) -> None:
    found = project_of(GRAPH).callgraph.blocking_chain(function)
    if chain is None:
        assert found is None
    else:
        assert found is not None
        assert found.functions == chain
        assert found.call.callee == "time.sleep"
        assert found.call.function == chain[-1]
        assert found.entry.match == "time.sleep"
        assert found.path == "g/calls.py"


def test_blocking_chain_render() -> None:
    chain = project_of(GRAPH).callgraph.blocking_chain("g.calls.top")
    assert chain is not None
    assert chain.render() == "g.calls.top → g.calls.a → g.calls.z → time.sleep"
    assert chain.render(start="g.calls.view") == "g.calls.view → g.calls.top → g.calls.a → g.calls.z → time.sleep"


def test_shortest_chain_does_not_depend_on_definition_order() -> None:
    # Same graph, the long route defined last and named to sort first.
    project = project_of({
        "m.py": """\
            import time
            def entry():
                zz_short()
                aa_long()
            def zz_short():
                time.sleep(1)
            def aa_long():
                aa_longer()
            def aa_longer():
                time.sleep(1)
        """,
    })
    chain = project.callgraph.blocking_chain("m.entry")
    assert chain is not None and chain.functions == ("m.entry", "m.zz_short")


def test_chain_across_modules() -> None:
    project = project_of({
        "pkg/__init__.py": "from .impl import load\n",
        "pkg/impl.py": "import time\ndef load():\n    time.sleep(1)\n",
        "views.py": "import pkg\nasync def view():\n    pkg.load()\ndef sync_view():\n    pkg.load()\n",
    })
    graph = project.callgraph
    assert graph.blocking_chain("views.view") is None  # async: calling it blocks nothing
    chain = graph.blocking_chain("views.sync_view")
    assert chain is not None
    assert chain.functions == ("views.sync_view", "pkg.impl.load")
    assert chain.path == "pkg/impl.py"
    assert graph.callees("views.view") == ["pkg.impl.load"]
    assert sorted(graph.callers("pkg.impl.load")) == ["views.sync_view", "views.view"]


def test_offloaded_edges_exist_but_do_not_block() -> None:
    graph = project_of(GRAPH).callgraph
    # The lambda handed to the pool calls `direct`; `offloads` itself never does.
    assert set(graph.callers("g.calls.direct")) == {"g.calls.offloads.<locals>.<lambda>", "g.calls.async_middle"}
    assert "g.calls.direct" not in graph.callees("g.calls.offloads")
    assert graph.blocking_chain("g.calls.offloads") is None


def test_callers_and_callees_of_unknown_names() -> None:
    graph = project_of(GRAPH).callgraph
    assert graph.callers("nowhere") == []
    assert graph.callees("nowhere") == []


def test_large_cycle_is_fast() -> None:
    # A ring of 2,000 functions, one of which blocks: every member gets a chain, in one BFS.
    n = 2000
    lines = ["import time"]
    for i in range(n):
        lines.append(f"def f{i}():\n    f{(i + 1) % n}()")
    lines.append(f"def f{n}():\n    time.sleep(1)")
    lines.append(f"def entry():\n    f0()\n    f{n}()")
    project = project_of({"ring.py": "\n".join(lines) + "\n"})
    graph = project.callgraph
    assert graph.blocking_chain("ring.f0") is None
    chain = graph.blocking_chain("ring.entry")
    assert chain is not None and chain.functions == ("ring.entry", f"ring.f{n}")


def test_blocking_chain_reaches_user_configured_blocking_calls() -> None:
    from deblock.analyzer.parse import extract
    from deblock.analyzer.project import Project
    from deblock.config import Settings

    source = b"import mylib\n\ndef load():\n    return mylib.fetch()\n\nasync def view():\n    return load()\n"
    facts = [extract(source, "app.py", "app", False)]
    plain = Project(facts, Settings())
    assert plain.callgraph.blocking_chain("app.load") is None
    custom = Project(facts, Settings(blocking_calls=(("mylib.*", "use mylib.afetch"),)))
    chain = custom.callgraph.blocking_chain("app.load")
    assert chain is not None and chain.render("app.view") == "app.view → app.load → mylib.fetch"
    assert chain.entry.code == "DBK100"


def test_networkx_view_of_the_call_graph() -> None:
    from deblock.analyzer.parse import extract
    from deblock.analyzer.project import Project
    from deblock.config import Settings

    source = b"def a():\n    b()\n\ndef b():\n    pass\n\nasync def c():\n    a()\n    a()\n"
    graph = Project([extract(source, "m.py", "m", False)], Settings()).callgraph.graph
    assert set(graph.edges) == {("m.a", "m.b"), ("m.c", "m.a")}
    assert len(graph.edges["m.c", "m.a"]["sites"]) == 2
    assert graph.nodes["m.c"]["is_async"] is True
