"""`deblock plan` through inheritance: a base-class method calling `self.repo.m()` (each
subclass sets its own repo) recolours every repo's `m` together; `super().m()` and a
class-level service get awaits; `self.render()` on a project class is not template rendering."""

from __future__ import annotations

import textwrap
from pathlib import Path

from test_plan import make_project

from deblock.migration.plan import build_plan

FILES = {
    "app/models.py": """
        from django.db import models

        class Book(models.Model):
            title = models.CharField(max_length=10)
    """,
    "app/repos.py": """
        from app.models import Book

        class DbRepo:
            def find(self, pk):
                return Book.objects.get(pk=pk)

        class MemoryRepo:
            def find(self, pk):
                return {"pk": pk}
    """,
    "app/base.py": """
        class BaseService:
            def describe(self, pk):
                return self.render(self.repo.find(pk))

            def render(self, obj):
                return {"obj": obj}
    """,
    "app/services.py": """
        from app.base import BaseService
        from app.repos import DbRepo, MemoryRepo

        class BookService(BaseService):
            def __init__(self):
                self.repo = DbRepo()

            def describe(self, pk):
                data = super().describe(pk)
                return data

        class CachedService(BaseService):
            def __init__(self):
                self.repo = MemoryRepo()
    """,
    "app/views.py": """
        from app.services import BookService

        class BookView:
            service = BookService()

            def get(self, request, pk):
                return self.service.describe(pk)
    """,
}


def test_inherited_chains_recolour_with_their_dispatch_siblings(tmp_path: Path) -> None:
    for name, source in {"app/__init__.py": "", **FILES}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(source), encoding="utf-8")
    plan = build_plan(make_project(tmp_path), ["app.views.*"])
    assert set(plan.becoming_async()) == {
        "app.repos.DbRepo.find",
        "app.repos.MemoryRepo.find",  # pure, but `self.repo.find()` may run either: one colour
        "app.base.BaseService.describe",
        "app.services.BookService.describe",
        "app.views.BookView.get",
    }
    assert plan.blockers == ()  # `self.render(...)` is the project's method, not Django's `render`
    awaited = {(site.caller, site.text) for fn in plan.functions for site in fn.awaits}
    assert ("app.services.BookService.describe", "super().describe") in awaited
    assert ("app.views.BookView.get", "self.service.describe") in awaited
    assert ("app.base.BaseService.describe", "self.repo.find") in awaited
    step = {fn.qualname: fn.step for fn in plan.functions}
    assert step["app.repos.DbRepo.find"] < step["app.base.BaseService.describe"] < step["app.views.BookView.get"]


OVERRIDE_ONLY = {
    "app/models.py": FILES["app/models.py"],
    "app/base.py": """
        class BaseService:
            def describe(self, pk):
                return self.render(pk)

            def render(self, pk):
                return {"pk": pk}
    """,
    "app/services.py": """
        from app.base import BaseService
        from app.models import Book

        class BookService(BaseService):
            def render(self, pk):
                return {"n": Book.objects.count()}
    """,
    "app/views.py": """
        from app.services import BookService

        def view(request):
            return BookService().describe(1)
    """,
}


def test_an_override_reached_only_through_the_base_class_recolours_its_set(tmp_path: Path) -> None:
    for name, source in {"app/__init__.py": "", **OVERRIDE_ONLY}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(source), encoding="utf-8")
    plan = build_plan(make_project(tmp_path), ["app.views.*"])
    assert set(plan.becoming_async()) == {
        "app.services.BookService.render", "app.base.BaseService.render",  # one override set, one colour
        "app.base.BaseService.describe", "app.views.view",
    }
    assert plan.effort.awaits == 2  # `self.render(pk)` runs either method: one site, counted once
