from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ArgFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Severity
from deblock.pooling_knowledge import pool_settings
from deblock.rules._base import Rule

_PG = '"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"'


class DjangoPersistentConnectionsOff(Rule):
    """
    ## What it does
    Flags a Django settings module whose `DATABASES` entries for a networked database
    (PostgreSQL, MySQL, Oracle) neither keep connections open between requests
    (`CONN_MAX_AGE`) nor use a pool (`"OPTIONS": {"pool": True}`, Django 5.1+ with psycopg 3).

    ## Why is this bad?
    By default Django opens a database connection at the start of each request and closes it
    at the end: every request pays a TCP (and often TLS) handshake and authentication, which
    on PostgreSQL also forks a backend process.

    ## Example
    ```python
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
    ```

    Use instead:
    ```python
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "shop",
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
    ```

    This is advice (severity info): saleor turned `CONN_MAX_AGE` on and later off again.
    Under ASGI, Django's persistent connections are bound to async contexts and are neither
    reused nor closed (Django ticket #33497), so a project served only by ASGI
    (`ASGI_APPLICATION` set and no `WSGI_APPLICATION`) is advised a pool instead
    (PostgreSQL), and is not flagged at all for MySQL and Oracle, which have no pool option.
    SQLite is never flagged: opening a local file is cheap. A `DATABASES` built by a call
    (`dj_database_url.config(conn_max_age=...)`) or changed later in the module is not read.

    ## References
    - [Django: persistent connections](https://docs.djangoproject.com/en/stable/ref/databases/#persistent-connections)
    - [Django: connection pool (PostgreSQL)](https://docs.djangoproject.com/en/stable/ref/databases/#connection-pool)
    - [Django ticket #33497: persistent connections under ASGI](https://code.djangoproject.com/ticket/33497)
    """

    code = "DBK305"
    message = "`DATABASES[\"{alias}\"]` ({engine}) opens a new connection for every request: {advice}"
    severity = Severity.INFO
    valid = [
        "DATABASES = {" + _PG + ', "CONN_MAX_AGE": 60}}\n',
        "DATABASES = {" + _PG + ', "OPTIONS": {"pool": True}}}\n',
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}\n',
        ('ASGI_APPLICATION = "shop.asgi.application"\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "shop"}}\n'),
        "import dj_database_url\n\nDATABASES = {'default': dj_database_url.config()}\n",
    ]
    invalid = [
        "DATABASES = {" + _PG + "}}\n",
        'ASGI_APPLICATION = "shop.asgi.application"\n\nDATABASES = {\n    ' + _PG + "},\n}\n",
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        databases = next((a for a in facts.assigns if a.name == "DATABASES" and a.value.kind == "dict"), None)
        if databases is None or any(s.root == "DATABASES" for s in facts.stores):
            return
        names = {a.name for a in facts.assigns}
        asgi_only = "ASGI_APPLICATION" in names and "WSGI_APPLICATION" not in names
        for alias, entry in databases.value.keywords:
            fields = dict(entry.keywords) if entry.kind == "dict" else {}
            engine = fields.get("ENGINE")
            if engine is None or engine.kind != "literal" or engine.value not in pool_settings().network_backends:
                continue
            if "CONN_MAX_AGE" in fields or _pooled(fields.get("OPTIONS")):
                continue
            postgres = engine.value in pool_settings().postgres_backends
            if asgi_only and not postgres:
                continue  # no pool option, and persistent connections leak under ASGI
            yield self.finding(facts, databases.span, alias=alias, engine=str(engine.value).rpartition(".")[2],
                               advice=_advice(asgi_only, postgres))


def _pooled(options: ArgFact | None) -> bool:
    return options is not None and options.kind == "dict" and any(k == "pool" for k, _ in options.keywords)


def _advice(asgi_only: bool, postgres: bool) -> str:
    pool = '`"OPTIONS": {"pool": True}` (Django 5.1+, psycopg 3) or PgBouncer'
    if asgi_only:
        return f"the project is served by ASGI, where persistent connections leak (Django #33497): use {pool}"
    text = 'set `"CONN_MAX_AGE": 60` and `"CONN_HEALTH_CHECKS": True` (Django 4.1+)'
    caveat = "; if it is also served by ASGI, persistent connections leak there (Django #33497)"
    return text + (f", or {pool}" if postgres else "") + caveat
