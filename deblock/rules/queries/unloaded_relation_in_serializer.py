from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.queries._drf import list_rows, serializer_reads
from deblock.rules.queries._eager import KINDS, advice, eager_fix, is_loaded

_M = "# file: shop/models.py\nfrom django.db import models\n\nclass Author(models.Model):\n    name = models.CharField()\n\nclass Tag(models.Model):\n    name = models.CharField()\n\nclass Book(models.Model):\n    author = models.ForeignKey(Author, on_delete=models.CASCADE)\n    tags = models.ManyToManyField(Tag)\n"
_S = "# file: shop/serializers.py\nfrom rest_framework import serializers\nfrom shop.models import Book\n\nclass BookSerializer(serializers.ModelSerializer):\n"
_V = "# file: shop/api.py\nfrom rest_framework import viewsets\nfrom shop.models import Book\nfrom shop.serializers import BookSerializer\n\nclass BookViewSet(viewsets.ModelViewSet):\n    serializer_class = BookSerializer\n"
_AUTHOR = "    author_name = serializers.CharField(source='author.name')\n"
_META = "\n    class Meta:\n        model = Book\n        fields = {fields}\n"


class UnloadedRelationInSerializer(Rule):
    """
    ## What it does
    Flags a Django REST framework list view (a `ModelViewSet`, `ListAPIView`...) whose
    queryset does not load a relation its serializer reads on every row: a field with
    `source="author.name"`, a nested serializer, a related field (`SlugRelatedField`,
    `StringRelatedField`, any related field with `many=True`), a many-to-many or reverse
    relation named in `Meta.fields`, or a `SerializerMethodField` whose `get_<name>`
    method reads `obj.author` or walks `obj.lines.all()`.

    ## Why is this bad?
    DRF serializes the rows one by one, so each of these reads runs one query per row:
    a page of 100 books makes 101 queries or more. The queryset can load the relation
    for all rows at once, with a join (`select_related`) or one more query
    (`prefetch_related`). A plain `ForeignKey` named in `Meta.fields` renders as its
    `<fk>_id` and is not flagged, nor is a `PrimaryKeyRelatedField` without `many=True`.

    ## Example
    ```python
    from django.db import models
    from rest_framework import serializers, viewsets

    class Book(models.Model):
        author = models.ForeignKey("Author", on_delete=models.CASCADE)
        tags = models.ManyToManyField("Tag")

    class BookSerializer(serializers.ModelSerializer):
        author_name = serializers.CharField(source="author.name")

        class Meta:
            model = Book
            fields = ["id", "author_name", "tags"]

    class BookViewSet(viewsets.ModelViewSet):
        queryset = Book.objects.order_by("id")
        serializer_class = BookSerializer
    ```

    Use instead:
    ```python
    class BookViewSet(viewsets.ModelViewSet):
        queryset = Book.objects.order_by("id").select_related("author").prefetch_related("tags")
        serializer_class = BookSerializer
    ```

    ## Fix safety
    The fix adds the path to the queryset's `select_related`/`prefetch_related` call or
    appends one (the serializer may live in another module; only the view changes). The
    rows and their values are the same, only fetched together.

    ## Known limitations
    Views that choose their serializer in `get_serializer_class()`, or whose
    `get_queryset()` builds the rows from `super()`, are not checked. `Meta.depth` is
    followed one level.

    ## References
    - [DRF: serializer relations](https://www.django-rest-framework.org/api-guide/relations/)
    - [Django: prefetch_related](https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-related)
    """

    code = "DBK203"
    message = ("N+1 query: `{field}` ({where}) reads the {kind} `{relation}` on every row of `{view}`; "
               "add `{advice}` to the queryset")
    fix_title = "Load the relation with the queryset"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.SAFE
    scope = "project"
    valid = [
        _M + _S + _AUTHOR + _META.format(fields="['id', 'author_name']") + _V
        + "    queryset = Book.objects.select_related('author')\n",
        _M + _S + _META.format(fields="['id', 'author']") + _V + "    queryset = Book.objects.all()\n",
        _M + _S + "    tags = serializers.SlugRelatedField(many=True, slug_field='name', read_only=True)\n"
        + _META.format(fields="'__all__'") + _V + "    queryset = Book.objects.prefetch_related('tags')\n",
        _M + _S + _AUTHOR + _META.format(fields="['author_name']")
        + _V.replace("viewsets.ModelViewSet", "viewsets.GenericViewSet") + "    queryset = Book.objects.all()\n",
    ]
    invalid = [
        Invalid(_V + "    queryset = Book.objects.order_by('title')\n" + _M + _S + _AUTHOR
                + _META.format(fields="['id', 'author_name']"),
                fixed="from rest_framework import viewsets\nfrom shop.models import Book\nfrom shop.serializers "
                "import BookSerializer\n\nclass BookViewSet(viewsets.ModelViewSet):\n    serializer_class = "
                "BookSerializer\n    queryset = Book.objects.order_by('title').select_related(\"author\")\n",
                line=7, message="`BookSerializer.author_name` (shop/serializers.py:5) reads the ForeignKey `Book.author`"),
        Invalid(_V + "    queryset = Book.objects.select_related('author')\n" + _M + _S
                + "    n = serializers.SerializerMethodField()\n" + _META.format(fields="['n']")
                + "\n    def get_n(self, book):\n        return [t.name for t in book.tags.all()]\n",
                fixed="from rest_framework import viewsets\nfrom shop.models import Book\nfrom shop.serializers "
                "import BookSerializer\n\nclass BookViewSet(viewsets.ModelViewSet):\n    serializer_class = "
                "BookSerializer\n    queryset = Book.objects.select_related('author').prefetch_related(\"tags\")\n",
                line=7, message="add `prefetch_related(\"tags\")`"),
        Invalid(_V + "    queryset = Book.objects.all()\n" + _M + _S + _META.format(fields="['id', 'tags']"),
                fixed="from rest_framework import viewsets\nfrom shop.models import Book\nfrom shop.serializers "
                "import BookSerializer\n\nclass BookViewSet(viewsets.ModelViewSet):\n    serializer_class = "
                "BookSerializer\n    queryset = Book.objects.all().prefetch_related(\"tags\")\n",
                message="ManyToMany relation `Book.tags`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for cls in facts.classes:
            found = list_rows(project, facts, cls.qualname)
            if found is None:
                continue
            rows, span, serializer = found
            reads = list(serializer_reads(project, serializer, rows.model))
            paths = {r.path for r in reads}
            seen: set[str] = set()
            for read in reads:
                if read.path in seen or any(p.startswith(read.path + "__") for p in paths):
                    continue  # one finding per path; the longest path covers its prefixes
                seen.add(read.path)
                if is_loaded(rows, read.relations):
                    continue
                last, text = read.relations[-1], advice(rows, read.relations, facts)
                fix = eager_fix(rows, read.relations, facts, f"Add `{text}` to the queryset")
                yield self.finding(facts, span, fix=fix, field=read.field, where=read.where,
                                   kind=KINDS.get(last.kind, last.kind), view=f"{cls.name}.{rows.text}",
                                   relation=f"{last.model.rpartition('.')[2]}.{last.name}", advice=text)
