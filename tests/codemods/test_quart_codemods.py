"""The codemods of `deblock migrate --target quart`, one shape at a time: imports moved and
renamed, table creation registered for startup, awaited attributes, legacy Query chains."""

from __future__ import annotations

import ast

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


def fix(codemod: str, span: Span, **args: str) -> Fix:
    return Fix(codemod, span, codemod, Applicability.SAFE, tuple(sorted(args.items())))


def test_rewrite_import_from_renames_uses_but_not_attributes_or_aliases() -> None:
    source = ("from flask import Flask, jsonify\n\n\ndef make() -> Flask:\n"
              "    app = Flask(__name__)\n    return app.Flask, jsonify\n")
    fixed, located = run_codemods(source, [fix("rewrite_import_from", Span(1, 0, 1, 32), module="quart",
                                               renames="Flask=Quart")])
    assert located and fixed == ("from quart import Quart, jsonify\n\n\ndef make() -> Quart:\n"
                                 "    app = Quart(__name__)\n    return app.Flask, jsonify\n")


def test_rewrite_import_from_to_a_relative_module() -> None:
    source = "from flask_sqlalchemy import SQLAlchemy as Db\n\ndb = Db()\n"
    fixed, _ = run_codemods(source, [fix("rewrite_import_from", Span(1, 0, 1, 45), module=".quart_db", renames="")])
    assert fixed == "from .quart_db import SQLAlchemy as Db\n\ndb = Db()\n"


def test_before_serving_registers_each_call_in_order() -> None:
    source = ("def create_app():\n    app = Quart(__name__)\n    # tables\n    with app.app_context():\n"
              "        db.drop_all()\n        db.create_all()\n    return app\n")
    fixed, _ = run_codemods(source, [fix("before_serving", Span(4, 4, 6, 23), app="app",
                                         calls="db.drop_all,db.create_all")])
    assert fixed == ("def create_app():\n    app = Quart(__name__)\n    # tables\n    app.before_serving(db.drop_all)\n"
                     "    app.before_serving(db.create_all)\n    return app\n")


def test_await_attribute_plain_and_through_awaitable_attrs() -> None:
    source = "async def view(post):\n    return request.form['x'], post.author.name, len(post.tags)\n"
    fixes = [fix("await_attribute", Span(2, 11, 2, 23)),
             fix("await_attribute", Span(2, 30, 2, 41), via="awaitable_attrs"),
             fix("await_attribute", Span(2, 52, 2, 61), via="awaitable_attrs")]
    fixed, located = run_codemods(source, fixes)
    assert len(located) == 3
    assert fixed == ("async def view(post):\n    return (await request.form)['x'], "
                     "(await post.awaitable_attrs.author).name, len(await post.awaitable_attrs.tags)\n")
    ast.parse(fixed)


def test_legacy_query_session_form_with_filter_and_404_keywords() -> None:
    source = ("async def view(db, name):\n"
              "    a = db.session.query(User).filter(User.name == name).order_by(User.id).all()\n"
              "    b = User.query.filter_by(name=name).first_or_404(description='gone')\n")
    fixes = [fix("legacy_query_to_select", Span(2, 8, 2, 79), form="session", session="db.session", db="db",
                 fetch="scalars", template="({session_await} {session}.{fetch}({stmt})).all()".replace(
                     "{session_await}", "await")),
             fix("legacy_query_to_select", Span(3, 8, 3, 72), form="model", session="db.session", db="db",
                 fetch="scalars", template="await {db}.first_or_404({stmt}.limit(1){kwargs})")]
    fixed, located = run_codemods(source, fixes)
    assert len(located) == 2
    assert "a = (await db.session.scalars(select(User).where(User.name == name).order_by(User.id))).all()" in fixed
    assert "b = await db.first_or_404(select(User).filter_by(name=name).limit(1), description='gone')" in fixed
    assert fixed.startswith("from sqlalchemy import select\n")
    ast.parse(fixed)
