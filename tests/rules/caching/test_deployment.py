"""Worker evidence from deployment files (deblock/analyzer/deployment.py), read for DBK406."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblock.analyzer.deployment import (
    deployment_files,
    several_workers,
    worker_evidence,
)
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings


def _project(root: Path, files: dict[str, str]) -> Project:
    facts = []
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if relative.endswith(".py"):
            module = relative[:-3].replace("/", ".")
            facts.append(extract(text.encode(), relative, module, False))
    return Project(facts, Settings(root=root))


@pytest.mark.parametrize(("name", "text", "count", "shown"), [
    ("Procfile", 'web: gunicorn "app:create()" --workers 4 --threads 2\n', 4, "--workers 4"),
    ("Procfile", "web: gunicorn app:app -w 3\n", 3, "-w 3"),
    ("Dockerfile", 'FROM python\nCMD ["gunicorn", "-w", "4", "app:app"]\n', 4, '-w", "4'),
    ("Dockerfile", "ENV WEB_CONCURRENCY=3\n", 3, "WEB_CONCURRENCY=3"),
    ("docker-compose.yml", "services:\n  web:\n    deploy:\n      replicas: 2\n", 2, "replicas: 2"),
    ("start.sh", "exec uvicorn app:app --workers=$WEB_CONCURRENCY\n", None, "--workers=$WEB_CONCURRENCY"),
])
def test_text_files_give_evidence(tmp_path: Path, name: str, text: str, count: int | None, shown: str) -> None:
    project = _project(tmp_path, {name: text, "app.py": "x = 1\n"})
    (evidence,) = worker_evidence(project)
    assert (evidence.path, evidence.count, evidence.text) == (name, count, shown)
    assert several_workers(project, "app.py") == evidence


def test_one_worker_and_comments_are_not_several(tmp_path: Path) -> None:
    project = _project(tmp_path, {"Procfile": "# web: gunicorn app:app -w 8\nweb: gunicorn app:app -w 1\n",
                                  "app.py": "x = 1\n"})
    assert [e.count for e in worker_evidence(project)] == [1]
    assert several_workers(project, "app.py") is None


def test_gunicorn_conf_and_uvicorn_run_come_from_facts(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        "web/gunicorn.conf.py": "import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n",
        "web/app.py": "x = 1\n",
        "api/main.py": "import uvicorn\nuvicorn.run('api.main:app', workers=2)\n",
    })
    found = {(e.path, e.line, e.count, e.scope) for e in worker_evidence(project)}
    assert found == {("web/gunicorn.conf.py", 2, None, "web"), ("api/main.py", 2, 2, "api")}


def test_evidence_covers_its_own_folder_and_manifests_their_parent(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        "blog/Procfile": "web: gunicorn blog:app --workers 4\n",
        "blog/app.py": "x = 1\n",
        "shop/k8s/deployment.yaml": "spec:\n  replicas: 3\n",
        "shop/views.py": "x = 1\n",
        "other/views.py": "x = 1\n",
    })
    assert sorted(deployment_files(project)) == [("blog/Procfile", "blog"), ("shop/k8s/deployment.yaml", "shop")]
    assert several_workers(project, "blog/app.py").path == "blog/Procfile"
    assert several_workers(project, "shop/views.py").text == "replicas: 3"
    assert several_workers(project, "other/views.py") is None


def test_in_memory_modules_read_no_files(tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text("web: gunicorn app:app -w 4\n", encoding="utf-8")
    facts = [extract(b"x = 1\n", "pkg/example.py", "pkg.example", False)]  # not on disk
    assert worker_evidence(Project(facts, Settings(root=tmp_path))) == ()
