"""The plan's renderers: the html file is self-contained and draws one node per planned
function; rich, mermaid and dot carry the same content."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from deblock.analyzer.discovery import discover
from deblock.analyzer.project import Project
from deblock.config import load
from deblock.engine import gather_facts, read_sources
from deblock.migration.plan import Plan, build_plan
from deblock.migration.render import KINDS, layout, render

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PLAN_DJANGO = FIXTURES / "projects" / "plan_django"
DEMO_SHOP = FIXTURES / "demo" / "django_shop"


def make_project(path: Path) -> Project:
    settings = load([path], None, False)
    files = discover([path], settings)
    sources, keys, _ = read_sources(files)
    return Project(gather_facts(files, settings, sources, keys, use_cache=False), settings)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(make_project(PLAN_DJANGO))


class _Svg(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[tuple[str, str]] = []  # (data-id, class)
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if tag == "g" and "node" in (values.get("class") or "").split():
            self.nodes.append((values["data-id"] or "", values["class"] or ""))
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_html_is_self_contained_with_one_node_per_function(plan: Plan) -> None:
    page = render(plan, "html")
    parser = _Svg()
    parser.feed(page)
    assert "svg" in parser.tags and "script" not in parser.tags and "link" not in parser.tags
    assert parser.urls == []  # nothing to fetch: opens offline
    ids = [i for i, css in parser.nodes if "fn" in css.split()]
    assert len(ids) == len(set(ids))
    assert {f.qualname for f in plan.functions} <= set(ids)
    kinds = {i: css.split()[2] for i, css in parser.nodes}
    assert kinds["shop.services.fetch_rate"] == "becomes_async"
    assert kinds["shop.services.Rates.__init__"] == "blocker"
    assert kinds["io:requests.get"] == "io"
    for label, _, _ in KINDS.values():
        assert label in page  # the legend
    assert "Step 1" in page and "&lt;lambda&gt;" in page  # escaped names


def test_layout_puts_callers_above_callees(plan: Plan) -> None:
    position = layout(plan)
    assert set(position) == {n.id for n in plan.nodes}
    cycles = [set(s.functions) for s in plan.steps if s.cycle]
    for edge in plan.edges:
        if edge.kind == "await" and not any({edge.source, edge.target} <= c for c in cycles):
            assert position[edge.source][1] < position[edge.target][1], edge
    y_io = position["io:requests.get"][1]
    assert y_io == max(y for _, y, _ in position.values())  # I/O leaves at the bottom


def test_json_mermaid_dot(plan: Plan) -> None:
    assert json.loads(render(plan, "json"))["schema"] == 1
    mermaid = render(plan, "mermaid")
    assert mermaid.startswith("flowchart TD\n")
    assert mermaid.count("\n    n") >= len(plan.nodes)
    assert "classDef becomes_async" in mermaid
    dot = render(plan, "dot")
    assert dot.startswith("digraph plan {") and dot.rstrip().endswith("}")
    assert '"shop.services.fetch_rate" -> "io:requests.get"' in dot


def test_rich_text_shows_every_section() -> None:
    plan = build_plan(make_project(DEMO_SHOP))
    text = render(plan, "rich")
    for heading in ("Migration plan", "Blockers", "Library swaps", "Bridges", "Steps (leaves first)", "Effort"):
        assert heading in text
    assert "views.py:72-78" in text  # the transaction block
    assert "[x async for x in qs]" in text  # not eaten as rich markup
    assert "httpx does not follow redirects" in text  # semantic deltas listed
    assert "\x1b[" not in text  # no colour unless asked
