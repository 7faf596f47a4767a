"""`deblock migrate --target quart` on a small inline Flask + Flask-SQLAlchemy project: the
exact rewrites (imports, legacy Query chains, the request body, relationship reads, table
creation), and what is refused and reported instead of guessed."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from deblock.knowledge import KnowledgeError
from deblock.migration.migrate import Migration, migrate
from deblock.migration.quart import parse, quart_knowledge
from test_migrate import project_at

FILES = {
    "app/__init__.py": '''
        from flask import Flask as Application

        from .models import db


        def create_app():
            app = Application(__name__)
            db.init_app(app)
            with app.app_context():
                db.create_all()
            return app
    ''',
    "app/models.py": '''
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy import ForeignKey, String
        from sqlalchemy.orm import Mapped, mapped_column, relationship

        db = SQLAlchemy()


        class User(db.Model):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(80))
            posts: Mapped[list["Post"]] = relationship(back_populates="author")


        class Post(db.Model):
            __tablename__ = "posts"
            id: Mapped[int] = mapped_column(primary_key=True)
            title: Mapped[str] = mapped_column(String(80))
            author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            author: Mapped[User] = relationship(back_populates="posts")


        class Tag(db.Model):
            id: Mapped[int] = mapped_column(primary_key=True)
    ''',
    "app/views.py": '''
        from flask import Blueprint, jsonify, render_template, request

        from .models import Post, User, db

        bp = Blueprint("blog", __name__)


        @bp.get("/users")
        def users():
            everyone = User.query.order_by(User.name).all()
            return jsonify([u.name for u in everyone])


        @bp.get("/users/<int:pk>")
        def user(pk):
            found = User.query.get_or_404(pk)
            titles = [p.title for p in found.posts]
            return render_template("user.html", user=found, titles=titles, count=User.query.count())


        @bp.post("/posts")
        def create():
            title = request.form["title"]
            owner = db.session.query(User).filter(User.name == request.args["user"]).first()
            post = Post(title=title, author=owner)
            db.session.add(post)
            db.session.commit()
            return jsonify(id=post.id)


        @bp.get("/posts/<int:pk>/author")
        def author(pk):
            post = db.session.get(Post, pk)
            return jsonify(note="café ☕", name=post.author.name, first=sorted(["a", "b"], key=lambda t: (post.author.name, t))[0])


        @bp.get("/pages")
        def pages():
            return jsonify(Post.query.paginate(page=1).items)


        @bp.get("/pairs")
        def pairs():
            rows = db.session.query(Post.title, User.name).join(Post.author).all()
            return jsonify([list(r) for r in rows])


        def report():
            return Post.query.count()
    ''',
}


@pytest.fixture()
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Migration:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return migrate(project_at(Path(".")), target="quart")


def test_imports_move_to_quart_and_the_written_db_module(migrated: Migration) -> None:
    init = migrated.results["app/__init__.py"]
    assert "from quart import Quart as Application" in init
    assert "app = Application(__name__)" in init  # an `as` name is kept, so its uses are too
    assert "app.before_serving(db.create_all)" in init and "app_context" not in init
    assert "from .quart_db import SQLAlchemy" in migrated.results["app/models.py"]
    assert "class SQLAlchemy" in migrated.results["app/quart_db.py"]
    assert migrated.created == {"app/quart_db.py"}
    assert "from quart import Blueprint, jsonify, render_template, request" in migrated.results["app/views.py"]
    for text in migrated.results.values():
        ast.parse(text)


def test_legacy_query_chains_become_select(migrated: Migration) -> None:
    views = migrated.results["app/views.py"]
    assert "everyone = (await db.session.scalars(select(User).order_by(User.name))).all()" in views
    assert "found = await db.get_or_404(User, pk)" in views
    assert "count=await db.session.scalar(select(func.count()).select_from(select(User).subquery()))" in views
    assert ("owner = (await db.session.scalars(select(User).where(User.name == request.args[\"user\"]).limit(1)))"
            ".first()") in views
    # two entities: rows, not instances
    assert "rows = (await db.session.execute(select(Post.title, User.name).join(Post.author))).all()" in views
    assert "from sqlalchemy import select, func" in views or "from sqlalchemy import func, select" in views


def test_request_body_templates_and_session_calls_are_awaited(migrated: Migration) -> None:
    views = migrated.results["app/views.py"]
    assert 'title = (await request.form)["title"]' in views
    assert "return await render_template(" in views
    assert "await db.session.commit()" in views and "    db.session.add(post)" in views  # add() stays a plain call
    assert "post = await db.session.get(Post, pk)" in views


def test_relationship_reads_on_typed_instances(migrated: Migration) -> None:
    views = migrated.results["app/views.py"]
    assert "titles = [p.title for p in await found.awaitable_attrs.posts]" in views
    # after non-ASCII text on the same line: positions are characters, not UTF-8 bytes
    assert 'note="café ☕", name=(await post.awaitable_attrs.author).name' in views
    assert "jsonify([u.name for u in everyone])" in views  # a column is not a relationship


def test_what_cannot_be_written_is_reported(migrated: Migration) -> None:
    notes = "\n".join(s.what for s in migrated.skipped)
    views = migrated.results["app/views.py"]
    # `post.author` inside a lambda cannot be awaited: the read is left as written and listed.
    assert "key=lambda t: (post.author.name, t)" in views
    assert "`post.author` must be awaited, but it is read inside a lambda" in notes
    # paginate has no AsyncSession form deblock writes
    assert "def pages()" in views and "Post.query.paginate" in views
    assert "`Post.query.paginate` needs `await`" in notes
    # not on any route: nothing makes it async, and it would break
    assert "`Post.query.count` needs `await` under Quart/AsyncSession, but `app.views.report` stays sync" in notes
    assert "`app.models.Tag` has no `__tablename__`" in notes


def test_knowledge_is_validated() -> None:
    assert "render_template" in quart_knowledge().coroutines
    with pytest.raises(KnowledgeError):
        parse('source = "https://x"\n[flask]\nrenames = {}\n')
