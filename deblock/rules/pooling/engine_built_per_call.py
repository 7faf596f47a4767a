from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, FixAvailability, Severity
from deblock.rules._base import Invalid, Rule, Valid
from deblock.rules.pooling._built import built_per_call

_FLASK = "from flask import Flask, current_app\nfrom sqlalchemy import create_engine, text\n\napp = Flask(__name__)\n\n\n"
_REPORT = ("@app.get('/r')\ndef report():\n    engine = {}\n"
           "    with engine.connect() as c:\n        return str(c.execute(text('SELECT 1')).scalar())\n")
_FACTORY = ("@functools.cache\ndef {}:\n    # One per process, built on first use (after any fork) and shared by every call.\n"
            "    return {}\n\n\n")


class EngineBuiltPerCall(Rule):
    """
    ## What it does
    Flags a SQLAlchemy engine (`create_engine`, `create_async_engine`) built inside a
    function that runs on every request or task (a route, a view, a FastAPI dependency, a
    Flask request hook, a Celery task, or anything they call), or built in a loop. Engines
    built with `poolclass=NullPool`, or with `**options` deblock cannot read, are left
    alone: a per-call engine without a pool is a deliberate design (per-user credentials,
    PgBouncer in front; Superset builds its engines so).

    ## Why is this bad?
    An engine owns a connection pool. Building one per request opens a new database
    connection (TCP, TLS, authentication) every time and throws the pool away, and an engine
    that is never disposed leaks its connections until the garbage collector finds it.
    SQLAlchemy's advice is one engine per database URL per process.

    ## Example
    ```python
    from flask import Flask, current_app
    from sqlalchemy import create_engine, text

    app = Flask(__name__)

    @app.get("/report")
    def report():
        engine = create_engine(current_app.config["REPORTS_URL"])
        with engine.connect() as conn:
            return {"rows": conn.execute(text("SELECT 1")).scalar()}
    ```

    Use instead:
    ```python
    import functools

    from flask import Flask, current_app
    from sqlalchemy import create_engine, text

    app = Flask(__name__)

    @functools.cache
    def _engine_for(url):
        return create_engine(url)

    @app.get("/report")
    def report():
        engine = _engine_for(current_app.config["REPORTS_URL"])
        with engine.connect() as conn:
            return {"rows": conn.execute(text("SELECT 1")).scalar()}
    ```

    Module-level engines, app factories (`create_app`), worker initialisers (Celery
    `worker_process_init`, gunicorn `post_fork`), FastAPI lifespans, `functools.cache`d
    factories, `if __name__ == "__main__":` blocks, management commands, scripts and tests
    are never flagged. A `sessionmaker(...)` per call is cheap and is not flagged; a
    `sessionmaker(bind=create_engine(...))` is, for its engine.

    ## Fix safety
    Unsafe. The fix moves the construction into a module-level `functools.cache`d factory
    keyed by the arguments that change per call, so each process builds one engine per URL
    on first use (after a fork, never before it). Code that disposed of the engine after use
    or relied on a fresh pool per call behaves differently; `async` engines and engines
    used as context managers get no automatic fix.

    ## References
    - [SQLAlchemy: engine and connection use](https://docs.sqlalchemy.org/en/20/core/connections.html#basic-usage)
    - [SQLAlchemy: using connection pools with multiprocessing](https://docs.sqlalchemy.org/en/20/core/pooling.html#using-connection-pools-with-multiprocessing-or-os-fork)
    """

    code = "DBK301"
    message = "{what} built by `{call}` in `{function}`{why}: {advice}"
    fix_title = "Build it once per process in a cached module-level factory"
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.WARNING
    scope = "project"
    valid = [
        "from sqlalchemy import create_engine\n\nengine = create_engine('sqlite://')\n",
        _FLASK + "def create_app():\n    app.engine = create_engine('sqlite://')\n    return app\n",
        _FLASK + "@app.get('/')\ndef index():\n    return str(app.engine.url)\n\n\n"
        "def rebuild(url):\n    return create_engine(url)\n",
        Valid("import functools\n" + _FLASK + "@functools.cache\ndef engine_for(url):\n    return create_engine(url)\n\n\n"
              "@app.get('/')\ndef index():\n    return str(engine_for(current_app.config['URL']).url)\n"),
        "from sqlalchemy import create_engine\n\nif __name__ == '__main__':\n    create_engine('sqlite://').dispose()\n",
    ]
    invalid = [
        Invalid(_FLASK + _REPORT.format("create_engine(current_app.config['URL'])"),
                line=9, message="on every request to `GET /r`",
                fixed=_FLASK.replace("text\n", "text\nimport functools\n") + _FACTORY.format("_engine_for(url)", "create_engine(url)")
                + _REPORT.format("_engine_for(current_app.config['URL'])")),
        Invalid("import sqlalchemy as sa\n\n\ndef copy_all(urls):\n    for url in urls:\n"
                "        sa.create_engine(url, pool_pre_ping=True).connect().close()\n",
                line=6, message="in a loop",
                fixed="import sqlalchemy as sa\nimport functools\n\n\n"
                + _FACTORY.format("_engine_for(url)", "sa.create_engine(url, pool_pre_ping=True)")
                + "def copy_all(urls):\n    for url in urls:\n        _engine_for(url).connect().close()\n"),
        Invalid(_FLASK + "@app.get('/r')\ndef report():\n    engine = create_engine('sqlite://')\n"
                "    try:\n        return str(engine.url)\n    finally:\n        engine.dispose()\n",
                line=9, message="stop closing it"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from built_per_call(self, facts, project, "engine")
