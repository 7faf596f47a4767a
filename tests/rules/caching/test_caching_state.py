"""The caching knowledge table, the module-state write index and the DBK402/DBK404 codemods."""

from __future__ import annotations

from deblock.analyzer.parse import extract
from deblock.analyzer.project import Project
from deblock.caching_knowledge import caching_knowledge
from deblock.codemods.lru_cache_to_cached_property import LruCacheToCachedProperty
from deblock.codemods.wrap_in_json_dumps import WrapInJsonDumps
from deblock.config import Settings
from deblock.model import Applicability, Fix
from deblock.rules.caching._state import writes_by_global
from deblock.testing import apply_fix, call_span


def test_knowledge_loads_and_every_redis_row_names_its_values() -> None:
    knowledge = caching_knowledge()
    for write in knowledge.redis_writes.values():
        assert write.source.startswith("https://")
        assert write.values or write.rest is not None or write.mappings, write.method
    assert {c.forever for c in knowledge.cache_clients.values()} == {"none", "zero"}
    assert knowledge.redis_writes["set"].ttl_keywords and knowledge.redis_writes["setex"].expires


def test_writes_index_sees_stores_methods_and_aliases_but_not_import_time() -> None:
    source = (
        "from collections import defaultdict\n"
        "_seen: dict[str, int] = {}\n"
        "_history = defaultdict(list)\n"
        "_seen['boot'] = 0\n"
        "def hit(k, user):\n"
        "    _seen[k] = 1\n"
        "    _seen.pop(k, None)\n"
        "    items = _history[user]\n"
        "    items.append(k)\n"
        "    del items[:-5]\n"
        "def shadow(_seen):\n"
        "    _seen.clear()\n"
    )
    project = Project([extract(source.encode(), "app.py", "app", False)], Settings())
    writes = writes_by_global(project)
    assert [(w.span.line, w.how) for w in writes["app._seen"]] == [(6, "subscript"), (7, "pop")]
    assert [(w.span.line, w.how) for w in writes["app._history"]] == [(9, "append"), (10, "delete")]


def _fix(codemod: str, span, **args: str) -> Fix:
    return Fix(codemod=codemod, span=span, title="", applicability=Applicability.UNSAFE, args=tuple(sorted(args.items())))


def test_wrap_in_json_dumps_by_keyword() -> None:
    source = "import redis\nr = redis.Redis()\nr.hset('h', 'f', value={'a': 1})\n"
    fixed = apply_fix(source, _fix(WrapInJsonDumps.NAME, call_span(source, "r.hset"), keyword="value"))
    assert "value=json.dumps({'a': 1})" in fixed and "import json" in fixed


def test_cached_property_drops_an_unused_from_import() -> None:
    source = "from functools import lru_cache\n\nclass C:\n    @lru_cache\n    def total(self):\n        return 1\n"
    span = extract(source.encode(), "m.py", "m", False).functions[0].decorators[0].span
    fixed = apply_fix(source, _fix(LruCacheToCachedProperty.NAME, span))
    assert fixed == "import functools\n\nclass C:\n    @functools.cached_property\n    def total(self):\n        return 1\n"
