"""`deblock plan`'s colouring, order, call sites, swaps, bridges and JSON shape, on
fixtures/projects/plan_django (views → services → ORM/requests chains, an override
pair, a class-based view, a recursive pair, a dunder hook, a lambda, a transaction)
and on the Django demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deblock.analyzer.discovery import discover
from deblock.analyzer.project import Project
from deblock.config import load
from deblock.engine import gather_facts, read_sources
from deblock.migration.plan import (
    BECOMES_ASYNC,
    STAYS_SYNC,
    Plan,
    PlanError,
    build_plan,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PLAN_DJANGO = FIXTURES / "projects" / "plan_django"
DEMO_SHOP = FIXTURES / "demo" / "django_shop"


def make_project(path: Path) -> Project:
    settings = load([path], None, False)
    files = discover([path], settings)
    sources, keys, _ = read_sources(files)
    return Project(gather_facts(files, settings, sources, keys, use_cache=False), settings)


@pytest.fixture(scope="module")
def project() -> Project:
    return make_project(PLAN_DJANGO)


@pytest.fixture(scope="module")
def plan(project: Project) -> Plan:
    return build_plan(project)


def _rel(path: str) -> str:
    return path.rpartition("plan_django/")[2]


def test_exactly_the_functions_with_twin_io_on_the_path_become_async(plan: Plan) -> None:
    assert set(plan.becoming_async()) == {
        "shop.services.book_count", "shop.services.fetch_rate", "shop.services.price_in",
        "shop.services.countdown", "shop.services.tick",
        "shop.services.DbRepo._first", "shop.services.DbRepo.load", "shop.services.Repo.load",
        "shop.views.list_books", "shop.views.convert", "shop.views.create_book", "shop.views.lookup",
        "shop.views.countdown_view", "shop.views.BookView.get", "shop.views.BookView.post",
    }
    # pure helpers and views that do no I/O stay sync and are not part of the plan
    for untouched in ("shop.services.slugify", "shop.views.health", "shop.services.titles_by_rate",
                      "shop.views.ranked", "shop.views.rates"):
        assert plan.function(untouched) is None


def test_reasons_name_the_io_chain(plan: Plan) -> None:
    convert = plan.function("shop.views.convert")
    assert convert is not None
    assert convert.chain == ("shop.views.convert", "shop.services.price_in", "shop.services.fetch_rate", "requests.get")
    assert convert.entries == ("shop.views.convert",)


def test_override_sets_and_class_based_views_share_a_colour(plan: Plan) -> None:
    base = plan.function("shop.services.Repo.load")
    assert base is not None and base.status == BECOMES_ASYNC
    assert "override set of `shop.services.DbRepo.load`" in base.reason
    post = plan.function("shop.views.BookView.post")
    assert post is not None and post.status == BECOMES_ASYNC
    assert "class-based view" in post.reason


def test_order_is_leaves_first_and_a_cycle_is_one_step(plan: Plan) -> None:
    step = {f.qualname: f.step for f in plan.functions}
    for f in plan.functions:
        for site in f.awaits:
            if site.caller in step and site.caller != f.qualname:
                assert step[f.qualname] <= step[site.caller], (f.qualname, site.caller)
    cycle = next(s for s in plan.steps if "shop.services.countdown" in s.functions)
    assert cycle.functions == ("shop.services.countdown", "shop.services.tick") and cycle.cycle
    assert [s.index for s in plan.steps] == list(range(1, len(plan.steps) + 1))
    assert [f.step for f in plan.functions] == sorted(f.step for f in plan.functions)


def test_every_call_site_of_a_recoloured_function_is_awaited(plan: Plan) -> None:
    def sites(qualname: str) -> set[tuple[str, str, int]]:
        fn = plan.function(qualname)
        assert fn is not None
        return {(s.caller, _rel(s.path), s.span.line) for s in fn.awaits}

    assert sites("shop.services.DbRepo._first") == {("shop.services.DbRepo.load", "shop/services.py", 48)}  # self._first()
    assert sites("shop.services.price_in") == {("shop.views.convert", "shop/views.py", 17)}  # return ...price_in()
    assert sites("shop.services.book_count") == {
        ("shop.services.countdown", "shop/services.py", 33),
        ("shop.views.list_books", "shop/views.py", 11),
        ("shop.views.BookView.get", "shop/views.py", 49),
    }
    first = plan.function("shop.services.DbRepo._first")
    assert first is not None and first.awaits[0].text == "self._first"


def test_swaps_carry_twin_codemod_version_and_safety(plan: Plan) -> None:
    swaps = {(s.from_, s.span.line): s for f in plan.functions for s in f.swaps}
    count = swaps[("shop.models.Book.objects.count", 10)]
    assert (count.to, count.codemod, count.args, count.min_version, count.safety) == (
        "await Book.objects.acount(...)", "django_async_twin", (("method", "acount"),), "django>=4.1", "safe")
    http = swaps[("requests.get", 14)]
    assert http.codemod == "requests_to_httpx" and http.safety == "unsafe" and "redirects" in http.semantic_delta
    assert swaps[("shop.models.Book.objects.filter().first", 51)].to.endswith(".afirst(...)")
    # the ORM call inside `with transaction.atomic():` runs in the extracted sync block: no swap
    assert not any(from_ == "shop.models.Book.objects.create" for from_, _ in swaps)


def test_transaction_block_is_bridged_whole(plan: Plan) -> None:
    create = plan.function("shop.views.create_book")
    assert create is not None
    [bridge] = create.bridges
    assert (bridge.kind, bridge.target, bridge.span.line, bridge.span.end_line) == (
        "sync_to_async", "django.db.transaction.atomic", 21, 22)
    assert not bridge.manual


def test_propagation_stops_at_dunders_and_lambdas_with_a_bridge(plan: Plan) -> None:
    init = plan.function("shop.services.Rates.__init__")
    lam = plan.function("shop.services.titles_by_rate.<locals>.<lambda>")
    for fn, line in ((init, 56), (lam, 28)):
        assert fn is not None and fn.status == STAYS_SYNC
        [bridge] = fn.bridges
        assert (bridge.kind, bridge.target, bridge.span.line) == ("async_to_sync", "shop.services.fetch_rate", line)
    kinds = {(h.function, h.kind) for h in plan.blockers}
    assert ("shop.services.Rates.__init__", "dunder") in kinds
    assert ("shop.services.titles_by_rate.<locals>.<lambda>", "lambda") in kinds
    assert all(h.stops_propagation for h in plan.blockers)


def test_entry_selection(project: Project) -> None:
    one = build_plan(project, ["shop.views.convert"])
    assert set(one.becoming_async()) == {"shop.views.convert", "shop.services.price_in", "shop.services.fetch_rate"}
    assert [e.qualname for e in one.entries] == ["shop.views.convert"]
    # callers off the chosen path keep working through a bridge
    assert one.function("shop.services.Rates.__init__") is not None
    globbed = build_plan(project, ["shop.views.c*"])
    assert {e.qualname for e in globbed.entries} == {"shop.views.convert", "shop.views.countdown_view", "shop.views.create_book"}
    with pytest.raises(PlanError, match="matches no entry point"):
        build_plan(project, ["shop.views.nope"])


def test_effort_counts(plan: Plan) -> None:
    e = plan.effort
    assert e.defs == len(plan.becoming_async())
    assert e.awaits == sum(len(f.awaits) for f in plan.functions)
    assert e.swaps == sum(len(f.swaps) for f in plan.functions)
    assert e.bridges == sum(len(f.bridges) for f in plan.functions)
    assert e.automatic == e.defs + e.awaits + e.swaps + e.bridges  # every swap has a codemod, no bridge is manual
    assert e.manual == len(plan.blockers) + len(plan.hazards)


def test_json_shape_is_stable(plan: Plan) -> None:
    data = json.loads(json.dumps(plan.to_json()))
    assert list(data) == ["schema", "root", "django_version", "entries", "functions", "steps", "blockers",
                          "hazards", "graph", "effort", "notes", "target"]
    assert data["schema"] == 1 and data["django_version"] == "5.1"
    fn = data["functions"][0]
    assert list(fn) == ["qualname", "path", "span", "status", "reason", "chain", "entries", "step", "overrides",
                        "awaits", "swaps", "bridges"]
    assert list(fn["span"]) == ["line", "col", "end_line", "end_col"]
    swap = next(s for f in data["functions"] for s in f["swaps"])
    assert list(swap) == ["function", "path", "span", "family", "from", "to", "codemod", "args", "awaited",
                          "min_version", "semantic_delta", "safety"]
    assert isinstance(swap["args"], dict)
    assert list(data["blockers"][0]) == ["code", "kind", "function", "path", "span", "message", "bridge",
                                         "stops_propagation"]
    assert set(data["effort"]) == {"defs", "awaits", "swaps", "unsafe_swaps", "bridges", "manual", "automatic", "formula"}
    ids = {n["id"] for n in data["graph"]["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["graph"]["edges"])


# ---------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo() -> Project:
    return make_project(DEMO_SHOP)


def test_demo_checkout_bridges_the_transaction(demo: Project) -> None:
    plan = build_plan(demo, ["catalog.views.checkout"])
    assert plan.becoming_async() == ("catalog.views.checkout",)
    checkout = plan.function("catalog.views.checkout")
    assert checkout is not None
    assert [(s.from_, s.span.line) for s in checkout.swaps] == [("django.shortcuts.get_object_or_404", 71)]
    [bridge] = checkout.bridges
    assert (bridge.kind, bridge.path.endswith("catalog/views.py"), bridge.span.line, bridge.span.end_line) == (
        "sync_to_async", True, 72, 78)


def test_demo_all_views(demo: Project) -> None:
    plan = build_plan(demo)
    becoming = set(plan.becoming_async())
    assert {"catalog.services.refresh_prices", "catalog.services.fetch_quote", "catalog.services._get_json",
            "catalog.services._backoff", "catalog.views.reprice_catalogue", "catalog.views.checkout"} <= becoming
    assert not any(q.startswith(("catalog.admin.", "catalog.serializers.", "catalog.api.")) for q in becoming)
    admin = plan.function("catalog.admin.BookAdmin.refresh_prices")
    assert admin is not None and admin.status == STAYS_SYNC
    assert [b.kind for b in admin.bridges] == ["async_to_sync"]
    # an existing `asyncio.to_thread(fetch_quote, ...)` must become `await fetch_quote(...)`
    supplier = plan.function("catalog.async_views.supplier_quote")
    assert supplier is not None and [b.kind for b in supplier.bridges] == ["unwrap"]
    step = {f.qualname: f.step for f in plan.functions}
    assert step["catalog.services._get_json"] < step["catalog.services.fetch_quote"] < step["catalog.services.refresh_prices"]
    assert step["catalog.services.refresh_prices"] < step["catalog.views.reprice_catalogue"]
