"""`deblock plan` and `deblock migrate --apply` on fixtures/projects/django_library, verified
by running it: a views -> services -> repositories -> ORM project shaped around classes
(an abstract base service whose methods call `self.repo`, typed only by the subclasses'
`__init__`; `super()` calls; an audit mixin; a class-level service on a class-based view;
a module-level service instance; a classmethod/staticmethod; a dict dispatch; a
`transaction.atomic` block; a `Model.save` override that must stay sync; a template tag).

The original answers ~14 requests through Django's sync `Client` (WSGI); the migrated
copy must answer exactly the same through `AsyncClient` (ASGI, async-safety guard on),
with `-W error::RuntimeWarning` and no "never awaited" warning.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "demo"))
from demo_harness import run_json_script
from test_plan import make_project

from deblock.migration.plan import BECOMES_ASYNC, Plan, build_plan

LIBRARY = HERE.parents[1] / "fixtures" / "projects" / "django_library"
RUNNER = HERE / "run_django_library.py"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.sqlite3", "*.db")

REPO, SERVICES, VIEWS = "lending.repositories.", "lending.services.", "lending.views."
BECOME_ASYNC = {
    *(REPO + f"{repo}Repository.{m}" for repo in ("Book", "Loan", "Member") for m in ("find", "count")),
    REPO + "BookRepository.tag_slugs", REPO + "LoanRepository.open_loans",
    SERVICES + "base.record", SERVICES + "base.AuditMixin.audit",
    SERVICES + "base.BaseService.describe", SERVICES + "base.BaseService.total",
    SERVICES + "catalog.CatalogService.describe",  # overrides BaseService.describe: one colour
    SERVICES + "loans.LoanService.lend", SERVICES + "loans.LoanService.recent",
    SERVICES + "loans.MemberService.change_email",
    VIEWS + "api_books", VIEWS + "stats", VIEWS + "book_detail",
    VIEWS + "LoanView.get", VIEWS + "LoanView.post", VIEWS + "MemberView.get", VIEWS + "MemberView.post",
}
STAY_SYNC = {
    "lending.models.Member.save", SERVICES + "base.BaseService.label", SERVICES + "base.BaseService.plural",
    SERVICES + "base.BaseService.render", SERVICES + "catalog.CatalogService.render",
    SERVICES + "loans.LoanService.render", SERVICES + "loans.MemberService.render", SERVICES + "base.audit_count",
    VIEWS + "JsonMixin.json_response", VIEWS + "TagListView.render_to_response", VIEWS + "export",
    VIEWS + "export_counts", VIEWS + "audit_badge", "lending.templatetags.lending_tags.lend_count",
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(make_project(LIBRARY))


def test_plan_recolours_exactly_the_chains_to_the_orm(plan: Plan) -> None:
    assert set(plan.becoming_async()) == BECOME_ASYNC
    assert not STAY_SYNC & set(plan.becoming_async())


def test_plan_orders_callees_first(plan: Plan) -> None:
    step = {fn.qualname: fn.step for fn in plan.functions}
    chains = [
        (REPO + "BookRepository.find", SERVICES + "base.BaseService.describe", SERVICES + "catalog.CatalogService.describe",
         VIEWS + "book_detail"),
        (REPO + "LoanRepository.count", SERVICES + "base.BaseService.total", VIEWS + "stats"),
        (SERVICES + "base.record", SERVICES + "base.AuditMixin.audit", SERVICES + "loans.LoanService.lend",
         VIEWS + "LoanView.post"),
        (REPO + "MemberRepository.find", SERVICES + "loans.MemberService.change_email", VIEWS + "MemberView.post"),
    ]
    for chain in chains:
        steps = [step[name] for name in chain]
        assert steps == sorted(steps), chain


def test_plan_bridges_and_blockers(plan: Plan) -> None:
    blockers = {(h.kind, h.function) for h in plan.blockers}
    assert blockers == {("sync-hook", "lending.models.Member.save")}
    bridges = {(b.kind, fn.qualname) for fn in plan.functions for b in fn.bridges}
    assert bridges == {
        ("async_to_sync", "lending.models.Member.save"),  # record() becomes async, save() stays sync
        ("sync_to_async", SERVICES + "loans.LoanService.lend"),  # the transaction.atomic block
        # `self.render(...)` may run CatalogService/LoanService.render, which read relations
        # (`book.author`) loaded by the repository's select_related, out of the plan's sight:
        # one bridge for the site, not one per override
        ("sync_to_async", SERVICES + "base.BaseService.describe"),
    }
    assert sum(1 for fn in plan.functions for b in fn.bridges) == 3
    assert {fn.qualname for fn in plan.functions if fn.status == BECOMES_ASYNC} == BECOME_ASYNC


def _sources(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}


def _requests(app_dir: Path, client: str) -> tuple[dict[str, object], str]:
    results = run_json_script(RUNNER, app_dir, client, python_flags=("-W", "error::RuntimeWarning"))
    return results, str(results.pop("<stderr>"))


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    copy = tmp_path_factory.mktemp("library") / "django_library"
    shutil.copytree(LIBRARY, copy, ignore=_IGNORE)
    proc = subprocess.run([sys.executable, "-m", "deblock", "migrate", "--apply", "--no-cache", str(copy)],
                          check=False, cwd=copy.parent, capture_output=True, text=True, timeout=300)
    return copy, proc


def test_migration_applies_parses_and_rechecks_clean(migrated: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    copy, proc = migrated
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Remaining on migrated paths: no DBK110/DBK111/DBK120 findings." in proc.stdout
    assert "Not rewritten" not in proc.stdout and "Kept sync by migrate" not in proc.stdout, proc.stdout
    for path, text in _sources(copy).items():
        ast.parse(text, filename=path)
    check = subprocess.run([sys.executable, "-m", "deblock", "check", "--select", "DBK110,DBK120", "--no-cache",
                            "--output-format", "json", str(copy)],
                           check=False, cwd=copy.parent, capture_output=True, text=True, timeout=300)
    assert json.loads(check.stdout) == [], check.stdout
    migrated_async = {name for name in BECOME_ASYNC if f"async def {name.rpartition('.')[2]}(" in "".join(
        _sources(copy).values())}
    assert migrated_async == BECOME_ASYNC
    again = subprocess.run([sys.executable, "-m", "deblock", "migrate", "--no-cache", str(copy)],
                           check=False, cwd=copy.parent, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stdout == "", again.stdout + again.stderr


def test_migrated_project_answers_like_the_original(migrated: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    copy, proc = migrated
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reference, _ = _requests(LIBRARY, "wsgi")
    assert not any(result.get("error") for result in reference.values()), reference
    answers, stderr = _requests(copy, "asgi")
    assert "never awaited" not in stderr, stderr
    assert {name: r for name, r in answers.items() if r.get("error")} == {}
    assert {name: (reference[name], answers[name]) for name in reference if answers[name] != reference[name]} == {}
    assert len(answers) == len(reference) >= 10
