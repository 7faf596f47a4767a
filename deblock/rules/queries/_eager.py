"""The eager load that serves a relation path, as advice text and as a fix.

Django: `select_related("a__b")` when every step is single-valued (forward ForeignKey,
OneToOne, reverse OneToOne), else `prefetch_related("a__b")` (never the reverse:
select_related cannot follow multi-valued relations, and prefetching a ForeignKey costs
an extra query for nothing). SQLAlchemy: `joinedload` for many-to-one/one-to-one steps,
`selectinload` for collections (joined collections need `.unique()` on 2.0 results).
"""

from __future__ import annotations

from collections.abc import Sequence

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.models import Relation
from deblock.analyzer.queries import AFTER, DJANGO, Rows
from deblock.model import Applicability, Fix
from deblock.query_knowledge import sqlalchemy_queries

SELECT_RELATED_KINDS = frozenset({"fk", "o2o", "reverse_o2o"})


def is_loaded(rows: Rows, relations: Sequence[Relation]) -> bool:
    """Do the rows already come with this relation path (or is it never lazily queried)?"""
    if rows.orm == DJANGO:
        path = "__".join(r.name for r in relations)
        if path in rows.loaded:
            return True
        return rows.select_related_all and all(r.kind in ("fk", "o2o") for r in relations)
    lazy = sqlalchemy_queries()
    for relation in relations:
        strategy = relation.lazy or "select"
        if strategy in lazy.silent_lazy:
            return True
        if relation.name not in rows.loaded and strategy not in lazy.eager_lazy:
            return False
    return True


def django_method(relations: Sequence[Relation]) -> str:
    return "select_related" if all(r.kind in SELECT_RELATED_KINDS for r in relations) else "prefetch_related"


def advice(rows: Rows, relations: Sequence[Relation], facts: ModuleFacts) -> str:
    """The call to add, as code (`select_related("customer")`)."""
    if rows.orm == DJANGO:
        return f'{django_method(relations)}("{"__".join(r.name for r in relations)}")'
    return f"options({_loader_text(relations, facts)[0]})"


def eager_fix(rows: Rows, relations: Sequence[Relation], facts: ModuleFacts, title: str,
              applicability: Applicability = Applicability.SAFE) -> Fix | None:
    """Merge into the query's eager-load call of the right kind, or add one at its source."""
    if rows.orm == DJANGO:
        method = django_method(relations)
        arg, imports = f'"{"__".join(r.name for r in relations)}"', ""
    elif any(r.lazy in sqlalchemy_queries().query_lazy for r in relations):
        return None  # `lazy="dynamic"` relations cannot be eager-loaded
    else:
        method = "options"
        arg, imports = _loader_text(relations, facts)
    existing = next((c for c in rows.eager_calls if c.method == method), None)
    if existing is not None:
        args = (("arg", arg), ("imports", imports), ("method", method), ("mode", "merge"))
        return Fix("add_eager_load", existing.span, title, applicability, args)
    if rows.source is None:
        return None
    args = (("arg", arg), ("imports", imports), ("method", method), ("mode", rows.source_mode or AFTER))
    return Fix("add_eager_load", rows.source, title, applicability, args)


def _loader_text(relations: Sequence[Relation], facts: ModuleFacts) -> tuple[str, str]:
    """`joinedload(Order.customer).selectinload(Customer.tags)` and the imports it needs."""
    parts, imports = [], set()
    for index, relation in enumerate(relations):
        loader = "selectinload" if relation.many else "joinedload"
        name, model_import = _local_name(relation.model, facts)
        if model_import:
            imports.add(model_import)
        if index == 0:
            imports.add(f"sqlalchemy.orm:{loader}")
            parts.append(f"{loader}({name}.{relation.name})")
        else:
            parts.append(f".{loader}({name}.{relation.name})")
    return "".join(parts), ",".join(sorted(imports))


def _local_name(qualname: str, facts: ModuleFacts) -> tuple[str, str]:
    """How this module names a model class, and the import to add when it does not."""
    for imp in facts.imports:
        if imp.target == qualname:
            return imp.alias, ""
    if any(c.qualname == qualname for c in facts.classes):
        return qualname.rpartition(".")[2], ""
    module, _, name = qualname.rpartition(".")
    return name, f"{module}:{name}"


# How messages name a relation kind.
KINDS = {
    "fk": "ForeignKey", "o2o": "OneToOne relation", "reverse_o2o": "reverse OneToOne relation",
    "m2m": "ManyToMany relation", "reverse_fk": "reverse ForeignKey (related manager)",
    "reverse_m2m": "reverse ManyToMany relation", "generic_fk": "GenericForeignKey",
    "generic_relation": "GenericRelation", "many_to_one": "many-to-one relationship",
    "one_to_many": "one-to-many relationship", "one_to_one": "one-to-one relationship",
    "many_to_many": "many-to-many relationship",
}
