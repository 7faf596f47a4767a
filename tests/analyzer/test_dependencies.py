"""The Django version read from a project's dependency files."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblock.analyzer.dependencies import django_version, version_from_specifier
from deblock.analyzer.project import Project
from deblock.config import Settings


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(">=4.2,<5", (4, 2)), ("==4.1.7", (4, 1, 7)), ("~=5.0", (5, 0)), ("^4.2", (4, 2)), ("4.2", (4, 2)),
     ("<5", None), ("*", None), ("", None)],
)
def test_version_from_specifier(spec: str, expected: tuple[int, ...] | None) -> None:
    assert version_from_specifier(spec) == expected


def test_requirements_txt(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# deps\ndjango-environ==0.11\ndjangorestframework>=3.15\nDjango[argon2]>=4.2,<5.0 ; python_version>'3.8'\n"
    )
    assert django_version(tmp_path) == (4, 2)


def test_requirements_folder_and_unpinned(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("Django\n")
    assert django_version(tmp_path) is None
    (tmp_path / "requirements" / "prod.txt").write_text("django==5.1.3\n")
    assert django_version(tmp_path) == (5, 1, 3)


def test_pyproject_project_and_poetry(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["httpx", "Django>=5.0"]\n')
    assert django_version(tmp_path) == (5, 0)
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\npython = "^3.11"\nDjango = "^4.2"\n')
    assert django_version(tmp_path) == (4, 2)
    (tmp_path / "pyproject.toml").write_text('[tool.poetry.dependencies]\ndjango = { version = "~4.1", extras = [] }\n')
    assert django_version(tmp_path) == (4, 1)


def test_lock_file_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\ndependencies = ["Django>=4.2"]\n')
    (tmp_path / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "django"\nversion = "5.2.8"\n')
    assert django_version(tmp_path) == (5, 2, 8)


def test_nothing_and_broken_files(tmp_path: Path) -> None:
    assert django_version(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[project\n")
    (tmp_path / "poetry.lock").write_text("not toml = = \n")
    assert django_version(tmp_path) is None


def test_project_prefers_target_django(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django==4.2.1\n")
    assert Project([], Settings(root=tmp_path)).django_version == (4, 2, 1)
    assert Project([], Settings(root=tmp_path, target_django=(5, 1))).django_version == (5, 1)


def test_dependency_files_lists_what_is_read(tmp_path: Path) -> None:
    from deblock.analyzer.dependencies import dependency_files

    (tmp_path / "requirements-dev.txt").write_text("Django==5.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    assert [p.name for p in dependency_files(tmp_path)] == ["pyproject.toml", "requirements-dev.txt"]


def test_direct_dependencies(tmp_path: Path) -> None:
    from deblock.analyzer.dependencies import direct_dependencies

    (tmp_path / "requirements.txt").write_text("# deps\n-r base.txt\naiofiles>=23 ; python_version>'3.8'\nDjango_Extensions\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\ndependencies = ["anyio[trio]>=4"]\n[project.optional-dependencies]\ndev = ["pytest"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "*"\n'
    )
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "sniffio"\nversion = "1.3"\n')
    assert direct_dependencies(tmp_path) == {"aiofiles", "django-extensions", "anyio", "pytest", "python", "httpx"}
    assert direct_dependencies(tmp_path / "missing") == frozenset()


def test_file_io_fix_follows_the_dependency_files(tmp_path: Path) -> None:
    from deblock.engine import check

    (tmp_path / "app.py").write_text("async def load(path):\n    with open(path) as f:\n        return f.read()\n")
    settings = Settings().replace(root=tmp_path, select=("DBK104",), cache_dir=None)
    fixes = {f.fix.codemod for f in check([tmp_path], settings, use_cache=False).findings if f.fix}
    assert fixes == {"offload_to_thread"}
    (tmp_path / "requirements.txt").write_text("aiofiles\n")
    opened = [f.fix for f in check([tmp_path], settings, use_cache=False).findings if f.fix and f.span.line == 2]
    assert [(fix.codemod, fix.arg("library")) for fix in opened] == [("open_to_async_file", "aiofiles")]
