"""Run slices of one job in forked children: `fork_map(work, slices)`.

Why fork and not a process pool: a forked child starts with the parent's memory, so
the inputs (the whole `Project` with every index built so far) reach it without being
pickled, and only the results (a few findings) come back through a pipe. The parent
works on the first slice itself instead of waiting.

The only state handed over is what `fork()` copies: the `work` closure and its slice,
read by index in the child. Nothing is set globally.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

S = TypeVar("S")
R = TypeVar("R")


def can_fork() -> bool:
    """Only on Linux: macOS has `fork` but system frameworks are unsafe after it (hence
    Python's `spawn` default there), and Windows has no fork at all. Callers fall back
    to running everything in this process (or to a `spawn` pool)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def fork_map(work: Callable[[S], R], slices: Sequence[S]) -> list[R]:
    """`[work(s) for s in slices]`, with every slice but the first run in a forked child.

    `work` must not depend on anything the parent changes after the fork (it cannot see
    it), and its result must pickle. A child that dies without answering (killed, out of
    memory) is not fatal: its slice is then run here, so the result never differs from
    the serial one, only the time.
    """
    if len(slices) <= 1 or not can_fork():
        return [work(s) for s in slices]
    context = multiprocessing.get_context("fork")
    # A child flushes its copy of the standard streams on exit: text still buffered
    # here would be written twice.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    children = []
    for index in range(1, len(slices)):
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(work, slices[index], sender), daemon=True)
        child.start()
        sender.close()  # the parent's copy: the child's end alone must be open, so EOF is seen
        children.append((child, receiver))
    try:
        results = [work(slices[0])]
    except BaseException:  # Ctrl-C, or a bug in `work`: leave no child behind
        for child, receiver in children:
            receiver.close()  # a child still writing then stops on a broken pipe
            child.join()
        raise
    for index, (child, receiver) in enumerate(children, start=1):
        try:
            ok, value = receiver.recv()
        except (EOFError, OSError):
            ok, value = False, None
        finally:
            receiver.close()
            child.join()
        # A child's exception is re-raised here by running the slice in this process,
        # which also gives the caller its usual traceback.
        results.append(value if ok else work(slices[index]))
    return results


def _child(work: Callable[[S], R], piece: S, sender: Connection) -> None:
    try:
        result = (True, work(piece))
    except BaseException:  # noqa: BLE001 - reported as a failure: the parent reruns the slice
        result = (False, None)
    sender.send(result)
    sender.close()
