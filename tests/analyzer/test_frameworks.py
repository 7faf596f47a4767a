"""Framework entry points found from facts of small multi-module projects."""

from __future__ import annotations

from textwrap import dedent

from deblock.analyzer.frameworks import (
    LOOP,
    SYNC,
    THREADPOOL,
    EntryPoint,
    find_entry_points,
)
from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.config import Settings

Row = tuple[str, str, str, str, "str | None", tuple[str, ...]]


def build(files: dict[str, str]) -> Project:
    facts = []
    for path, source in files.items():
        parts = path.removesuffix(".py").split("/")
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        facts.append(extract(dedent(source).encode(), path, module, is_package))
    return Project(facts, Settings())


def rows(project: Project, framework: str | None = None) -> set[Row]:
    return {
        (e.qualname, e.framework, e.kind, e.runs_on, e.url, e.methods)
        for e in find_entry_points(project)
        if framework is None or e.framework == framework
    }


def entry(project: Project, qualname: str) -> EntryPoint:
    return next(e for e in find_entry_points(project) if e.qualname == qualname)


# ---------------------------------------------------------------------- flask / quart
FLASK = {
    "blog/__init__.py": "",
    "blog/app.py": """
        import functools
        from flask import Flask
        from .views import ItemAPI, Report, plain

        app = Flask(__name__)

        @app.route("/", methods=["GET", "post"])
        def index():
            return "hi"

        @app.get("/about")
        async def about():
            return "about"

        @app.route("/default")
        def default():
            pass

        @app.before_request
        def load_user():
            pass

        @app.teardown_request
        def close_db(exc):
            pass

        @functools.lru_cache
        def cached():
            pass

        app.add_url_rule("/plain", "plain", plain)
        app.add_url_rule("/items", view_func=ItemAPI.as_view("items"), methods=["GET", "POST"])
        report_view = Report.as_view("report")
        app.add_url_rule("/report", view_func=report_view)

        ALLOWED = ["GET", "PUT"]

        @app.route("/dynamic", methods=ALLOWED)
        def dynamic():
            pass
    """,
    "blog/bp.py": """
        from flask import Blueprint
        bp = Blueprint("posts", __name__)
    """,
    "blog/routes.py": """
        from .bp import bp
        from .auth import login_required

        @bp.post("/posts")
        @login_required
        def create_post():
            pass

        @login_required
        def not_routed():
            pass
    """,
    "blog/views.py": """
        from flask.views import MethodView, View

        def plain():
            pass

        class ItemAPI(MethodView):
            def get(self):
                pass

            async def post(self):
                pass

            def helper(self):
                pass

        class Report(View):
            def dispatch_request(self):
                pass

        class Cache:
            def get(self, key):
                pass
    """,
    "blog/factory.py": """
        from flask import Flask
        from other_lib import Router

        class TracedFlask(Flask):
            pass

        def create_app():
            app = TracedFlask(__name__)

            @app.route("/factory")
            def inner():
                pass

            return app

        router = Router()

        @router.route("/not-flask")
        def elsewhere():
            pass
    """,
}


def test_flask_routes_views_and_hooks() -> None:
    assert rows(build(FLASK)) == {
        ("blog.app.index", "flask", "route", SYNC, "/", ("GET", "POST")),
        ("blog.app.about", "flask", "route", LOOP, "/about", ("GET",)),
        ("blog.app.default", "flask", "route", SYNC, "/default", ("GET",)),
        ("blog.app.dynamic", "flask", "route", SYNC, "/dynamic", ()),  # methods not known statically
        ("blog.app.load_user", "flask", "hook", SYNC, None, ()),
        ("blog.app.close_db", "flask", "hook", SYNC, None, ()),
        ("blog.views.plain", "flask", "route", SYNC, "/plain", ("GET",)),
        ("blog.views.ItemAPI.get", "flask", "view", SYNC, "/items", ("GET",)),
        ("blog.views.ItemAPI.post", "flask", "view", LOOP, "/items", ("POST",)),
        ("blog.views.Report.dispatch_request", "flask", "view", SYNC, "/report", ()),  # via a variable
        ("blog.routes.create_post", "flask", "route", SYNC, "/posts", ("POST",)),
        ("blog.factory.create_app.<locals>.inner", "flask", "route", SYNC, "/factory", ("GET",)),
    }


def test_flask_entry_points_point_at_their_declaration() -> None:
    project = build(FLASK)
    route = entry(project, "blog.routes.create_post")
    assert (route.path, route.span.line) == ("blog/routes.py", 5)
    view = entry(project, "blog.views.ItemAPI.get")
    assert (view.path, view.span.line) == ("blog/app.py", 33)


def test_flask_appbuilder_exposed_methods_are_routes() -> None:
    project = build({
        "app/api.py": """
            from flask_appbuilder import BaseView, expose
            from flask_appbuilder.api import BaseApi, expose as expose_api

            class ChartRestApi(BaseApi):
                @expose_api("/<pk>", methods=("GET", "PUT"))
                def get(self, pk):
                    pass

            class Dashboard(BaseView):
                @expose("/list/")
                def list(self):
                    pass

                def helper(self):
                    pass

            @expose("/not-a-method")
            def loose():
                pass
        """,
    })
    assert rows(project, "flask") == {
        ("app.api.ChartRestApi.get", "flask", "route", SYNC, "/<pk>", ("GET", "PUT")),
        ("app.api.Dashboard.list", "flask", "route", SYNC, "/list/", ("GET",)),
    }


def test_quart_runs_sync_views_in_an_executor() -> None:
    project = build({
        "chat/app.py": """
            from quart import Quart, Blueprint
            app = Quart(__name__)
            api = Blueprint("api", __name__)

            @app.route("/")
            async def index():
                pass

            @api.get("/sync")
            def sync_view():
                pass

            @app.websocket("/ws")
            async def ws():
                pass

            @app.before_serving
            async def startup():
                pass
        """,
    })
    assert rows(project) == {
        ("chat.app.index", "quart", "route", LOOP, "/", ("GET",)),
        ("chat.app.sync_view", "quart", "route", THREADPOOL, "/sync", ("GET",)),
        ("chat.app.ws", "quart", "route", LOOP, "/ws", ()),
        ("chat.app.startup", "quart", "hook", LOOP, None, ()),
    }


# ---------------------------------------------------------------------- fastapi / starlette
FASTAPI = {
    "api/__init__.py": "",
    "api/deps.py": """
        from fastapi import Depends, Header
        from fastapi.params import Security

        def get_db():
            yield "db"

        async def get_user(db=Depends(get_db), token: str = Header()):
            return db

        def verify_token(key=Security(get_key)):
            pass

        async def get_key():
            pass

        def audit():
            pass

        def unused_dep():
            pass

        class Pagination:
            def __init__(self, page: int = 1):
                self.page = page
    """,
    "api/routes.py": """
        from fastapi import APIRouter, Depends
        from . import deps
        from .deps import Pagination, get_user

        router = APIRouter(prefix="/items", dependencies=[Depends(deps.verify_token)])

        @router.get("/")
        async def list_items(user=Depends(get_user), page: Pagination = Depends()):
            pass

        @router.post("/", dependencies=[Depends(deps.audit)])
        def create_item():
            pass

        @router.api_route("/bulk", methods=["PUT", "PATCH"])
        async def bulk():
            pass

        @router.websocket("/ws")
        async def feed(ws):
            pass

        def helper():
            pass
    """,
    "api/main.py": """
        from contextlib import asynccontextmanager
        from fastapi import FastAPI
        from mylib import Inject, Router
        from .routes import router

        @asynccontextmanager
        async def lifespan(app):
            yield

        app = FastAPI(lifespan=lifespan)
        app.include_router(router)

        @app.on_event("startup")
        def warm_cache():
            pass

        @app.exception_handler(ValueError)
        def on_value_error(request, exc):
            pass

        @app.middleware("http")
        async def timing(request, call_next):
            return await call_next(request)

        async def health():
            pass

        app.add_api_route("/health", health)

        other = Router()

        @other.get("/other")
        def not_fastapi(dep=Inject(helper)):
            pass
    """,
}


def test_fastapi_routes_dependencies_and_hooks() -> None:
    assert rows(build(FASTAPI)) == {
        ("api.routes.list_items", "fastapi", "route", LOOP, "/", ("GET",)),
        ("api.routes.create_item", "fastapi", "route", THREADPOOL, "/", ("POST",)),
        ("api.routes.bulk", "fastapi", "route", LOOP, "/bulk", ("PUT", "PATCH")),
        ("api.routes.feed", "fastapi", "route", LOOP, "/ws", ()),
        ("api.main.health", "fastapi", "route", LOOP, "/health", ("GET",)),
        ("api.deps.get_user", "fastapi", "dependency", LOOP, None, ()),
        ("api.deps.get_db", "fastapi", "dependency", THREADPOOL, None, ()),  # dependency of a dependency
        ("api.deps.Pagination.__init__", "fastapi", "dependency", THREADPOOL, None, ()),  # `Depends()` + annotation
        ("api.deps.audit", "fastapi", "dependency", THREADPOOL, None, ()),
        ("api.deps.verify_token", "fastapi", "dependency", THREADPOOL, None, ()),  # router-level
        ("api.deps.get_key", "fastapi", "dependency", LOOP, None, ()),  # `Security(...)`
        ("api.main.lifespan", "fastapi", "hook", LOOP, None, ()),
        ("api.main.warm_cache", "fastapi", "hook", LOOP, None, ()),  # Starlette calls sync startup handlers on the loop
        ("api.main.on_value_error", "fastapi", "hook", THREADPOOL, None, ()),
        ("api.main.timing", "fastapi", "hook", LOOP, None, ()),
    }


def test_starlette_route_objects() -> None:
    project = build({
        "site/app.py": """
            from starlette.applications import Starlette
            from starlette.endpoints import HTTPEndpoint
            from starlette.routing import Route, WebSocketRoute

            async def homepage(request):
                pass

            def legacy(request):
                pass

            class Users(HTTPEndpoint):
                async def get(self, request):
                    pass

                def post(self, request):
                    pass

            async def ws_endpoint(websocket):
                pass

            routes = [
                Route("/", homepage),
                Route("/legacy", endpoint=legacy, methods=["POST"]),
                Route("/users", Users),
                WebSocketRoute("/ws", ws_endpoint),
            ]
            app = Starlette(routes=routes)
        """,
    })
    assert rows(project) == {
        ("site.app.homepage", "starlette", "route", LOOP, "/", ("GET",)),
        ("site.app.legacy", "starlette", "route", THREADPOOL, "/legacy", ("POST",)),
        ("site.app.Users.get", "starlette", "route", LOOP, "/users", ("GET",)),
        ("site.app.Users.post", "starlette", "route", THREADPOOL, "/users", ("POST",)),
        ("site.app.ws_endpoint", "starlette", "route", LOOP, "/ws", ()),
    }


# ---------------------------------------------------------------------- django / drf
DJANGO = {
    "shop/__init__.py": "",
    "shop/urls.py": """
        from django.conf.urls import url
        from django.urls import include, path, re_path
        from django.contrib.auth.decorators import login_required
        from rest_framework.routers import DefaultRouter
        from myrouting import path as other_path
        from . import views, api

        router = DefaultRouter()
        router.register("books", api.BookViewSet)

        urlpatterns = [
            path("", views.index),
            path("books/", views.BookList.as_view()),
            re_path(r"^home/$", login_required(views.Home.as_view())),
            path("search/", views.search),
            path("api/", include(router.urls)),
            path("api/stats/", api.StatsView.as_view()),
            path("api/ping/", api.ping),
        ]
        urlpatterns += [url(r"^old/$", views.old)]
        other_urls = [other_path("x/", views.not_a_view)]
    """,
    "shop/views.py": """
        from django.views import View
        from django.views.generic import ListView
        from django.views.decorators.http import require_http_methods

        def index(request):
            pass

        @require_http_methods(["GET", "POST"])
        async def search(request):
            pass

        def not_a_view(request):
            pass

        def old(request):
            pass

        class BookList(ListView):
            def get_queryset(self):
                pass

            def helper(self):
                pass

        class BaseView(View):
            def dispatch(self, request, *args, **kwargs):
                pass

        class Home(BaseView):
            async def get(self, request):
                pass

        class Cache:
            def get(self, key):
                pass
    """,
    "shop/api.py": """
        from rest_framework import viewsets
        from rest_framework.decorators import action, api_view
        from rest_framework.views import APIView
        from rest_framework.serializers import ModelSerializer

        class BookSerializer(ModelSerializer):
            def validate(self, data):
                pass

        class BookViewSet(viewsets.ModelViewSet):
            def get_queryset(self):
                pass

            def perform_create(self, serializer):
                pass

            def retrieve(self, request, pk=None):
                pass

            @action(detail=True, methods=["post"], url_path="publish-now")
            def publish(self, request, pk=None):
                pass

            @action(detail=False)
            def recent(self, request):
                pass

            def _helper(self):
                pass

        class AuthorViewSet(viewsets.ReadOnlyModelViewSet):
            queryset = Author.objects.all()
            serializer_class = AuthorSerializer

        class StatsView(APIView):
            def get(self, request):
                pass

        @api_view(["GET", "POST"])
        def ping(request):
            pass
    """,
    "shop/admin.py": """
        from django.contrib import admin
        from .models import Book

        @admin.register(Book)
        class BookAdmin(admin.ModelAdmin):
            list_display = ["title", "author_name"]

            def author_name(self, obj):
                return obj.author.name
    """,
    "shop/management/commands/rebuild.py": """
        from django.core.management.base import BaseCommand

        class Command(BaseCommand):
            def add_arguments(self, parser):
                pass

            def handle(self, *args, **options):
                pass
    """,
}


def test_django_urlconf_views_admin_and_commands() -> None:
    assert rows(build(DJANGO), "django") == {
        ("shop.views.index", "django", "view", THREADPOOL, "", ()),
        ("shop.views.search", "django", "view", LOOP, "search/", ("GET", "POST")),
        ("shop.views.old", "django", "view", THREADPOOL, "^old/$", ()),
        ("shop.views.BookList.get_queryset", "django", "view", THREADPOOL, "books/", ()),
        ("shop.views.Home.get", "django", "view", LOOP, "^home/$", ("GET",)),
        ("shop.views.BaseView.dispatch", "django", "view", THREADPOOL, "^home/$", ()),
        ("shop.admin.BookAdmin", "django", "admin", THREADPOOL, None, ()),
        ("shop.admin.BookAdmin.author_name", "django", "admin", THREADPOOL, None, ()),
        ("shop.management.commands.rebuild.Command.handle", "django", "command", SYNC, None, ()),
    }


def test_django_view_points_at_urlconf_entry() -> None:
    view = entry(build(DJANGO), "shop.views.index")
    assert (view.path, view.span.line) == ("shop/urls.py", 13)


def test_drf_viewsets_api_views_and_routers() -> None:
    assert rows(build(DJANGO), "drf") == {
        ("shop.api.BookViewSet", "drf", "viewset", THREADPOOL, "books/", ()),  # the class: `queryset` & co.
        ("shop.api.AuthorViewSet", "drf", "viewset", THREADPOOL, None, ()),  # unrouted, no methods
        ("shop.api.StatsView", "drf", "view", THREADPOOL, "api/stats/", ()),
        ("shop.api.BookViewSet.get_queryset", "drf", "viewset", THREADPOOL, None, ()),
        ("shop.api.BookViewSet.perform_create", "drf", "viewset", THREADPOOL, None, ()),
        ("shop.api.BookViewSet.retrieve", "drf", "viewset", THREADPOOL, "books/{pk}/", ("GET",)),
        ("shop.api.BookViewSet.publish", "drf", "viewset", THREADPOOL, "books/{pk}/publish-now/", ("POST",)),
        ("shop.api.BookViewSet.recent", "drf", "viewset", THREADPOOL, "books/recent/", ("GET",)),
        ("shop.api.StatsView.get", "drf", "view", THREADPOOL, "api/stats/", ("GET",)),
        ("shop.api.ping", "drf", "view", THREADPOOL, "api/ping/", ("GET", "POST")),
    }


def test_unrouted_django_class_views_are_still_found() -> None:
    project = build({
        "blog/views.py": """
            from django.contrib.auth.views import LoginView

            class MyLogin(LoginView):
                def form_valid(self, form):
                    pass
        """,
    })
    assert rows(project) == {("blog.views.MyLogin.form_valid", "django", "view", THREADPOOL, None, ())}


def test_channels_consumers() -> None:
    project = build({
        "chat/consumers.py": """
            from channels.generic.websocket import AsyncWebsocketConsumer, WebsocketConsumer

            class Room(AsyncWebsocketConsumer):
                async def connect(self):
                    pass

                async def receive(self, text_data=None, bytes_data=None):
                    pass

                def format(self, text):
                    pass

            class Legacy(WebsocketConsumer):
                def receive(self, text_data=None, bytes_data=None):
                    pass

                def _helper(self):
                    pass
        """,
    })
    assert rows(project) == {
        ("chat.consumers.Room.connect", "channels", "consumer", LOOP, None, ()),
        ("chat.consumers.Room.receive", "channels", "consumer", LOOP, None, ()),
        ("chat.consumers.Legacy.receive", "channels", "consumer", THREADPOOL, None, ()),
    }


# ---------------------------------------------------------------------- celery
def test_celery_tasks_and_signal_handlers() -> None:
    project = build({
        "proj/__init__.py": "",
        "proj/celery.py": """
            from celery import Celery
            app = Celery("proj")

            @app.task
            def add(x, y):
                return x + y

            @app.on_after_configure.connect
            def setup_periodic_tasks(sender, **kwargs):
                pass
        """,
        "proj/tasks.py": """
            import invoke
            from celery import Task, shared_task
            from celery.signals import worker_process_init, task_failure
            from .celery import app

            @app.task(bind=True, max_retries=3)
            def fetch(self, url):
                pass

            @shared_task
            def cleanup():
                pass

            @worker_process_init.connect
            def init_worker(**kwargs):
                pass

            def on_failure(**kwargs):
                pass

            task_failure.connect(on_failure)

            class BaseTask(Task):
                def on_failure(self, exc, task_id, args, kwargs, einfo):
                    pass

            @invoke.task
            def build(c):
                pass

            def helper():
                pass
        """,
    })
    assert rows(project) == {
        ("proj.celery.add", "celery", "task", SYNC, None, ()),
        ("proj.celery.setup_periodic_tasks", "celery", "hook", SYNC, None, ()),
        ("proj.tasks.fetch", "celery", "task", SYNC, None, ()),
        ("proj.tasks.cleanup", "celery", "task", SYNC, None, ()),
        ("proj.tasks.init_worker", "celery", "hook", SYNC, None, ()),
        ("proj.tasks.on_failure", "celery", "hook", SYNC, None, ()),
        ("proj.tasks.BaseTask.on_failure", "celery", "task", SYNC, None, ()),
    }


def test_project_index_exposes_entry_points_by_qualname() -> None:
    project = build(FLASK)
    assert project.entry_points["blog.app.index"].kind == "route"
    assert "blog.app.cached" not in project.entry_points


def test_fastapi_annotated_dependencies_inline_and_aliased() -> None:
    project = build({
        "svc/__init__.py": "",
        "svc/deps.py": """\
            from typing import Annotated

            from fastapi import Depends

            def get_db():
                return 1

            def get_user(db: Annotated[int, Depends(get_db)]):
                return db

            UserDep = Annotated[int, Depends(get_user)]
        """,
        "svc/main.py": """\
            from fastapi import FastAPI

            from svc.deps import UserDep

            app = FastAPI()

            @app.get("/me")
            async def me(user: UserDep):
                return user
        """,
    })
    assert {(q, k, r) for q, _, k, r, *_ in rows(project, "fastapi")} == {
        ("svc.main.me", "route", LOOP),
        ("svc.deps.get_user", "dependency", THREADPOOL),
        ("svc.deps.get_db", "dependency", THREADPOOL),
    }
