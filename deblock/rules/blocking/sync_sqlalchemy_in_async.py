from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule, Valid
from deblock.rules.blocking._matching import short_name
from deblock.rules.blocking._orm import sqlalchemy_hits


class SyncSqlalchemyInAsync(Rule):
    """
    ## What it does
    Flags I/O on synchronous SQLAlchemy objects on the event loop: `Session` methods
    (`execute`, `scalars`, `get`, `commit`, `flush`, `refresh`, `delete`…) on a
    `Session`, a `sessionmaker()` or `scoped_session()` result or Flask-SQLAlchemy's
    `db.session`; `Engine.connect()`/`begin()`; `Connection.execute()`/`commit()`; and
    legacy `Query` chains (`session.query(User).first()`, `User.query.get(1)` on a
    Flask-SQLAlchemy model) and Flask-SQLAlchemy's `db.get_or_404()` and friends. `AsyncSession`, `async_sessionmaker` and
    `create_async_engine` objects are not flagged.

    ## Why is this bad?
    A sync session talks to the database through a blocking driver, so each query
    stops the event loop and every other request waits for the database round trip.
    SQLAlchemy's asyncio extension has the same API awaited: an `AsyncSession` from
    `async_sessionmaker(create_async_engine(url))`. `AsyncSession` has no `query()`,
    so legacy `Query` chains must first become 2.0-style `select()` statements.

    ## Example
    ```python
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import sessionmaker

    Session = sessionmaker(create_engine("postgresql://db/app"))

    async def user_names():
        with Session() as session:
            return session.scalars(select(User.name)).all()
    ```

    Use instead:
    ```python
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    Session = async_sessionmaker(create_async_engine("postgresql+asyncpg://db/app"))

    async def user_names():
        async with Session() as session:
            return (await session.scalars(select(User.name))).all()
    ```

    ## Known limitations
    There is no fix: moving to `AsyncSession` changes the engine, the driver URL and
    every use of the session. Lazy-loaded relationships and expired attributes, which
    also do I/O, are not detected. `session.add()` does no I/O and is not flagged.

    ## References
    - [Asynchronous I/O (asyncio)](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    - [2.0 migration: ORM query usage](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#migration-20-query-usage)
    """

    code = "DBK111"
    message = "Sync SQLAlchemy call {what} on the event loop in `{function}`: {advice}"
    valid = [
        "from sqlalchemy.orm import Session\n\ndef users(session: Session):\n    return session.execute('x')\n",
        Valid("from sqlalchemy.ext.asyncio import AsyncSession\n\nasync def users(session: AsyncSession):\n"
              "    session.add(object())\n    await session.commit()\n    return await session.execute('x')\n"),
        Valid("from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n"
              "Session = async_sessionmaker(create_async_engine('sqlite+aiosqlite://'))\n\n"
              "async def users():\n    async with Session() as s:\n        await s.commit()\n"),
        Valid("import asyncio\nfrom sqlalchemy.orm import Session\n\nasync def users(session: Session):\n"
              "    return await asyncio.to_thread(lambda: session.execute('x'))\n"),
    ]
    invalid = [
        Invalid(
            "from sqlalchemy.orm import Session\n\nasync def users(session: Session):\n    session.commit()\n",
            line=4, message="Sync SQLAlchemy call `session.commit()` on the event loop in `users`",
        ),
        Invalid(
            "# file: app/views.py\nfrom app.db import User\n\nasync def user(pk):\n    return User.query.get(pk)\n"
            "# file: app/db.py\nfrom flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n\n"
            "class User(db.Model):\n    pass\n",
            line=4, message="`AsyncSession` has no `query()`",
        ),
        Invalid(
            "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n\n"
            "async def ping():\n    with engine.connect() as conn:\n        conn.execute('select 1')\n",
            line=6, message="create_async_engine",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for hit in sqlalchemy_hits(facts, project):
            yield self.finding(facts, hit.span, what=hit.what, function=short_name(hit.function), advice=hit.advice)
