"""Which files are analysed (gitignore, excludes, explicit paths) and their module names."""

from __future__ import annotations

from pathlib import Path

import pytest

from deblock.analyzer.discovery import discover, module_name
from deblock.config import ConfigError, Settings


def make_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(paths: list[Path], settings: Settings) -> list[str]:
    return [f.relpath for f in discover(paths, settings)]


# ---------------------------------------------------------------------- gitignore
def test_root_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "generated/\n*_pb2.py\n/local_only.py\n",
        "app.py": "",
        "local_only.py": "",
        "generated/models.py": "",
        "api/service_pb2.py": "",
        "api/service.py": "",
        "api/local_only.py": "",  # `/local_only.py` is anchored to the root
    })
    assert found([tmp_path], Settings(root=tmp_path)) == ["api/local_only.py", "api/service.py", "app.py"]


def test_gitignore_negation(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "gen/*\n!gen/keep.py\n",
        "gen/out.py": "",
        "gen/keep.py": "",
    })
    assert found([tmp_path], Settings(root=tmp_path)) == ["gen/keep.py"]


def test_nested_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "*.tmp.py\n",
        "pkg/.gitignore": "scratch.py\n!keep.tmp.py\n",
        "pkg/scratch.py": "",
        "pkg/module.py": "",
        "pkg/x.tmp.py": "",
        "pkg/keep.tmp.py": "",
        "scratch.py": "",  # the nested file's pattern does not apply above it
        "other/scratch.py": "",
    })
    assert found([tmp_path], Settings(root=tmp_path)) == [
        "other/scratch.py", "pkg/keep.tmp.py", "pkg/module.py", "scratch.py",
    ]


def test_gitignore_above_the_given_directory(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "sub/ignored.py\n",
        "sub/ignored.py": "",
        "sub/kept.py": "",
    })
    assert found([tmp_path / "sub"], Settings(root=tmp_path)) == ["sub/kept.py"]


def test_gitignore_outside_the_repository_is_not_used(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "*.py\n",  # belongs to an enclosing checkout, not to `repo`
        "repo/.git/HEAD": "",
        "repo/app.py": "",
    })
    repo = tmp_path / "repo"
    assert found([repo], Settings(root=repo)) == ["app.py"]


def test_no_respect_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path, {
        ".gitignore": "gen/\n",
        "pkg/.gitignore": "*.py\n",
        "gen/out.py": "",
        "pkg/a.py": "",
        "app.py": "",
    })
    settings = Settings(root=tmp_path, respect_gitignore=False)
    assert found([tmp_path], settings) == ["app.py", "gen/out.py", "pkg/a.py"]
    assert found([tmp_path], Settings(root=tmp_path)) == ["app.py"]


# ---------------------------------------------------------------------- excludes
@pytest.mark.parametrize(
    "folder",
    [".venv", "venv", "node_modules", "__pycache__", ".git", "build", "dist", ".tox", "site-packages",
     "mypkg.egg-info", ".deblock_cache"],
)
def test_default_excludes(tmp_path: Path, folder: str) -> None:
    make_tree(tmp_path, {f"{folder}/lib.py": "", f"src/{folder}/deep.py": "", "app.py": ""})
    assert found([tmp_path], Settings(root=tmp_path)) == ["app.py"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param("fixtures", ["app.py", "src/pkg/models.py", "src/pkg/views.py"], id="bare-name-any-depth"),
        pytest.param("fix*", ["app.py", "src/pkg/models.py", "src/pkg/views.py"], id="glob-name"),
        pytest.param("views.py", ["app.py", "fixtures/demo.py", "src/fixtures/data.py", "src/pkg/models.py"],
                     id="file-name"),
        pytest.param("src/fixtures", ["app.py", "fixtures/demo.py", "src/pkg/models.py", "src/pkg/views.py"],
                     id="rooted-path"),
        pytest.param("src/fixtures/", ["app.py", "fixtures/demo.py", "src/pkg/models.py", "src/pkg/views.py"],
                     id="rooted-path-trailing-slash"),
        pytest.param("src/*/views.py", ["app.py", "fixtures/demo.py", "src/fixtures/data.py", "src/pkg/models.py"],
                     id="rooted-glob"),
        pytest.param("*.py", [], id="everything"),
    ],
)
def test_extend_exclude(tmp_path: Path, pattern: str, expected: list[str]) -> None:
    make_tree(tmp_path, {
        "app.py": "",
        "fixtures/demo.py": "",
        "src/fixtures/data.py": "",
        "src/pkg/models.py": "",
        "src/pkg/views.py": "",
    })
    assert found([tmp_path], Settings(root=tmp_path, extend_exclude=(pattern,))) == expected


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    make_tree(tmp_path, {"venv/lib.py": "", "generated/x.py": "", "app.py": ""})
    assert found([tmp_path], Settings(root=tmp_path, exclude=("generated",))) == ["app.py", "venv/lib.py"]


def test_excluded_name_does_not_hide_an_explicit_directory(tmp_path: Path) -> None:
    make_tree(tmp_path, {"fixtures/demo/app.py": "", "fixtures/demo/pkg/__init__.py": "", "fixtures/other.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=("fixtures",))
    assert found([tmp_path], settings) == []
    assert found([tmp_path / "fixtures" / "demo"], settings) == ["fixtures/demo/app.py", "fixtures/demo/pkg/__init__.py"]
    assert found([tmp_path / "fixtures"], settings) == [
        "fixtures/demo/app.py", "fixtures/demo/pkg/__init__.py", "fixtures/other.py",
    ]


def test_excludes_still_apply_inside_an_explicit_directory(tmp_path: Path) -> None:
    make_tree(tmp_path, {"fixtures/demo/app.py": "", "fixtures/demo/.venv/lib.py": "", "fixtures/demo/gen/x.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=("fixtures", "gen"))
    assert found([tmp_path / "fixtures" / "demo"], settings) == ["fixtures/demo/app.py"]


def test_explicit_file_is_analysed_even_if_excluded(tmp_path: Path) -> None:
    make_tree(tmp_path, {"fixtures/demo.py": "", ".gitignore": "ignored.py\n", "ignored.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=("fixtures",))
    assert found([tmp_path / "fixtures" / "demo.py"], settings) == ["fixtures/demo.py"]
    assert found([tmp_path / "ignored.py"], settings) == ["ignored.py"]


def test_force_exclude_applies_to_explicit_files(tmp_path: Path) -> None:
    make_tree(tmp_path, {"fixtures/demo.py": "", "app.py": "", "src/gen/x.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=("fixtures", "src/gen"), force_exclude=True)
    paths = [tmp_path / "fixtures" / "demo.py", tmp_path / "app.py", tmp_path / "src" / "gen" / "x.py"]
    assert found(paths, settings) == ["app.py"]


def test_force_exclude_applies_to_explicit_directories(tmp_path: Path) -> None:
    make_tree(tmp_path, {"fixtures/demo/app.py": "", "app.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=("fixtures",), force_exclude=True)
    assert found([tmp_path / "fixtures" / "demo"], settings) == []
    assert found([tmp_path / "fixtures" / "demo"], settings.replace(force_exclude=False)) == ["fixtures/demo/app.py"]


# ---------------------------------------------------------------------- paths
def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no_such_dir"):
        discover([tmp_path / "no_such_dir"], Settings(root=tmp_path))


def test_python_suffixes_only(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.py": "", "b.pyi": "", "c.txt": "", "d.pyc": "", "e.py.bak": "", "README.md": ""})
    assert found([tmp_path], Settings(root=tmp_path)) == ["a.py", "b.pyi"]


def test_duplicates_are_merged_and_sorted(tmp_path: Path) -> None:
    make_tree(tmp_path, {"b.py": "", "a.py": "", "pkg/c.py": ""})
    paths = [tmp_path / "pkg", tmp_path, tmp_path / "a.py", tmp_path / "pkg" / "c.py"]
    assert found(paths, Settings(root=tmp_path)) == ["a.py", "b.py", "pkg/c.py"]


def test_relative_paths_resolve_against_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(tmp_path, {"pkg/a.py": ""})
    monkeypatch.chdir(tmp_path)
    files = discover([Path("pkg")], Settings(root=tmp_path))
    assert [f.relpath for f in files] == ["pkg/a.py"]
    assert files[0].path == tmp_path.resolve() / "pkg" / "a.py"
    assert files[0].path.is_absolute()


def test_file_outside_root_keeps_an_absolute_path(tmp_path: Path) -> None:
    make_tree(tmp_path, {"project/a.py": "", "elsewhere/b.py": ""})
    (file,) = discover([tmp_path / "elsewhere" / "b.py"], Settings(root=tmp_path / "project"))
    assert file.relpath == (tmp_path / "elsewhere" / "b.py").resolve().as_posix()


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    make_tree(tmp_path, {"real/a.py": ""})
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert found([tmp_path], Settings(root=tmp_path)) == ["real/a.py"]


# ---------------------------------------------------------------------- module names
@pytest.mark.parametrize(
    ("relative", "module", "is_package"),
    [
        pytest.param("script.py", "script", False, id="top-level-script"),
        pytest.param("src/shop/__init__.py", "shop", True, id="src-layout-package"),
        pytest.param("src/shop/models.py", "shop.models", False, id="src-layout-module"),
        pytest.param("src/shop/api/v1/views.py", "shop.api.v1.views", False, id="nested-packages"),
        pytest.param("src/shop/api/v1/__init__.py", "shop.api.v1", True, id="nested-package-init"),
        pytest.param("src/shop/stubs.pyi", "shop.stubs", False, id="stub"),
        pytest.param("tools/run.py", "run", False, id="folder-without-init"),
        # A folder without `__init__.py` inside a package is a namespace portion of it:
        # Python imports `shop.nopkg.loose` (open-webui lays out `open_webui/models/` so).
        pytest.param("src/shop/nopkg/loose.py", "shop.nopkg.loose", False, id="namespace-folder-in-package"),
        pytest.param("src/shop/nopkg/deeper/more.py", "shop.nopkg.deeper.more", False, id="nested-namespace-folders"),
        pytest.param("typed/__init__.pyi", "typed", True, id="stub-package"),
        pytest.param("typed/mod.pyi", "typed.mod", False, id="module-in-stub-package"),
    ],
)
def test_module_names(tmp_path: Path, relative: str, module: str, is_package: bool) -> None:
    make_tree(tmp_path, {
        "script.py": "",
        "src/shop/__init__.py": "",
        "src/shop/models.py": "",
        "src/shop/stubs.pyi": "",
        "src/shop/api/__init__.py": "",
        "src/shop/api/v1/__init__.py": "",
        "src/shop/api/v1/views.py": "",
        "src/shop/nopkg/loose.py": "",
        "src/shop/nopkg/deeper/more.py": "",
        "tools/run.py": "",
        "typed/__init__.pyi": "",
        "typed/mod.pyi": "",
    })
    assert module_name(tmp_path / relative) == (module, is_package)
    by_path = {f.relpath: (f.module, f.is_package) for f in discover([tmp_path], Settings(root=tmp_path))}
    assert by_path[relative] == (module, is_package)


def test_source_file_fields(tmp_path: Path) -> None:
    make_tree(tmp_path, {"src/shop/__init__.py": "", "src/shop/db.py": ""})
    files = discover([tmp_path], Settings(root=tmp_path))
    db = next(f for f in files if f.relpath == "src/shop/db.py")
    assert db.path == (tmp_path / "src" / "shop" / "db.py").resolve()
    assert (db.module, db.is_package) == ("shop.db", False)


def test_force_exclude_never_excludes_the_root_itself(tmp_path: Path) -> None:
    make_tree(tmp_path, {"app.py": "", ".hidden/x.py": ""})
    settings = Settings(root=tmp_path, extend_exclude=(".*",), force_exclude=True)
    assert found([tmp_path], settings) == ["app.py"]
