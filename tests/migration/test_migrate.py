"""`deblock migrate` on small fixture projects: the exact migrated source, what is kept
sync and why, idempotence, unsafe swaps, and the one-pass application of many codemods."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from deblock.analyzer.discovery import discover
from deblock.analyzer.project import Project
from deblock.config import load
from deblock.engine import gather_facts, read_sources
from deblock.migration.migrate import Migration, apply_fixes, migrate
from deblock.model import Applicability, Fix, Span

PROJECTS = Path(__file__).resolve().parent.parent.parent / "fixtures" / "projects"


def project_at(root: Path) -> Project:
    settings = load([root], None, False)
    files = discover([root], settings)
    sources, keys, _ = read_sources(files)
    return Project(gather_facts(files, settings, sources, keys, use_cache=False, jobs=1), settings)


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    return target


def run(root: Path, monkeypatch: pytest.MonkeyPatch, unsafe: bool = False) -> Migration:
    monkeypatch.chdir(root)
    return migrate(project_at(Path(".")), unsafe=unsafe)


@pytest.mark.parametrize("name", ["migrate_django", "migrate_override"])
def test_exact_migrated_source(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy(name, tmp_path)
    result = run(root, monkeypatch)
    expected_dir = PROJECTS / name / "expected"
    expected = {str(p.relative_to(expected_dir))[: -len(".expected")]: p.read_text(encoding="utf-8")
                for p in expected_dir.rglob("*.expected")}
    assert set(result.results) == set(expected)
    for path, text in expected.items():
        assert result.results[path] == text, path
        ast.parse(result.results[path])


def test_views_services_orm_and_bridges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(copy("migrate_django", tmp_path), monkeypatch)
    assert set(result.plan.becoming_async()) == {
        "shop.services.find", "shop.services.titles", "shop.services.Stock.level", "shop.services.Stock._book",
        "shop.views.detail", "shop.views.stock", "shop.views.stats", "shop.views.restock"}
    views = result.results["shop/views.py"]
    assert "(await request.auser()).is_staff" in views  # request.user
    assert "await services.Stock().level(isbn)" in views  # a method through an instance
    assert "book = await services.find(isbn)" in views and "asyncio.to_thread" not in views  # unwrapped offload
    assert "book = await sync_to_async(_restock_atomic)()" in views and "nonlocal total" in views
    assert "(await self._book(isbn)).stock" in result.results["shop/services.py"]  # parenthesised primary
    assert "async_to_sync(services.titles)()" in result.results["shop/management/commands/report.py"]  # sync hook
    blockers = {h.function: h.message for h in result.plan.blockers}
    assert "lazy relation" in blockers["shop.views.authors"]
    assert "renders a template" in blockers["shop.views.listing"]
    assert "Django runs management commands synchronously" in blockers["shop.management.commands.report.Command.handle"]
    assert "the block contains `return`" in result.kept_sync["shop.views.reserve"]
    assert result.skipped == []


def test_override_set_is_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(copy("migrate_override", tmp_path), monkeypatch)
    assert set(result.plan.becoming_async()) == {
        "catalog.repos.Repo.load", "catalog.repos.DbRepo.load", "catalog.repos.MemoryRepo.load",
        "catalog.views.BookView.get", "catalog.views.BookView.post"}


def test_second_run_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy("migrate_django", tmp_path)
    first = run(root, monkeypatch)
    for path, text in first.results.items():
        (root / path).write_text(text, encoding="utf-8")
    assert run(root, monkeypatch).results == {}


SLEEPY = {
    "pyproject.toml": '[project]\nname = "s"\nversion = "0"\ndependencies = ["django==5.2"]\n',
    "app/__init__.py": "",
    "app/urls.py": "from django.urls import path\n\nfrom app import views\n\n"
                   "urlpatterns = [path('a/', views.pause), path('b/', views.poll)]\n",
    "app/waits.py": "import time\n\n\ndef backoff(n):\n    time.sleep(n)\n",
    "app/views.py": "import time\n\nfrom django.http import JsonResponse\n\nfrom app import waits\n\n\n"
                    "def pause(request):\n    waits.backoff(1)\n    return JsonResponse({})\n\n\n"
                    "async def poll(request):\n    time.sleep(0.1)\n    return JsonResponse({})\n",
}


@pytest.fixture
def sleepy(tmp_path: Path) -> Path:
    for name, text in SLEEPY.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_unsafe_swaps_are_skipped_without_unsafe(sleepy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(sleepy, monkeypatch)
    # The only reason for `backoff` (and so `pause`) to become async is an unsafe swap: both stay sync.
    assert result.plan.becoming_async() == ()
    assert result.kept_sync["app.waits.backoff"] == (
        "none of its async twins is applied (`time.sleep`: unsafe swap (rerun with --unsafe))")
    # Already-async code keeps the blocking call off the loop instead.
    assert result.results["app/views.py"].endswith(
        "async def poll(request):\n    await sync_to_async(time.sleep)(0.1)\n    return JsonResponse({})\n")
    assert [s.line for s in result.skipped] == [14]


def test_unsafe_swaps_apply_with_unsafe(sleepy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(sleepy, monkeypatch, unsafe=True)
    assert set(result.plan.becoming_async()) == {"app.waits.backoff", "app.views.pause"}
    assert result.results["app/waits.py"] == "import asyncio\n\n\nasync def backoff(n):\n    await asyncio.sleep(n)\n"
    views = result.results["app/views.py"]
    assert "async def pause(request):\n    await waits.backoff(1)\n" in views
    assert "    await asyncio.sleep(0.1)\n" in views and "import time" not in views


def test_many_codemods_in_one_pass_use_original_spans() -> None:
    source = "def f(qs):\n    return g(len(qs))\n"
    fixes = [
        Fix("def_to_async_def", Span(1, 0, 2, 21), "def", Applicability.SAFE),
        Fix("insert_await", Span(2, 11, 2, 21), "await", Applicability.SAFE),
        Fix("queryset_builtin_to_async", Span(2, 13, 2, 20), "len", Applicability.SAFE, (("builtin", "len"),)),
    ]
    fixed, located = apply_fixes(source, fixes)
    assert fixed == "async def f(qs):\n    return await g(await qs.acount())\n"
    assert sorted(f.codemod for f in located) == sorted(f.codemod for f in fixes)


def test_sqlalchemy_sessions_are_never_offloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fastapi_orders"
    shutil.copytree(PROJECTS.parent / "demo" / "fastapi_orders", root, ignore=shutil.ignore_patterns("__pycache__"))
    result = run(root, monkeypatch, unsafe=True)
    # Functions whose only async twins are Session calls stay sync (no AsyncSession codemod)...
    assert result.kept_sync["orders.routers.orders.list_orders"] == (
        "none of its async twins is applied (`sqlalchemy.orm.Session.scalars`: no codemod)")
    # ...and a Session call already on the loop is reported, not moved to a thread.
    skipped = {(s.path, s.line): s.what for s in result.skipped}
    assert skipped[("orders/routers/reports.py", 24)].endswith("no codemod for this swap; left as it is")
    assert all("to_thread" not in text or "db." not in text.split("to_thread", 1)[1][:40]
               for text in result.results.values())
    # The HTTP chain is migrated: requests -> httpx.AsyncClient, awaited up to the route.
    services = result.results["orders/services.py"]
    assert "async def capture_payment(" in services and "return await _post_with_retry(" in services


IMPLICIT = {
    "pyproject.toml": '[project]\nname = "i"\nversion = "0"\ndependencies = ["django==5.2"]\n',
    "app/__init__.py": "",
    "app/models.py": "from django.db import models\n\n\nclass Customer(models.Model):\n    name = models.CharField()\n\n\n"
                     "class Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n",
    "app/urls.py": "from django.urls import path\n\nfrom app import views\n\n"
                   "urlpatterns = [path('a/', views.summary), path('b/', views.listing), path('c/', views.first)]\n",
    "app/views.py": (
        "from django.http import JsonResponse\n\nfrom app.models import Order\nfrom app.serializers import OrderSerializer\n\n\n"
        "def customer_name(order):\n    return order.customer.name\n\n\n"
        "def summary(request):\n    order = Order.objects.get(pk=1)\n    return JsonResponse({'name': customer_name(order)})\n\n\n"
        "def listing(request):\n    n = Order.objects.count()\n"
        "    return JsonResponse({'n': n, 'rows': OrderSerializer(Order.objects.all(), many=True).data})\n\n\n"
        "def first(request):\n    rows = Order.objects.order_by('pk')[:1]\n    n = Order.objects.count()\n"
        "    return JsonResponse({'n': n, 'ids': [o.pk for o in rows]})\n"
    ),
    "app/serializers.py": "class OrderSerializer:\n    def __init__(self, rows, many=False):\n        self.data = []\n",
}


def test_implicit_orm_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in IMPLICIT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run(tmp_path, monkeypatch)
    # A sync helper that reads a lazy relation is called through a worker thread...
    assert ("async def summary(request):\n    order = await Order.objects.aget(pk=1)\n"
            "    return JsonResponse({'name': await sync_to_async(customer_name)(order)})\n") in result.results["app/views.py"]
    # ...and views that pass a QuerySet on, or iterate one kept in a variable, stay sync.
    blockers = {h.function: h.message for h in result.plan.blockers}
    assert blockers["app.views.listing"].startswith("a QuerySet passed to `OrderSerializer(...)` may be evaluated")
    assert blockers["app.views.first"].startswith("QuerySet `rows` is evaluated implicitly")
