"""bytes -> ModuleFacts. A file that cannot be decoded or parsed yields facts carrying a
syntax error (reported as DBK001), never an exception."""

from __future__ import annotations

import ast
import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
import io
import tokenize
import warnings

from deblock.analyzer.facts.gather import FactGatherer
from deblock.analyzer.facts.model import ModuleFacts, SyntaxErrorFact
from deblock.analyzer.facts.suppressions import scan
from deblock.model import Span


# The visitor recurses about twice per nesting level, so files that `ast.parse` accepts
# (long `a + b + ...` chains nest hundreds deep) need more than Python's default 1000.
# Python 3.11 runs Python-to-Python calls without growing the C stack, so this is safe.
_VISITOR_RECURSION_LIMIT = 20_000


@contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """Decode as Python does: a PEP 263 coding cookie or a BOM, else UTF-8.

    The cookie is honoured even when the bytes also happen to be valid UTF-8 (bytes
    C3 A9 in a latin-1 file are two characters, not one), so literal values and
    character columns agree with what Python and LibCST see.
    """
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first != -1 else -1
    head = data if second == -1 else data[:second]  # a cookie can only be on line 1 or 2
    if b"coding" not in head and not data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8")  # fast path: no cookie, no BOM
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)  # "utf-8-sig" strips a BOM
    return data.decode(encoding)


def decode_for_display(data: bytes) -> str:
    """Text to show in reports: as Python decodes it, or with replacement characters when
    it cannot be decoded (the file then has a DBK001 finding saying why)."""
    try:
        return decode(data)
    except (UnicodeDecodeError, LookupError, SyntaxError):
        return data.decode("utf-8", "replace")


def extract(data: bytes, path: str, module: str, is_package: bool) -> ModuleFacts:
    digest = content_hash(data)
    try:
        source = decode(data)
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        return ModuleFacts(path, module, is_package, digest,
                           syntax_error=SyntaxErrorFact(f"cannot decode file: {exc}", Span(1, 0, 1, 0)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes belongs to other linters
            tree = ast.parse(source, filename=path)
    except RecursionError:
        # CPython cannot compile it either ("maximum recursion depth exceeded during ast
        # construction"): to the user it is a file Python refuses.
        return ModuleFacts(path, module, is_package, digest,
                           suppressions=scan(source),
                           syntax_error=SyntaxErrorFact("too deeply nested to parse", Span(1, 0, 1, 1)),
                           line_count=source.count("\n") + 1)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        col = max((getattr(exc, "offset", None) or 1) - 1, 0)
        message = getattr(exc, "msg", None) or str(exc)
        return ModuleFacts(path, module, is_package, digest,
                           suppressions=scan(source),
                           syntax_error=SyntaxErrorFact(message, Span(line, col, line, col + 1)),
                           line_count=source.count("\n") + 1)
    gatherer = FactGatherer(module, is_package, source)
    try:
        with _recursion_limit(_VISITOR_RECURSION_LIMIT):
            gatherer.gather(tree)
    except RecursionError:
        return ModuleFacts(path, module, is_package, digest, suppressions=scan(source),
                           internal_error="the file is nested too deeply for deblock's analysis; it was skipped",
                           line_count=source.count("\n") + 1)
    return ModuleFacts(
        path=path,
        module=module,
        is_package=is_package,
        content_hash=digest,
        imports=tuple(gatherer.imports),
        functions=tuple(gatherer.functions),
        classes=tuple(gatherer.classes),
        calls=tuple(gatherer.calls),
        iterations=tuple(gatherer.iterations),
        attributes=tuple(gatherer.attributes),
        stores=tuple(gatherer.stores),
        handlers=tuple(gatherer.handlers),
        value_uses=tuple(gatherer.value_uses),
        await_loops=tuple(gatherer.await_loops),
        assigns=tuple(gatherer.assigns),
        suppressions=scan(source),
        line_count=source.count("\n") + 1,
    )
