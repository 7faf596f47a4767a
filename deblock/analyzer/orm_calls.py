"""Which calls are synchronous ORM I/O, wherever they run.

The call graph uses this so that DBK120 follows chains through project code to Django
ORM evaluations and sync SQLAlchemy session/engine I/O, as it does to catalogue calls.
The rules DBK110/DBK111 classify the same calls in more detail (advice, fixes) when
they are made on the event loop.
"""

from __future__ import annotations

from deblock.analyzer.django_orm import INSTANCE, QUERYSET, parse
from deblock.analyzer.facts.model import CallFact
from deblock.analyzer.project import Project
from deblock.orm_knowledge import django_orm, sqlalchemy_orm


def sync_orm_io(call: CallFact, project: Project) -> str | None:
    """The rule code (DBK110 or DBK111) if the call performs sync ORM I/O, else None."""
    if call.awaited or call.offloaded or call.callee is None:
        return None
    resolved = project.resolve(call.callee) or call.callee
    if resolved.startswith("sqlalchemy.ext.asyncio."):
        return None
    orm = django_orm()
    if resolved in orm.sync_only or resolved in orm.functions:
        return "DBK110"
    chain = parse(project, resolved)
    if chain is not None:
        if chain.final is None or chain.final in orm.chainable:
            # A QuerySet (`Book.objects.all()`) hits the database only when iterated here.
            return "DBK110" if chain.kind == QUERYSET and call.used_as == "iter" else None
        if chain.kind == INSTANCE and chain.final in orm.instance:
            return "DBK110"
        if chain.final in orm.evaluating and (chain.chain or chain.final != "delete"):
            return "DBK110"
        return None
    sa = sqlalchemy_orm()
    receiver, _, method = resolved.rpartition(".")
    if (
        (receiver in sa.sessions and method in sa.session_io)
        or (receiver in sa.engines and method in sa.engine_io)
        or (receiver in sa.connections and method in sa.connection_io)
        or (receiver in sa.extensions and method in sa.extension_io)
    ):
        return "DBK111"
    return None
