"""The ORM model graph: Django and SQLAlchemy models, their fields and relations."""

from __future__ import annotations

from pathlib import Path

from deblock.analyzer.models import ModelGraph, Relation, model_graph
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings
from deblock.testing import split_files

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def graph(source: str) -> ModelGraph:
    files = split_files(source)
    facts = [extract(f.source.encode(), f.path, f.module, f.is_package) for f in files]
    return model_graph(Project(facts, Settings()))


def rel(g: ModelGraph, model: str, name: str) -> Relation:
    found = g.relation(model, name)
    assert found is not None, f"{model}.{name} missing; has {sorted(g.models[model].relations)}"
    return found


def shape(r: Relation) -> tuple[str | None, str, bool]:
    return r.target, r.kind, r.many


DJANGO = """\
# file: shop/catalog/models.py
from django.db import models
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from shop.catalog.fields import OwnerKey


class Publisher(models.Model):
    name = models.CharField(max_length=100)


class Author(models.Model):
    name = models.CharField(max_length=100)
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE)
    profile = models.OneToOneField("accounts.Profile", on_delete=models.CASCADE)
    tags = GenericRelation("TaggedItem")


class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    editor = models.ForeignKey("Author", on_delete=models.CASCADE, related_name="+")
    genres = models.ManyToManyField("catalog.Genre", related_name="books", related_query_name="book")
    sequel = models.OneToOneField("self", null=True, on_delete=models.SET_NULL)
    owner = OwnerKey("accounts.Profile", on_delete=models.CASCADE)


class Genre(models.Model):
    name = models.CharField(max_length=50)
    readers = models.ManyToManyField("shop.accounts.models.Profile")


class TaggedItem(models.Model):
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    item = GenericForeignKey("content_type", "object_id")
# file: shop/catalog/fields.py
from django.db import models


class OwnerKey(models.ForeignKey):
    pass
# file: shop/accounts/models.py
from django.db import models


class Profile(models.Model):
    city = models.ForeignKey("City", on_delete=models.CASCADE, related_name="people")


class City(models.Model):
    name = models.CharField(max_length=50)
"""


def test_django_forward_relations() -> None:
    g = graph(DJANGO)
    book = "shop.catalog.models.Book"
    assert shape(rel(g, book, "author")) == ("shop.catalog.models.Author", "fk", False)
    assert shape(rel(g, book, "genres")) == ("shop.catalog.models.Genre", "m2m", True)
    assert shape(rel(g, book, "sequel")) == (book, "o2o", False)
    assert shape(rel(g, "shop.catalog.models.Author", "profile")) == ("shop.accounts.models.Profile", "o2o", False)
    assert rel(g, book, "author").span is not None and rel(g, book, "author").span.line == 19
    assert rel(g, book, "author").lazy is None and rel(g, book, "author").orm == "django"
    assert g.models[book].fields >= {"title", "pk", "id", "author_id"}
    assert "author" not in g.models[book].fields


def test_django_string_targets() -> None:
    g = graph(DJANGO)
    assert rel(g, "shop.catalog.models.Book", "editor").target == "shop.catalog.models.Author"  # "Model", same app
    assert rel(g, "shop.accounts.models.Profile", "city").target == "shop.accounts.models.City"
    assert rel(g, "shop.catalog.models.Genre", "readers").target == "shop.accounts.models.Profile"  # dotted path
    content_type = rel(g, "shop.catalog.models.TaggedItem", "content_type")
    assert content_type.target == "django.contrib.contenttypes.models.ContentType"


def test_django_reverse_relations() -> None:
    g = graph(DJANGO)
    books = rel(g, "shop.catalog.models.Author", "books")
    assert shape(books) == ("shop.catalog.models.Book", "reverse_fk", True)
    assert books.field == "shop.catalog.models.Book.author" and books.query_name == "books"
    assert books.span is None
    assert shape(rel(g, "shop.catalog.models.Publisher", "author_set")) == ("shop.catalog.models.Author", "reverse_fk", True)
    assert rel(g, "shop.catalog.models.Publisher", "author_set").query_name == "author"
    genre_books = rel(g, "shop.catalog.models.Genre", "books")
    assert shape(genre_books) == ("shop.catalog.models.Book", "reverse_m2m", True)
    assert genre_books.query_name == "book"  # related_query_name wins
    assert shape(rel(g, "shop.accounts.models.Profile", "author")) == ("shop.catalog.models.Author", "reverse_o2o", False)
    assert shape(rel(g, "shop.accounts.models.City", "people")) == ("shop.accounts.models.Profile", "reverse_fk", True)
    assert shape(rel(g, "shop.accounts.models.Profile", "genre_set")) == ("shop.catalog.models.Genre", "reverse_m2m", True)
    assert shape(rel(g, "shop.catalog.models.Book", "book")) == ("shop.catalog.models.Book", "reverse_o2o", False)


def test_django_plus_related_name_hides_reverse() -> None:
    author = graph(DJANGO).models["shop.catalog.models.Author"]
    assert "book_set" not in author.relations and "+" not in author.relations
    assert set(author.relations) >= {"books", "publisher", "profile", "tags"}


def test_django_custom_fk_subclass() -> None:
    g = graph(DJANGO)
    assert shape(rel(g, "shop.catalog.models.Book", "owner")) == ("shop.accounts.models.Profile", "fk", False)
    assert "book_set" in g.models["shop.accounts.models.Profile"].relations


def test_django_generic_relations() -> None:
    g = graph(DJANGO)
    assert shape(rel(g, "shop.catalog.models.TaggedItem", "item")) == (None, "generic_fk", False)
    assert shape(rel(g, "shop.catalog.models.Author", "tags")) == ("shop.catalog.models.TaggedItem", "generic_relation", True)
    assert "object_id" in g.models["shop.catalog.models.TaggedItem"].fields


def test_django_follow_nested_path() -> None:
    g = graph(DJANGO)
    path = g.follow("shop.catalog.models.Book", ("author", "profile", "city", "name"))
    assert [(r.model.rpartition(".")[2], r.name) for r in path] == [("Book", "author"), ("Author", "profile"), ("Profile", "city")]
    assert g.follow("shop.catalog.models.Book", ("title", "author")) == []
    assert g.follow("shop.catalog.models.Nope", ("author",)) == []
    assert g.relation("shop.catalog.models.Book", "title") is None


INHERITANCE = """\
# file: app/models.py
from django.db import models


class Tag(models.Model):
    name = models.CharField(max_length=20)


class Tagged(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="%(app_label)s_%(class)s_items")
    owner = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
    created = models.DateTimeField()

    class Meta:
        abstract = True


class Place(models.Model):
    town = models.ForeignKey(Tag, on_delete=models.CASCADE)
    address = models.CharField(max_length=80)


class Restaurant(Place, Tagged):
    serves_pizza = models.BooleanField()


class Note(Tagged):
    pass


class PlaceProxy(Place):
    class Meta:
        proxy = True
"""


def test_abstract_fields_and_interpolated_related_name() -> None:
    g = graph(INHERITANCE)
    assert g.models["app.models.Tagged"].abstract
    assert not g.models["app.models.Note"].abstract
    note_tag = rel(g, "app.models.Note", "tag")
    assert note_tag.model == "app.models.Note" and note_tag.target == "app.models.Tag"
    assert rel(g, "app.models.Note", "owner").target == "app.models.Note"  # "self" is the concrete subclass
    assert "created" in g.models["app.models.Note"].fields
    tag = g.models["app.models.Tag"]
    assert shape(tag.relations["app_note_items"]) == ("app.models.Note", "reverse_fk", True)
    assert "app_tagged_items" not in tag.relations  # abstract models add no reverse accessors
    assert shape(rel(g, "app.models.Note", "note_set")) == ("app.models.Note", "reverse_fk", True)


def test_multi_table_inheritance() -> None:
    g = graph(INHERITANCE)
    restaurant = g.models["app.models.Restaurant"]
    assert shape(restaurant.relations["place_ptr"]) == ("app.models.Place", "o2o", False)
    assert restaurant.relations["place_ptr"].span is None
    assert shape(rel(g, "app.models.Place", "restaurant")) == ("app.models.Restaurant", "reverse_o2o", False)
    assert rel(g, "app.models.Place", "restaurant").field == "app.models.Restaurant.place_ptr"
    assert {"address", "serves_pizza", "created"} <= restaurant.fields
    assert restaurant.relations["town"].model == "app.models.Place"  # inherited from the concrete parent
    assert restaurant.relations["tag"].model == "app.models.Restaurant"  # copied from the abstract parent
    assert shape(rel(g, "app.models.Tag", "app_restaurant_items")) == ("app.models.Restaurant", "reverse_fk", True)
    assert shape(rel(g, "app.models.Tag", "place_set")) == ("app.models.Place", "reverse_fk", True)


def test_proxy_shares_parent_relations() -> None:
    proxy = graph(INHERITANCE).models["app.models.PlaceProxy"]
    assert "placeproxy_ptr" not in proxy.relations and "place_ptr" not in proxy.relations
    assert {"town", "restaurant"} <= set(proxy.relations)
    assert "address" in proxy.fields


def test_app_label_from_meta() -> None:
    g = graph("""\
# file: core/models/people.py
from django.db import models


class Person(models.Model):
    home = models.ForeignKey("geo.Town", on_delete=models.CASCADE)
# file: places/models.py
from django.db import models


class Town(models.Model):
    class Meta:
        app_label = "geo"
""")
    assert rel(g, "core.models.people.Person", "home").target == "places.models.Town"
    assert "person_set" in g.models["places.models.Town"].relations


def test_demo_django_shop() -> None:
    source = (DEMO / "django_shop" / "catalog" / "models.py").read_text()
    g = graph("# file: catalog/models.py\n" + source)
    assert shape(rel(g, "catalog.models.Author", "books")) == ("catalog.models.Book", "reverse_fk", True)
    assert shape(rel(g, "catalog.models.Genre", "books")) == ("catalog.models.Book", "reverse_m2m", True)
    assert shape(rel(g, "catalog.models.Customer", "orders")) == ("catalog.models.Order", "reverse_fk", True)
    assert [r.name for r in g.follow("catalog.models.OrderLine", ("order", "customer", "email"))] == ["order", "customer"]
    assert "catalog.models.Order.Status" not in g.models


SQLALCHEMY = """\
# file: app/db.py
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
# file: app/models.py
from typing import List, Optional

from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.db import Base

tags = Table("post_tags", Base.metadata, Column("post_id", ForeignKey("posts.id")))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    posts: Mapped[List["Post"]] = relationship(back_populates="author", lazy="selectin")
    profile: Mapped["Profile"] = relationship(back_populates="user")
    drafts: WriteOnlyMapped["Post"] = relationship(viewonly=True)


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship(back_populates="profile")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped[Optional[User]] = relationship(back_populates="posts", lazy="joined")
    tags: Mapped[list["Tag"]] = relationship(secondary=tags)


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
"""


def test_sqlalchemy_mapped_style() -> None:
    g = graph(SQLALCHEMY)
    assert "app.db.Base" not in g.models  # the declarative base is no table
    user = g.models["app.models.User"]
    assert user.orm == "sqlalchemy" and user.table == "users" and user.fields == {"id", "name"}
    posts = user.relations["posts"]
    assert shape(posts) == ("app.models.Post", "one_to_many", True) and posts.lazy == "selectin"
    assert shape(rel(g, "app.models.Post", "author")) == ("app.models.User", "many_to_one", False)
    assert rel(g, "app.models.Post", "author").lazy == "joined"
    assert shape(user.relations["profile"]) == ("app.models.Profile", "one_to_one", False)
    assert shape(rel(g, "app.models.Profile", "user")) == ("app.models.User", "many_to_one", False)
    assert shape(user.relations["drafts"]) == ("app.models.Post", "one_to_many", True)
    assert shape(rel(g, "app.models.Post", "tags")) == ("app.models.Tag", "many_to_many", True)
    assert rel(g, "app.models.Post", "tags").lazy == "select"
    assert set(g.models["app.models.Tag"].relations) == set()  # back_populates/secondary add nothing
    assert [r.name for r in g.follow("app.models.Profile", ("user", "posts", "tags"))] == ["user", "posts", "tags"]


CLASSIC = """\
# file: legacy/models.py
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.orm import backref, relationship

Base = declarative_base()


class Parent(Base):
    __tablename__ = "parent"
    id = Column(Integer, primary_key=True)
    name = Column(String(20))
    children = relationship("Child", backref="parent", lazy="dynamic")
    friends = relationship("legacy.models.Friend", secondary="parent_friend", backref=backref("parents", lazy="subquery"))


class Child(Base):
    __tablename__ = "child"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("parent.id"))
    owner = relationship(Parent, backref=backref("pet", uselist=False))
    spouse = relationship("Child", uselist=False, remote_side=[id])
    sub = relationship(lambda: Child)


class Friend(Base):
    __tablename__ = "friend"
    id = Column(Integer, primary_key=True)
"""


def test_sqlalchemy_classic_style_and_backrefs() -> None:
    g = graph(CLASSIC)
    parent = g.models["legacy.models.Parent"]
    assert parent.fields == {"id", "name"} and parent.table == "parent"
    children = parent.relations["children"]
    assert shape(children) == ("legacy.models.Child", "one_to_many", True) and children.lazy == "dynamic"
    back = rel(g, "legacy.models.Child", "parent")
    assert shape(back) == ("legacy.models.Parent", "many_to_one", False)
    assert back.field == "legacy.models.Parent.children" and back.span is None and back.lazy == "select"
    assert shape(rel(g, "legacy.models.Child", "owner")) == ("legacy.models.Parent", "many_to_one", False)
    assert shape(parent.relations["pet"]) == ("legacy.models.Child", "one_to_one", False)  # backref(uselist=False)
    assert shape(parent.relations["friends"]) == ("legacy.models.Friend", "many_to_many", True)
    parents = rel(g, "legacy.models.Friend", "parents")
    assert shape(parents) == ("legacy.models.Parent", "many_to_many", True) and parents.lazy == "subquery"
    assert shape(rel(g, "legacy.models.Child", "spouse")) == ("legacy.models.Child", "many_to_one", False)
    assert rel(g, "legacy.models.Child", "sub").target is None  # a lambda: unknown


FLASK = """\
# file: web/ext.py
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
# file: web/models.py
from web.ext import db


class Team(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    members = db.relationship("TeamMember", backref="team", lazy=True)


class TeamMember(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    team_id = db.Column(db.Integer, db.ForeignKey("team.id"))
    boss = db.relationship("Team", foreign_keys=[team_id])
"""


def test_flask_sqlalchemy_models() -> None:
    g = graph(FLASK)
    assert g.models["web.models.TeamMember"].table == "team_member"  # Flask-SQLAlchemy's own naming
    members = rel(g, "web.models.Team", "members")
    assert shape(members) == ("web.models.TeamMember", "one_to_many", True) and members.lazy == "select"
    assert shape(rel(g, "web.models.TeamMember", "team")) == ("web.models.Team", "many_to_one", False)
    assert shape(rel(g, "web.models.TeamMember", "boss")) == ("web.models.Team", "many_to_one", False)
    assert g.models["web.models.TeamMember"].fields == {"id", "team_id"}


def test_demo_flask_blog() -> None:
    source = (DEMO / "flask_blog" / "blog" / "models.py").read_text()
    g = graph("# file: blog/models.py\n" + source)
    assert set(g.models) == {"blog.models.User", "blog.models.Post", "blog.models.Comment", "blog.models.Tag"}
    assert shape(rel(g, "blog.models.Post", "author")) == ("blog.models.User", "many_to_one", False)
    assert shape(rel(g, "blog.models.Post", "tags")) == ("blog.models.Tag", "many_to_many", True)
    assert shape(rel(g, "blog.models.User", "posts")) == ("blog.models.Post", "one_to_many", True)
    assert shape(rel(g, "blog.models.Comment", "post")) == ("blog.models.Post", "many_to_one", False)
    assert "author_id" in g.models["blog.models.Post"].fields


def test_no_models_builds_empty_graph() -> None:
    source = "".join(f"# file: pkg/m{i}.py\nimport os\n\n\nclass C{i}:\n    x = 1\n" for i in range(30))
    g = graph(source)
    assert g.models == {} and g.model("pkg.m0.C0") is None and g.follow("pkg.m0.C0", ("x",)) == []


def test_graph_is_memoised() -> None:
    files = split_files(DJANGO)
    project = Project([extract(f.source.encode(), f.path, f.module, f.is_package) for f in files], Settings())
    assert model_graph(project) is model_graph(project)
