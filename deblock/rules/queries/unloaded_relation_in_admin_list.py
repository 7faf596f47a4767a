from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.queries._admin import (
    admin_model,
    display_reads,
    is_covered,
    is_model_admin,
    loading,
    prefetch_fix,
    select_related_fix,
)
from deblock.rules.queries._drf import class_assign
from deblock.rules.queries._eager import KINDS

_M = "# file: shop/models.py\nfrom django.db import models\n\nclass Author(models.Model):\n    name = models.CharField()\n\nclass Book(models.Model):\n    author = models.ForeignKey(Author, null=True, on_delete=models.SET_NULL)\n    tags = models.ManyToManyField('Tag')\n"
_A = "# file: shop/admin.py\nfrom django.contrib import admin\nfrom shop.models import Book\n\n@admin.register(Book)\nclass BookAdmin(admin.ModelAdmin):\n"


class UnloadedRelationInAdminList(Rule):
    """
    ## What it does
    Flags a `ModelAdmin` whose changelist reads a relation on every row without loading
    it: a `list_display` ForeignKey that Django's automatic `select_related()` does not
    cover (a nullable one, or any when `list_select_related` names other relations), a
    `"author__name"` path, or a display method (on the admin or the model) that reads
    `obj.author.name` or walks `obj.tags.all()`.

    ## Why is this bad?
    The changelist renders up to 100 rows per page, and each such read runs one query
    per row. Django only joins non-null ForeignKeys shown as plain `list_display` fields
    by itself; `list_select_related` loads the others in the same query, and a
    `get_queryset()` override with `prefetch_related()` loads collections in one more.

    ## Example
    ```python
    from django.contrib import admin
    from django.db import models

    class Book(models.Model):
        author = models.ForeignKey("Author", null=True, on_delete=models.SET_NULL)

    @admin.register(Book)
    class BookAdmin(admin.ModelAdmin):
        list_display = ("title", "author")
    ```

    Use instead:
    ```python
    @admin.register(Book)
    class BookAdmin(admin.ModelAdmin):
        list_display = ("title", "author")
        list_select_related = ["author"]
    ```

    ## Fix safety
    Single-valued relations are added to `list_select_related` (a new list after
    `list_display`, or an extended one). The fix is unsafe where it replaces Django's
    automatic `select_related()` (`list_select_related = True`, or a ForeignKey in
    `list_display`): the list loads only the relations it names, so a related model's
    `__str__` reading a further relation would query again. Collections get a
    `get_queryset()` override that adds `prefetch_related(...)` when the admin has none
    (unsafe: a subclass or mixin may expect to be the one overriding it).

    ## References
    - [Django: ModelAdmin.list_select_related](https://docs.djangoproject.com/en/stable/ref/contrib/admin/#django.contrib.admin.ModelAdmin.list_select_related)
    """

    code = "DBK204"
    message = "N+1 query: `{item}`{where} reads the {kind} `{relation}` on every changelist row; {advice}"
    fix_title = "Load the relation with `list_select_related`"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.SAFE
    scope = "project"
    valid = [
        _M + _A + "    list_display = ('id', 'author')\n    list_select_related = ('author',)\n",
        _M.replace("null=True, ", "") + _A + "    list_display = ('id', 'author')\n",
        _M + _A + "    list_display = ('id', 'tag_names')\n\n    def get_queryset(self, request):\n"
        "        return super().get_queryset(request).prefetch_related('tags')\n\n"
        "    def tag_names(self, obj):\n        return [t.name for t in obj.tags.all()]\n",
    ]
    invalid = [
        Invalid(_A + "    list_display = ('id', 'author')\n" + _M, line=6, message="ForeignKey `Book.author`",
                fixed="from django.contrib import admin\nfrom shop.models import Book\n\n@admin.register(Book)\n"
                "class BookAdmin(admin.ModelAdmin):\n    list_display = ('id', 'author')\n"
                "    list_select_related = [\"author\"]\n"),
        Invalid(_A + "    list_display = ('id', 'author__name')\n    list_select_related = ('tags',)\n" + _M,
                fixed="from django.contrib import admin\nfrom shop.models import Book\n\n@admin.register(Book)\n"
                "class BookAdmin(admin.ModelAdmin):\n    list_display = ('id', 'author__name')\n"
                "    list_select_related = ('tags', \"author\")\n"),
        Invalid(_A + "    list_display = ('id', 'tag_names')\n\n    def tag_names(self, obj):\n"
                "        return [t.name for t in obj.tags.all()]\n" + _M, line=6,
                message="`tag_names` (shop/admin.py:9) reads the ManyToMany relation `Book.tags` on every "
                "changelist row; override `get_queryset()`",
                fixed="from django.contrib import admin\nfrom shop.models import Book\n\n@admin.register(Book)\n"
                "class BookAdmin(admin.ModelAdmin):\n    list_display = ('id', 'tag_names')\n\n"
                "    def tag_names(self, obj):\n        return [t.name for t in obj.tags.all()]\n\n"
                "    def get_queryset(self, request):\n        return super().get_queryset(request).prefetch_related(\"tags\")\n"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for cls in facts.classes:
            display = class_assign(project, cls.qualname, "list_display") if is_model_admin(project, cls.qualname) else None
            model = admin_model(project, cls.qualname) if display else None
            items = display[1].value.value if display and display[1].value.kind == "literal" else None
            load = loading(project, cls.qualname, model, items) if model and isinstance(items, tuple) else None
            if load is None or display is None or model is None or not isinstance(items, tuple):
                continue
            reads = list(display_reads(project, cls.qualname, model, items))
            span = display[1].span if display[0] == cls.qualname and display[1].span else cls.span
            paths, seen = {r.path for r in reads}, set()
            for read in reads:
                if read.path in seen or any(p.startswith(read.path + "__") for p in paths):
                    continue
                seen.add(read.path)
                if is_covered(project, load, read):
                    continue
                last = read.relations[-1]
                advice = (f'override `get_queryset()` to return `super().get_queryset(request).prefetch_related("{read.path}")`'
                          if read.many else f'add `"{read.path}"` to `list_select_related`')
                fix = (prefetch_fix(project, cls.qualname, reads, display[1]) if read.many
                       else select_related_fix(project, facts, cls.qualname, load, reads, display[1]))
                yield self.finding(facts, span, fix=fix, item=read.item, where=f" ({read.where})" if read.where else "",
                                   kind=KINDS.get(last.kind, last.kind), advice=advice,
                                   relation=f"{last.model.rpartition('.')[2]}.{last.name}")
