"""Shared by the N+1 rules: loops over multi-row queries and the relations their bodies
read on each row.

A read is an attribute chain on the loop variable (`o.customer.address.city`), a call
on a related manager (`o.lines.all()`, `o.lines.count()`), or an inner loop over a
related collection whose own rows are read in turn (`for line in o.lines.all():
line.book.title` reads `lines__book`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from deblock.analyzer.facts.model import IterationFact, ModuleFacts
from deblock.analyzer.models import ModelGraph, Relation, model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO, Rows, rows_of
from deblock.model import Span

@dataclass(frozen=True)
class RelationRead:
    span: Span  # the read as written, up to the last relation of the path
    text: str  # `o.customer`, `o.lines.count()`
    relations: tuple[Relation, ...]  # the relations walked, outermost first (a nested loop's first)
    method: str | None = None  # the related-manager method called on the last relation

    @property
    def path(self) -> str:
        return "__".join(r.name for r in self.relations)


def loop_rows(project: Project, facts: ModuleFacts) -> list[tuple[IterationFact, Rows]]:
    """The module's loops and comprehensions over multi-row queries (computed once)."""
    def compute() -> list[tuple[IterationFact, Rows]]:
        if not model_graph(project).models:
            return []
        found = []
        for loop in facts.iterations:
            if len(loop.targets) != 1:
                continue  # `for i, o in enumerate(qs)`: the element is not a row
            rows = rows_of(project, facts, loop.iterable, loop.origins, loop.text)
            if rows is not None:
                found.append((loop, rows))
        return found

    return project.memo(("loop-rows", facts.path), compute)


def relation_reads(project: Project, facts: ModuleFacts, loop: IterationFact, model: str,
                   prefix: tuple[Relation, ...] = ()) -> Iterator[RelationRead]:
    """Relation reads on the loop's element, in source order."""
    graph = model_graph(project)
    element = loop.targets[0]
    inside = [a for a in facts.attributes if a.name == element and a.function == loop.function
              and loop.span.contains(a.span) and not loop.iter_span.contains(a.span)]
    for attr in inside:
        relations = _attribute_relations(graph, model, attr.path)
        if relations:
            yield RelationRead(attr.span, ".".join([element, *(r.name for r in relations)]), (*prefix, *relations))
    for call in facts.calls:
        if call.function != loop.function or not call.text.startswith(element + ".") or not loop.span.contains(call.span):
            continue
        *path, method = call.text.split(".")[1:]
        relations = graph.follow(model, path)
        if path and len(relations) == len(path) and relations[-1].many:
            yield RelationRead(call.span, f"{call.text}()", (*prefix, *relations), method)
    if prefix:
        return
    for inner in facts.iterations:
        if inner is loop or not loop.span.contains(inner.span) or len(inner.targets) != 1:
            continue
        parts = inner.text.split(".")
        if parts[0] != element:
            continue
        path = parts[1:-1] if parts[-1].endswith("()") or parts[-1] == "all" else parts[1:]
        relations = graph.follow(model, path)
        if path and len(relations) == len(path) and relations[-1].many and relations[-1].target:
            yield from relation_reads(project, facts, inner, relations[-1].target, tuple(relations))


def _attribute_relations(graph: ModelGraph, model: str, path: tuple[str, ...]) -> list[Relation]:
    """The relations an attribute chain loads on access. A Django related manager
    (`o.lines`) runs no query until called, so the walk stops before it."""
    out = []
    for relation in graph.follow(model, path):
        if relation.orm == DJANGO and relation.many:
            break
        out.append(relation)
    return out
