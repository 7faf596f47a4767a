"""Calls only the enclosing class explains: `super().m()`, a class-level service instance,
and `self.repo.m()` in a base class whose `repo` each subclass sets in `__init__`.
Without these edges a method reached only through inheritance is missing from the call
graph, and `deblock migrate` left it un-awaited (a coroutine never awaited)."""

from __future__ import annotations

from test_project import call_in, project_of

from deblock.analyzer.project import Project

FILES = {
    "app/repos.py": """
        import time

        class BookRepo:
            def find(self, pk):
                time.sleep(1)

        class MemberRepo:
            def find(self, pk):
                time.sleep(1)

        class NullRepo:
            def find(self, pk):
                return None
    """,
    "app/base.py": """
        class BaseService:
            def describe(self, pk):
                return self.repo.find(pk)

            def run(self):
                return self.hook()

            def helper(self):
                return 1

        class FactoryService:
            repository_class = None

            def __init__(self):
                self.repo = self.repository_class()

            def describe(self, pk):
                return self.repo.find(pk)
    """,
    "app/services.py": """
        from app.base import BaseService, FactoryService
        from app.repos import BookRepo, MemberRepo, NullRepo

        class BookService(BaseService):
            def __init__(self):
                self.repo = BookRepo()

            def describe(self, pk):
                return super().describe(pk)

            def hook(self):
                return self.helper()

        class MemberService(BaseService):
            def __init__(self):
                self.repo = MemberRepo()

        class NullFactoryService(FactoryService):
            repository_class = NullRepo
    """,
    "app/views.py": """
        from app.services import MemberService

        class MemberView:
            members = MemberService()

            def get(self, pk):
                return self.members.describe(pk)

            def plain(self):
                return self.unknown.describe(1)
    """,
}


def targets(project: Project, function: str, text: str) -> list[str]:
    return [fn.qualname for fn in project.call_targets(call_in(project, function, text))]


def test_super_call_runs_the_next_method_in_the_mro() -> None:
    project = project_of(FILES)
    assert targets(project, "app.services.BookService.describe", "super().describe") == ["app.base.BaseService.describe"]


def test_self_attribute_typed_only_by_subclasses_dispatches_to_each_of_them() -> None:
    project = project_of(FILES)
    assert targets(project, "app.base.BaseService.describe", "self.repo.find") == [
        "app.repos.BookRepo.find", "app.repos.MemberRepo.find"]
    # a method only subclasses define (a template-method hook)
    assert targets(project, "app.base.BaseService.run", "self.hook") == ["app.services.BookService.hook"]
    # the base builds it from a class attribute each subclass sets
    assert targets(project, "app.base.FactoryService.describe", "self.repo.find") == ["app.repos.NullRepo.find"]


def test_class_level_instance_attribute() -> None:
    project = project_of(FILES)
    assert targets(project, "app.views.MemberView.get", "self.members.describe") == ["app.base.BaseService.describe"]
    assert targets(project, "app.views.MemberView.plain", "self.unknown.describe") == []


def test_call_graph_follows_inherited_calls_and_groups_dispatch_siblings() -> None:
    project = project_of(FILES)
    graph = project.callgraph
    assert "app.base.BaseService.describe" in graph.callees("app.services.BookService.describe")
    assert set(graph.callees("app.base.BaseService.describe")) == {"app.repos.BookRepo.find", "app.repos.MemberRepo.find"}
    assert graph.dispatch_siblings("app.repos.BookRepo.find") == ["app.repos.BookRepo.find", "app.repos.MemberRepo.find"]
    assert graph.dispatch_siblings("app.repos.NullRepo.find") == ["app.repos.NullRepo.find"]
    chain = graph.blocking_chain("app.views.MemberView.get")
    assert chain is not None
    assert chain.functions[:2] == ("app.views.MemberView.get", "app.base.BaseService.describe")


def test_attribute_built_by_a_class_level_factory_resolves_per_subclass() -> None:
    project = project_of(FILES)
    # `self.repo = self.repository_class()` in the base, `repository_class = NullRepo` in the subclass
    assert project.resolve("app.services.NullFactoryService.repo.find") == "app.repos.NullRepo.find"
    assert project.resolve("app.base.FactoryService.repo.find") == "app.base.FactoryService.repository_class().find"


def test_self_call_in_a_base_also_runs_the_subclass_overrides() -> None:
    project = project_of({
        "app/base.py": "class Base:\n    def go(self):\n        return self.step()\n\n    def step(self):\n        return 1\n",
        "app/sub.py": "from app.base import Base\n\nclass Sub(Base):\n    def step(self):\n        return 2\n\n"
                      "class Leaf(Sub):\n    pass\n\ndef use():\n    return Sub().step()\n",
    })
    assert targets(project, "app.base.Base.go", "self.step") == ["app.base.Base.step", "app.sub.Sub.step"]
    assert targets(project, "app.sub.use", "Sub().step") == ["app.sub.Sub.step"]  # no override below Sub
