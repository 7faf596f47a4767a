"""Stand-ins for client libraries the demo apps import but the measured endpoints never call.

The demo apps import `redis`, `requests` and `httpx` at module level (for `book_detail`,
the price feed and link previews). None of the endpoints the query-count tests hit
uses them, and the `test` extra does not install them, so when one is missing a stub
module takes its place. Any use of a stub raises, so a test can never pass by talking
to a fake server by accident.
"""

from __future__ import annotations

import importlib.util
import sys
import types

STUBBED = ("redis", "requests", "httpx")


class _Unavailable:
    def __init__(self, module: str, name: str) -> None:
        self._what = f"{module}.{name}"

    def __call__(self, *args: object, **kwargs: object) -> object:
        raise RuntimeError(f"{self._what} is stubbed in the demo query-count tests and must not be called")

    def __getattr__(self, name: str) -> object:
        return _Unavailable(self._what, name)


def install() -> list[str]:
    """Put a stub in `sys.modules` for each missing client library; return their names."""
    installed = []
    for name in STUBBED:
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            continue
        module = types.ModuleType(name)
        module.__getattr__ = lambda attr, _name=name: _Unavailable(_name, attr)  # type: ignore[method-assign]
        sys.modules[name] = module
        installed.append(name)
    return installed
