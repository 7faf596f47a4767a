from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Severity
from deblock.pooling_knowledge import last_names, pool_settings
from deblock.rules._base import Rule
from deblock.rules._context import is_low_priority_path
from deblock.rules.pooling._built import written

_WEB_ENTRIES = frozenset({"route", "view", "viewset", "admin"})
_APP = "from fastapi import FastAPI\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.pool import NullPool\n\n"
_ROUTE = "\napp = FastAPI()\n\n\n@app.get('/')\ndef index():\n    return {}\n"


class PoolDisabledInWebApp(Rule):
    """
    ## What it does
    Flags a SQLAlchemy engine created with `poolclass=NullPool` in a project that serves
    HTTP requests (it has routes or views).

    ## Why is this bad?
    `NullPool` closes each connection when it is returned: every session or `connect()` opens
    a new database connection, with its TCP and TLS handshake and authentication, on every
    request. The default `QueuePool` keeps a few connections open for reuse.

    ## Example
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine("postgresql+psycopg://db/shop", poolclass=NullPool)
    app = FastAPI()

    @app.get("/")
    def index():
        return {}
    ```

    Use instead:
    ```python
    from fastapi import FastAPI
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://db/shop", pool_pre_ping=True)
    app = FastAPI()

    @app.get("/")
    def index():
        return {}
    ```

    This is advice (severity info). `NullPool` is deliberate behind an external pooler
    (PgBouncer in transaction mode), in code that forks (redash disabled its pool for fork
    safety), and for SQLite files: suppress the finding there with `# noqa: DBK306`. SQLite
    URLs written as literals are not flagged. `pool_size=0` is not flagged: it means "no
    limit", not "no pool".

    ## References
    - [SQLAlchemy: connection pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    - [SQLAlchemy: switching pool implementations](https://docs.sqlalchemy.org/en/20/core/pooling.html#switching-pool-implementations)
    """

    code = "DBK306"
    message = ("`{call}` disables connection pooling (`poolclass=NullPool`) in a web app: every checkout "
               "opens a new database connection; keep the default pool (with `pool_pre_ping=True`) unless "
               "an external pooler such as PgBouncer sits in front, where `NullPool` is deliberate")
    severity = Severity.INFO
    scope = "project"
    valid = [
        _APP + "engine = create_engine('postgresql://db/shop')\n" + _ROUTE,
        _APP + "engine = create_engine('postgresql://db/shop', poolclass=NullPool)\n",
        _APP + "engine = create_engine('sqlite:///app.db', poolclass=NullPool)\n" + _ROUTE,
    ]
    invalid = [
        _APP + "engine = create_engine('postgresql://db/shop', poolclass=NullPool)\n" + _ROUTE,
        "import os\n\nimport sqlalchemy\n" + _APP.replace("from sqlalchemy import create_engine\n", "")
        + "engine = sqlalchemy.create_engine(os.environ['DB'], poolclass=NullPool)\n" + _ROUTE,
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        known = pool_settings()
        if is_low_priority_path(facts.path) or not any(e.kind in _WEB_ENTRIES for e in project.entry_points.values()):
            return
        for call in project.calls_ending(facts, last_names(known.engine_functions)):
            if (project.resolve(call.callee) or call.callee) not in known.engine_functions:
                continue
            pool = dict(call.keywords).get("poolclass")
            if pool is None or pool.kind != "ref" or (project.resolve(str(pool.value)) or pool.value) not in known.no_pool:
                continue
            url = call.args[0] if call.args else None
            if url is not None and url.kind == "literal" and str(url.value).startswith("sqlite"):
                continue
            yield self.finding(facts, call.span, call=written(call))
