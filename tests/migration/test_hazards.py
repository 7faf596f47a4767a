"""deblock.migration.hazards: plan-only hazards (functions a migration would recolour),
`must_stay_sync`, and the demo's atomic block."""

from __future__ import annotations

import textwrap

from conftest import FIXTURES

from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings
from deblock.engine import check
from deblock.migration.hazards import Hazard, find_hazards, must_stay_sync
from deblock.migration_knowledge import matches, migration_knowledge


def project_of(files: dict[str, str]) -> Project:
    facts = []
    for path, source in files.items():
        module = path.removesuffix(".py").replace("/", ".")
        facts.append(extract(textwrap.dedent(source).encode(), path, module, False))
    return Project(facts, Settings())


def plan(project: Project, *becoming: str) -> list[Hazard]:
    return [h for h in find_hazards(project, frozenset(becoming)) if not h.code]


def test_knowledge_loads_and_matches_by_root_and_tail() -> None:
    knowledge = migration_knowledge()
    assert knowledge.hooks and knowledge.callbacks and "__call__" in knowledge.async_dunders
    assert matches("django.views.generic.list.ListView", "django:ListView")
    assert matches("django.template.Library.filter", "django:Library.filter")
    assert not matches("myapp.ListView", "django:ListView")
    assert not matches("django.views.generic.MyListView", "django:ListView")


def test_demo_checkout_atomic_block() -> None:
    root = FIXTURES / "demo" / "django_shop"
    result = check([root], Settings(root=root, select=("DBK5",), cache_dir=None), use_cache=False)
    project = result.project or result.load_project()
    assert not [h for h in find_hazards(project) if h.function == "catalog.views.checkout"]
    hazards = [h for h in find_hazards(project, frozenset({"catalog.views.checkout"}))
               if h.function == "catalog.views.checkout"]
    assert [(h.kind, h.code, h.path, h.span.line, h.stops_propagation) for h in hazards] == [
        ("atomic-block", "", "catalog/views.py", 72, False)]
    assert hazards[0].bridge is not None and "sync_to_async" in hazards[0].bridge and "extract" in hazards[0].bridge


SOURCE = {"app/core.py": """
    import functools, re, threading
    from django.db import transaction
    from django.dispatch import Signal
    from django.views import View

    placed = Signal()
    _state = threading.local()

    def price(item):
        return 1

    def rows():
        yield 1

    def total(items):
        return sum(map(price, items)) + max(items, key=price)

    def apply(items):
        return [(lambda x: price(x))(i) for i in items]

    @transaction.atomic
    def pay(order):
        placed.send(sender=None)
        _state.order = order

    def careful():
        try:
            price(1)
        except BaseException:
            return None

    class Orders(View):
        def get(self, request):
            return 1

        def post(self, request):
            return 2
"""}


def test_plan_only_hazards_for_recoloured_functions() -> None:
    project = project_of(SOURCE)
    assert plan(project) == []
    found = {(h.kind, h.function) for h in plan(project, "app.core.price", "app.core.rows", "app.core.pay",
                                                  "app.core.careful", "app.core.Orders.post")}
    assert found == {
        ("sync-callback", "app.core.price"),  # map(price, ...) and max(key=price)
        ("lambda", "app.core.apply.<locals>.<lambda>"),
        ("generator", "app.core.rows"),
        ("atomic-block", "app.core.pay"),
        ("signal-send", "app.core.pay"),
        ("thread-local", "app.core.pay"),
        ("swallowed-cancellation", "app.core.careful"),
        ("mixed-cbv-handlers", "app.core.Orders.post"),
    }
    by_kind = {h.kind: h for h in plan(project, "app.core.rows", "app.core.apply.<locals>.<lambda>",
                                        "app.core.Orders.post")}
    assert by_kind["generator"].stops_propagation and by_kind["lambda"].stops_propagation
    # Both handlers are the project's own: recolouring them together is the bridge.
    assert not by_kind["mixed-cbv-handlers"].stops_propagation
    assert plan(project, "app.core.Orders.get", "app.core.Orders.post") == []


def test_signal_bridge_follows_django_version() -> None:
    project = project_of(SOURCE)
    send = next(h for h in plan(project, "app.core.pay") if h.kind == "signal-send")
    assert "asend" in (send.bridge or "")  # version unknown: the current API
    old = Project(list(project), Settings(target_django=(4, 2)))
    send = next(h for h in plan(old, "app.core.pay") if h.kind == "signal-send")
    assert "sync_to_async(placed.send)" in (send.bridge or "")


def test_must_stay_sync() -> None:
    project = project_of({"app/models.py": """
        from django.db import models
        from django import forms
        from django.views.generic import ListView
        from celery import shared_task
        from django import template
        from flask_login import LoginManager

        register = template.Library()
        login = LoginManager()

        class Book(models.Model):
            def save(self, *args, **kwargs):
                super().save(*args, **kwargs)
            def __str__(self):
                return "book"
            @property
            def label(self):
                return "x"
            def reprice(self):
                return 1

        class BookForm(forms.Form):
            def clean_title(self):
                return 1

        class Books(ListView):
            def get_queryset(self):
                return Book.objects.all()

        @shared_task
        def send(order_id):
            pass

        @register.filter
        def money(v):
            return v

        @login.user_loader
        def load_user(user_id):
            return None

        def plain():
            return 1
    """})
    expected = {
        "app.models.Book.save": ("sync-hook", "save"),
        "app.models.Book.__str__": ("dunder", "__str__"),
        "app.models.Book.label": ("property", "property"),
        "app.models.BookForm.clean_title": ("sync-hook", "clean_title"),
        "app.models.Books.get_queryset": ("sync-hook", "get_queryset"),
        "app.models.send": ("sync-hook", "Celery"),
        "app.models.money": ("sync-hook", "template"),
        "app.models.load_user": ("sync-hook", "Flask-Login"),
    }
    for qualname, (kind, word) in expected.items():
        hazard = must_stay_sync(project, qualname)
        assert hazard is not None, qualname
        assert (hazard.kind, hazard.code, hazard.stops_propagation) == (kind, "", True), qualname
        assert word in hazard.message and hazard.bridge, (qualname, hazard.message)
    for qualname in ("app.models.Book.reprice", "app.models.plain", "app.models.missing"):
        assert must_stay_sync(project, qualname) is None, qualname
    # The hooks are plan hazards as soon as a plan would recolour them.
    assert {h.function for h in plan(project, *expected)} >= set(expected)


def test_today_hazards_carry_their_rule_code() -> None:
    project = project_of({"app/x.py": """
        import functools
        class A:
            async def __init__(self):
                pass
        @functools.cache
        async def f():
            return 1
    """})
    assert [(h.code, h.kind) for h in find_hazards(project)] == [("DBK503", "dunder"), ("DBK501", "cached-coroutine")]
    assert find_hazards(project) is find_hazards(project)  # memoised
