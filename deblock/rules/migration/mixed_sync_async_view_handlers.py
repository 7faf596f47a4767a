from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class MixedSyncAsyncViewHandlers(Rule):
    """
    ## What it does
    Flags a Django class-based view whose HTTP handlers (`get`, `post`, `put`,
    `patch`, `delete`, `head`, `trace`) are not all the same colour, counting the
    handlers it inherits: from project base classes and from Django's generic views
    (`TemplateView.get`, `FormView.get/post/put`, `DeleteView.delete`, ...). `options`
    is left out, as Django adapts it.

    ## Why is this bad?
    Django decides once per view class whether it is async (`View.view_is_async`) and
    raises `ImproperlyConfigured` from `as_view()` when some handlers are `async def`
    and others are not, so the URLconf fails to load. Django's generic views are all
    sync: an `async def post` on a `TemplateView` mixes with the inherited sync `get`.

    ## Example
    ```python
    from django.http import JsonResponse
    from django.views import View

    class OrderView(View):
        def get(self, request):
            return JsonResponse({})

        async def post(self, request):
            return JsonResponse({}, status=201)
    ```

    Use instead:
    ```python
    from django.http import JsonResponse
    from django.views import View

    class OrderView(View):
        async def get(self, request):
            return JsonResponse({})

        async def post(self, request):
            return JsonResponse({}, status=201)
    ```

    ## References
    - [Django: asynchronous class-based views](https://docs.djangoproject.com/en/stable/topics/class-based-views/#async-class-based-views)
    """

    code = "DBK505"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "from django.views import View\n\nclass V(View):\n    async def get(self, request):\n        pass\n\n"
        "    async def post(self, request):\n        pass\n",
        "from django.views.generic import TemplateView\n\nclass V(TemplateView):\n    def post(self, request):\n"
        "        pass\n",
        "class V:\n    def get(self):\n        pass\n\n    async def post(self):\n        pass\n",
    ]
    invalid = [
        Invalid("from django.views import View\n\nclass V(View):\n    def get(self, request):\n        pass\n\n"
                "    async def post(self, request):\n        pass\n", line=3,
                message="`V` mixes async handlers (`V.post`) with sync ones (`V.get`)"),
        Invalid("from django.views.generic import TemplateView\n\nclass V(TemplateView):\n"
                "    async def post(self, request):\n        pass\n", line=3,
                message="(`TemplateView.get`): Django's `as_view()` raises ImproperlyConfigured"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
