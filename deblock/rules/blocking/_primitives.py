"""Helpers for DBK108: which calls on sync primitives return at once, and the asyncio twin."""

from __future__ import annotations

from deblock.analyzer.facts.model import CallFact

# `with threading.Lock():` acquires in `__enter__`; only an inline constructor is a call.
WITH_TYPES = ("threading.Lock", "threading.RLock", "threading.Semaphore", "threading.BoundedSemaphore",
              "threading.Condition")
# Positional index of the `block`/`blocking` flag, or of `timeout` for the waits.
_FLAG = {"acquire": (0, "blocking"), "acquire_lock": (0, "blocking"), "get": (0, "block"), "put": (1, "block"), "shutdown": (0, "wait")}
_TIMEOUT = {"wait": 0, "join": 0, "result": 0, "exception": 0, "acquire": 1, "acquire_lock": 1, "get": 1, "put": 2}


def _literal(call: CallFact, index: int, keyword: str) -> object:
    for name, arg in call.keywords:
        if name == keyword:
            return arg.value if arg.kind == "literal" else ...
    if index < len(call.args) and not call.has_star_args:
        return call.args[index].value if call.args[index].kind == "literal" else ...
    return ...


def does_not_block(call: CallFact, method: str) -> bool:
    """`acquire(blocking=False)`, `get(False)`, `put(x, block=False)`, `wait(0)`, `shutdown(wait=False)`,
    `acquire(timeout=0)` return at once (blockbuster's `can_block_predicate` does the same)."""
    if method in _FLAG and _literal(call, *_FLAG[method]) is False:
        return True
    timeout = _literal(call, _TIMEOUT.get(method, 99), "timeout")
    return isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout <= 0


def twin(name: str) -> str:
    if name.startswith(("queue.", "multiprocessing.")):
        return "asyncio.Queue"
    if name.startswith("concurrent.futures."):
        return "asyncio.wrap_future"
    if ".Thread." in name or ".Timer." in name:
        return "a task or asyncio.to_thread"
    return "asyncio." + name.split(".")[1].replace("LockType", "Lock")
