"""StoreFact: writes to module-level state and HTTP caching headers, and nothing else."""

from __future__ import annotations

import textwrap

from deblock.analyzer.parse import extract

SOURCE = textwrap.dedent('''
    _cache = {}
    COUNT = 0

    class View:
        def get(self, request):
            _cache[request.user.id] = 1
            self.seen[1] = 2
            response = render()
            response["Cache-Control"] = "max-age=60"
            response.headers["ETag"] = "abc"
            response.cache_control.max_age = 30
            local = {}
            local["Cache"] = 1
            del _cache["k"]
            return response

    def bump():
        global COUNT, _tags
        COUNT += 1
        _tags = {}

    def shadow(_cache):
        _cache["x"] = 1
''')


def test_store_facts_keep_module_state_and_cache_headers_only() -> None:
    facts = extract(SOURCE.encode(), "pkg/mod.py", "pkg.mod", False)
    seen = {(s.target, s.how, s.key, s.global_name, s.function, s.span.line) for s in facts.stores}
    assert seen == {
        ("_cache", "subscript", None, "pkg.mod._cache", "pkg.mod.View.get", 7),
        ("response", "subscript", "Cache-Control", None, "pkg.mod.View.get", 10),
        ("response.headers", "subscript", "ETag", None, "pkg.mod.View.get", 11),
        ("response.cache_control.max_age", "attribute", None, None, "pkg.mod.View.get", 12),
        ("_cache", "delete", "k", "pkg.mod._cache", "pkg.mod.View.get", 15),
        ("COUNT", "augmented", None, "pkg.mod.COUNT", "pkg.mod.bump", 20),
        ("_tags", "rebind", None, "pkg.mod._tags", "pkg.mod.bump", 21),
    }
