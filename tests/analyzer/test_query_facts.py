"""Facts the N+1 rules read: attribute chains, iteration origins, loop reads, returned
values, annotation arguments and value uses."""

from __future__ import annotations

import textwrap

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.parse import extract


def facts(source: str) -> ModuleFacts:
    return extract(textwrap.dedent(source).encode(), "m.py", "m", False)


def text_at(source: str, span) -> str:
    lines = textwrap.dedent(source).splitlines()
    assert span.line == span.end_line
    return lines[span.line - 1][span.col:span.end_col]


def test_attribute_chain_is_one_fact_with_its_path() -> None:
    src = """
        def f(orders):
            for o in orders:
                print(o.customer.address.city, o.status)
                o.customer.get_label()
    """
    found = [(a.name, a.path) for a in facts(src).attributes]
    assert found == [("o", ("customer", "address", "city")), ("o", ("status",)), ("o", ("customer",))]
    first = facts(src).attributes[0]
    assert text_at(src, first.span) == "o.customer"
    assert text_at(src, first.chain_span) == "o.customer.address.city"


def test_attributes_on_method_parameters_outside_loops() -> None:
    src = """
        class S:
            def get_total(self, order):
                return order.customer.name + self.prefix.upper
        def plain(order):
            return order.customer
    """
    found = {(a.function, a.name, a.path) for a in facts(src).attributes}
    assert found == {("m.S.get_total", "order", ("customer", "name"))}


def test_iteration_origins_follow_reassignments() -> None:
    src = """
        def f():
            qs = Book.objects.filter(x=1)
            qs = qs.select_related("author")
            for b in qs.order_by("t"):
                b.author
    """
    loop = facts(src).iterations[0]
    assert [text_at(src, s) for s in loop.origins] == [
        'Book.objects.filter(x=1)', 'qs.select_related("author")', 'qs.order_by("t")']
    assert loop.iterable == "Book.objects.filter().select_related().order_by()"


def test_rebinding_to_an_unrelated_value_drops_origins() -> None:
    src = """
        def f(items):
            qs = Book.objects.all()
            qs = items
            for b in qs:
                pass
    """
    assert facts(src).iterations[0].origins == ()


def test_loop_assigned_names_and_call_reads() -> None:
    src = """
        def f(cart):
            for line in cart:
                book = Book.objects.get(pk=line["id"])
                total = Book.objects.count()
            Book.objects.get(pk=1)
    """
    m = facts(src)
    assert m.iterations[0].assigned == ("book", "line", "total")
    inside = [c for c in m.calls if c.loop_depth]
    assert [(c.text, c.reads) for c in inside] == [("Book.objects.get", ("line",)), ("Book.objects.count", ())]
    outside = [c for c in m.calls if not c.loop_depth]
    assert outside[0].reads == ()


def test_returned_value_and_origins() -> None:
    src = """
        def recent():
            qs = Book.objects.filter(x=1)
            return qs.order_by("-id")[:10]
    """
    fn = facts(src).functions[0]
    assert fn.returned == "Book.objects.filter().order_by()"
    assert [text_at(src, s) for s in fn.returned_origins] == ["Book.objects.filter(x=1)", 'qs.order_by("-id")[:10]']


def test_annotation_args_are_flattened_and_strings_parsed() -> None:
    src = """
        from typing import Optional
        from sqlalchemy.orm import Mapped
        class User:
            posts: Mapped[list["Post"]]
            boss: Mapped[Optional["User"]]
            plain: int
        class Post:
            pass
    """
    user = next(c for c in facts(src).classes if c.name == "User")
    args = {a.name: a.annotation_args for a in user.assigns}
    assert args == {"posts": ("builtins.list", "m.Post"), "boss": ("typing.Optional", "m.User"), "plain": ()}


def test_value_uses_of_call_results() -> None:
    src = """
        def f():
            qs = Book.objects.filter(x=1)
            if qs:
                return qs[0]
            n = 3
            if n:
                pass
    """
    uses = [(u.name, u.how, u.value) for u in facts(src).value_uses]
    assert uses == [("qs", "test", "Book.objects.filter()"), ("qs", "subscript", "Book.objects.filter()")]
