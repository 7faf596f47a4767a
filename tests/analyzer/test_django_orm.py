"""Django model / manager / QuerySet-chain parsing, the ORM knowledge table, and DBK110's
version gating."""

from __future__ import annotations

import pytest

from deblock.analyzer.django_orm import (
    INSTANCE,
    QUERYSET,
    OrmChain,
    is_model,
    managers,
    parse,
)
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings
from deblock.orm_knowledge import django_orm, sqlalchemy_orm
from deblock.testing import example_settings, run_example, split_files

MODELS = """\
from django.db import models
from django.contrib.auth.models import AbstractUser


class BookQuerySet(models.QuerySet):
    def live(self):
        return self.filter(live=True)


class BookManager(models.Manager):
    def published(self):
        return self.filter(published=True)


class Stamped(models.Model):
    class Meta:
        abstract = True


class Book(Stamped):
    objects = BookManager()
    live_books = BookQuerySet.as_manager()


class User(AbstractUser):
    pass


class NotAModel:
    objects = BookManager()
"""


def project(source: str = MODELS, settings: Settings | None = None) -> Project:
    return Project([extract(source.encode(), "app/models.py", "app.models", False)], settings or Settings())


def test_is_model_follows_project_and_django_bases() -> None:
    p = project()
    assert is_model(p, "app.models.Book")
    assert is_model(p, "app.models.Stamped")  # abstract models count
    assert is_model(p, "app.models.User")  # through contrib.auth's AbstractUser
    assert not is_model(p, "app.models.NotAModel")
    assert not is_model(p, "app.models.BookManager")


def test_managers_include_defaults_and_custom() -> None:
    found = managers(project(), "app.models.Book")
    assert found["objects"] == "app.models.BookManager"
    assert found["live_books"] == "app.models.BookQuerySet"
    assert "_default_manager" in found


@pytest.mark.parametrize(
    ("dotted", "expected"),
    [
        ("app.models.Book.objects.filter().exclude().first",
         OrmChain("app.models.Book", "objects", ("filter", "exclude"), "first", QUERYSET)),
        ("app.models.Book.objects.all()", OrmChain("app.models.Book", "objects", ("all",), None, QUERYSET)),
        ("app.models.Book.objects.published().count",
         OrmChain("app.models.Book", "objects", ("published",), "count", QUERYSET)),
        ("app.models.Book.live_books.live().exists",
         OrmChain("app.models.Book", "live_books", ("live",), "exists", QUERYSET)),
        ("app.models.Book.save", OrmChain("app.models.Book", None, (), "save", INSTANCE)),
        ("app.models.Book.objects.get().delete", OrmChain("app.models.Book", "objects", (), "delete", INSTANCE)),
        ("app.models.Book.objects.filter().first().refresh_from_db",
         OrmChain("app.models.Book", "objects", ("filter",), "refresh_from_db", INSTANCE)),
    ],
)
def test_parse(dotted: str, expected: OrmChain) -> None:
    assert parse(project(), dotted) == expected


@pytest.mark.parametrize(
    "dotted",
    [
        None,
        "app.models.NotAModel.objects.filter().first",  # not a model
        "app.models.Book.objects",  # a manager is not a QuerySet value
        "app.models.Book.other.filter().first",  # not a manager
        "app.models.Book.objects.count().first",  # evaluated mid-chain
        "app.models.Book.objects.get().title",  # an attribute, not a query
        "app.models.Book.clean",  # not a querying instance method
        "django.db.models.Model.objects.get",
    ],
)
def test_parse_rejects(dotted: str | None) -> None:
    assert parse(project(), dotted) is None


def test_knowledge_tables_load_and_are_consistent() -> None:
    orm = django_orm()
    assert orm.evaluating["get"].twin == "aget" and orm.evaluating["get"].since == (4, 1)
    assert orm.instance["save"].since == (4, 2)
    assert not orm.evaluating["iterator"].awaitable
    assert "django.db.transaction.atomic" in orm.sync_only
    assert all(t.source.startswith("https://") for t in (*orm.evaluating.values(), *orm.instance.values()))
    sa = sqlalchemy_orm()
    assert "add" not in sa.session_io and "commit" in sa.session_io


VIEWS = "# file: app/views.py\nfrom .models import Book\n\nasync def view(request):\n{body}\n# file: app/models.py\n" + MODELS


def _fixes(body: str, config: dict[str, str] | None = None) -> list[tuple[str, str]]:
    source = VIEWS.format(body=body)
    assert len(split_files(source)) == 2
    return [(f.fix.codemod, f.fix.arg("method")) if f.fix else ("", "") for f in
            run_example(source, example_settings("DBK110", config))]


def test_version_gates_the_fix() -> None:
    body = "    return Book.objects.first()"
    assert _fixes(body, {"target-django": "4.1"}) == [("django_async_twin", "afirst")]
    assert _fixes(body, {"target-django": "4.0"}) == [("offload_to_thread", "")]
    assert _fixes(body) == [("offload_to_thread", "")]  # unknown version: the bridge always works
    save = "    b = Book()\n    b.save()"
    assert _fixes(save, {"target-django": "4.1"}) == [("offload_to_thread", "")]
    assert _fixes(save, {"target-django": "4.2"}) == [("django_async_twin", "asave")]
    loop = "    for b in Book.objects.all():\n        pass"
    assert _fixes(loop, {"target-django": "4.1"}) == [("async_for_queryset", "")]
    assert _fixes(loop, {"target-django": "4.0"}) == [("", "")]


def test_no_fix_for_iterator_tests_and_indexing() -> None:
    body = ("    for b in Book.objects.iterator():\n        pass\n    if Book.objects.filter(x=1):\n        pass\n"
            "    return Book.objects.all()[0]")
    assert _fixes(body, {"target-django": "5.0"}) == [("", ""), ("", ""), ("", "")]


def test_manager_delete_and_chainable_calls_are_silent() -> None:
    body = "    qs = Book.objects.filter(x=1).select_related('a')\n    Book.objects.delete()\n    return qs"
    assert _fixes(body) == []


def test_atomic_decorator_on_async_def() -> None:
    source = "from django.db import transaction\n\n@transaction.atomic\nasync def view(request):\n    pass\n"
    findings = run_example(source, example_settings("DBK110"))
    assert [(f.span.line, f.fix) for f in findings] == [(3, None)]
    assert "sync_to_async(fn)" in findings[0].message


def test_function_twins_are_gated_on_their_version() -> None:
    source = "from django.shortcuts import get_object_or_404\n\nasync def view(pk):\n    return get_object_or_404(B, pk=pk)\n"
    newer = run_example(source, example_settings("DBK110", {"target-django": "5.0"}))
    older = run_example(source, example_settings("DBK110", {"target-django": "4.2"}))
    assert [f.fix.arg("method") for f in newer if f.fix] == ["aget_object_or_404"]
    assert [f.fix.codemod for f in older if f.fix] == ["offload_to_thread"]


@pytest.mark.parametrize(
    "rows",
    [
        [{"method": "get", "twin": "afetch", "since": "4.1", "source": "https://x"}],  # twin is not a + method
        [{"method": "get", "twin": "aget", "since": "four", "source": "https://x"}],
        [{"method": "get", "twin": "aget", "since": "4.1", "source": "http://x"}],
        [{"method": "get", "twin": "aget", "since": "4.1", "source": "https://x", "extra": 1}],
        [],
    ],
)
def test_malformed_twin_rows_are_rejected(rows: list[dict[str, str]]) -> None:
    from deblock.knowledge import KnowledgeError
    from deblock.orm_knowledge import _twins

    with pytest.raises(KnowledgeError):
        _twins(rows, "django.evaluating")


RELATED = """\
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
"""


@pytest.mark.parametrize(
    ("dotted", "expected"),
    [
        ("app.models.Author.objects.get().books.all()", OrmChain("app.models.Book", "books", ("all",), None, QUERYSET)),
        ("app.models.Author.objects.aget().books.count", OrmChain("app.models.Book", "books", (), "count", QUERYSET)),
        ("app.models.Author.books.filter().first", OrmChain("app.models.Book", "books", ("filter",), "first", QUERYSET)),
    ],
)
def test_parse_related_managers_on_instances(dotted: str, expected: OrmChain) -> None:
    assert parse(project(RELATED), dotted) == expected


@pytest.mark.parametrize(
    "dotted",
    [
        "app.models.Author.objects.filter().books.all()",  # a QuerySet has no related manager
        "app.models.Book.objects.get().author.save",  # single-valued: an instance, not a manager
    ],
)
def test_parse_related_managers_rejects(dotted: str) -> None:
    assert parse(project(RELATED), dotted) is None
