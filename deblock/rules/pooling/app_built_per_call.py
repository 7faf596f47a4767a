from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Severity
from deblock.pooling_knowledge import app_constructors
from deblock.rules._base import Invalid, Rule
from deblock.rules.pooling._hot import hot_context

_FACTORY = ("# file: app/__init__.py\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\n\n"
            "db = SQLAlchemy()\n\n\ndef create_app():\n    app = Flask(__name__)\n    db.init_app(app)\n"
            "    return app\n")
_TASKS = "# file: app/tasks.py\nfrom celery import shared_task\n\nfrom app import create_app, db\n\n\n"


class AppBuiltPerCall(Rule):
    """
    ## What it does
    Flags a call to an app factory (a project function that builds a `Flask`, `Quart`,
    `FastAPI` or Starlette app and returns it, such as `create_app()`) made on every
    request, on every run of a Celery task, or in a loop.

    ## Why is this bad?
    An app factory wires up every extension: the ORM (and its engine and connection pool),
    caches, HTTP clients, blueprints, configuration. Calling it per task builds all of that
    each time, opens new database connections, and leaks the old pools until the garbage
    collector finds them. The classic case is a Celery task that does
    `with create_app().app_context():`.

    ## Example
    ```python
    from celery import shared_task
    from flask import Flask

    def create_app():
        return Flask(__name__)

    @shared_task
    def send_digest(user_id):
        with create_app().app_context():
            ...
    ```

    Use instead:
    ```python
    from celery import shared_task
    from flask import Flask

    def create_app():
        return Flask(__name__)

    flask_app = create_app()  # one app per worker process, built when the worker imports it

    @shared_task
    def send_digest(user_id):
        with flask_app.app_context():
            ...
    ```

    The exemptions of DBK301 apply: module level, `__main__`, worker initialisers, cached
    factories, commands, scripts and tests are never flagged. No automatic fix: where the
    app should be built (module level of the worker module, `worker_process_init`, a
    Celery `Task` base class holding it) is a project decision.

    ## References
    - [Flask: Celery background tasks](https://flask.palletsprojects.com/en/stable/patterns/celery/)
    - [Flask: application factories](https://flask.palletsprojects.com/en/stable/patterns/appfactories/)
    """

    code = "DBK307"
    message = ("`{call}()` builds a whole `{app}` app{why}: build it once per worker process "
               "(module level, or a `worker_process_init` handler) and reuse its app context")
    severity = Severity.WARNING
    scope = "project"
    valid = [
        _FACTORY + _TASKS.replace("# file: app/tasks.py", "# file: app/worker.py") + "flask_app = create_app()\n",
        _FACTORY + "# file: wsgi.py\nfrom app import create_app\n\napp = create_app()\n\n"
        "if __name__ == '__main__':\n    create_app().run()\n",
    ]
    invalid = [
        Invalid(_TASKS + "@shared_task\ndef send_digest(user_id):\n    with create_app().app_context():\n"
                "        db.session.execute('SELECT 1')\n" + _FACTORY,
                line=8, message="on every run of the Celery task"),
        Invalid(_TASKS.replace("from celery import shared_task\n\n", "") + "def rebuild_all(names):\n"
                "    for name in names:\n        create_app().config['NAME'] = name\n" + _FACTORY,
                line=6, message="in a loop"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        factories = project.memo("app-factory-names", lambda: frozenset(
            fn.name for fn in project.functions.values() if _built_app(project, fn) is not None))
        for call in project.calls_ending(facts, factories):
            target = project.callee(call.callee)
            app = _built_app(project, target) if target is not None else None
            if app is None:
                continue
            hot = hot_context(project, facts, call)
            if hot is None:
                continue
            finding = self.finding(facts, call.span, call=call.text, app=app, why=hot.why)
            yield replace(finding, severity=hot.severity)


def _built_app(project: Project, fn: FunctionFact) -> str | None:
    """The app class `fn` returns (`Flask`), when it is an app factory; else None."""
    returned = project.resolve(fn.returned) or fn.returned
    if returned in app_constructors():
        return returned.rpartition(".")[2]
    return None
