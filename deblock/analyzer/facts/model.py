"""Per-module facts: small, frozen, picklable records gathered in one `ast` pass.

Rules read these; they never see a syntax tree. Names are resolved to canonical
dotted names where the module alone allows it:

* `requests.get` for `import requests as r; r.get()`;
* `pkg.mod.Class.method` for `self.method()` inside `Class`;
* `httpx.Client.get` for `c = httpx.Client(); c.get()` (an instance of a class
  is written as the class name followed by the method);
* `pkg.mod.make()` + `.get` as `pkg.mod.make().get` when the receiver is the result
  of a call whose return type only the project index can know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from deblock.model import Span

# No `slots=True` on these dataclasses: slotted frozen dataclasses unpickle through
# `dataclasses._dataclass_setstate`, which calls `fields()` per object and made
# reading the warm cache of Django's source 4x slower than plain `__dict__` restore.

Literal = Union[str, int, float, bool, None, tuple["Literal", ...]]


@dataclass(frozen=True)
class ArgFact:
    """What an argument, decorator argument or class-level value is, as far as rules need.

    kind: "ref" (a name or attribute, `value` = resolved dotted name), "literal"
    (`value` = the Python value), "call" (`value` = resolved callee, with its own
    args), "list", "dict" (`keywords` = string keys), "annotated" (`Annotated[T, ...]`:
    `value` = T, `args` = the metadata), "lambda", or "other".
    """

    kind: str
    value: Literal = None
    args: tuple["ArgFact", ...] = ()
    keywords: tuple[tuple[str, "ArgFact"], ...] = ()
    span: Span | None = None


OTHER = ArgFact("other")
LAMBDA = ArgFact("lambda")


@dataclass(frozen=True)
class ImportFact:
    alias: str  # the local name bound (`np` in `import numpy as np`)
    target: str  # canonical dotted name (`numpy`, `os.path.join`, `pkg.sub.x` for relative imports)
    span: Span


@dataclass(frozen=True)
class DecoratorFact:
    name: str | None  # resolved dotted name of the decorator (the callee when it is a call)
    is_call: bool
    args: tuple[ArgFact, ...] = ()
    keywords: tuple[tuple[str, ArgFact], ...] = ()
    span: Span | None = None


@dataclass(frozen=True)
class ParamFact:
    name: str
    annotation: str | None  # resolved dotted name of the annotated type (Optional/`| None` stripped)
    default: ArgFact | None = None
    metadata: tuple[ArgFact, ...] = ()  # `Annotated[T, Depends(f)]`: the items after T


@dataclass(frozen=True)
class FunctionFact:
    qualname: str  # `pkg.mod.Class.method`, `pkg.mod.outer.<locals>.inner`
    name: str
    is_async: bool
    span: Span  # from `def` (or first decorator) to the end of the body
    class_qualname: str | None = None
    parent: str | None = None  # enclosing function's qualname for nested defs
    decorators: tuple[DecoratorFact, ...] = ()
    params: tuple[ParamFact, ...] = ()
    returns: str | None = None
    # What the last `return <expr>` hands back, resolved (`app.models.Book.objects.filter()`),
    # and the spans of the expressions that built it (see IterationFact.origins).
    returned: str | None = None
    returned_origins: tuple[Span, ...] = ()
    is_generator: bool = False
    is_property: bool = False
    is_lambda: bool = False
    awaits: int = 0  # number of await / async for / async with in the body itself


@dataclass(frozen=True)
class ClassAssignFact:
    name: str
    value: ArgFact
    annotation: str | None = None
    span: Span | None = None
    # Resolved names inside the annotation's brackets, flattened in order, strings parsed:
    # `Mapped[list["Post"]]` -> ("builtins.list", "app.models.Post").
    annotation_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassFact:
    qualname: str
    name: str
    bases: tuple[str, ...]
    span: Span
    decorators: tuple[DecoratorFact, ...] = ()
    assigns: tuple[ClassAssignFact, ...] = ()
    methods: tuple[str, ...] = ()
    # `self.x = Something()` in any method, and class-level annotations: attribute -> type.
    attribute_types: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CallFact:
    callee: str | None  # resolved dotted name, None when the receiver is unknown
    text: str  # the callee as written, e.g. `self.client.get`
    function: str  # enclosing function's qualname, or the module name at module level
    in_async: bool  # runs on the event loop: the nearest enclosing def is `async def`
    awaited: bool
    loop_depth: int
    loop_kind: str | None  # innermost loop: "for", "async for", "while", "comprehension"
    offloaded: bool  # inside a lambda/partial handed to to_thread, run_in_executor, sync_to_async...
    span: Span
    args: tuple[ArgFact, ...] = ()
    keywords: tuple[tuple[str, ArgFact], ...] = ()
    has_star_args: bool = False
    # How the result is consumed right where it is made: "iter" (the iterable of a
    # for/async for/comprehension), "test" (if/while/assert/ternary/not/and/or
    # condition), "subscript" (`f()[0]`), "with" (a context manager), "wrapped" (the
    # file handed to `trio.wrap_file`/`anyio.wrap_file`), or None.
    used_as: str | None = None
    # Inside a loop only: the names the arguments read (`("line",)` for
    # `Book.objects.get(pk=line["id"])`), to tell per-item queries from loop-invariant ones.
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class AttributeFact:
    """`name.attr...` read (not called) in an async function, in a loop, or on the one
    argument of a method (serializer and admin display methods): what lazy ORM
    attributes (`request.user`, `book.author`) and N+1 rules look at.

    One fact per chain, at its longest read: `o.customer.address.city` is one fact with
    path ("customer", "address", "city"); `o.customer.get_x()` is path ("customer",).
    """

    name: str  # the base name as written (`book`)
    base: str | None  # its resolved type or value (`app.models.Book`), None if unknown
    attr: str  # path[0]
    function: str
    in_async: bool
    loop_depth: int
    span: Span  # `name.attr`, the first link
    path: tuple[str, ...] = ()
    chain_span: Span | None = None  # the whole chain as read, when longer than `name.attr`


@dataclass(frozen=True)
class IterationFact:
    """A `for`/`async for` loop or a comprehension's first iterable."""

    iterable: str | None  # resolved dotted name of what is iterated (`app.models.Book.objects.all()`)
    text: str  # the iterable as written (`qs`, `Book.objects.all()`)
    function: str  # enclosing function's qualname, or the module name
    in_async: bool
    is_async: bool  # `async for` / `async` comprehension
    kind: str  # "for" or "comprehension"
    targets: tuple[str, ...]  # names the loop binds (`b` in `for b in qs`)
    loop_depth: int  # loops enclosing this one
    span: Span  # the whole loop (the comprehension for comprehensions)
    iter_span: Span  # the iterable expression
    # Where the iterated value was built: the spans of the expressions assigned on the
    # way (`qs = Book.objects.all()`, `qs = qs.filter(...)`), oldest first, ending with
    # the iterable itself when it is a call. A rule finds the calls inside them
    # (`select_related(...)`), and a fix edits the last one.
    origins: tuple[Span, ...] = ()
    # Names the loop body (or comprehension) assigns, loop targets included.
    assigned: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueUseFact:
    """A local name holding a call's result (`qs = Book.objects.filter(...)`) used as a
    truth test (`if qs:`) or indexed (`qs[0]`): evaluations a CallFact does not show."""

    name: str
    value: str  # the resolved value (`app.models.Book.objects.filter()`)
    how: str  # "test" or "subscript"
    function: str
    in_async: bool
    loop_depth: int
    span: Span  # the name as used
    origins: tuple[Span, ...] = ()


@dataclass(frozen=True)
class AwaitLoopFact:
    """A plain `for` loop (not `async for`) in the body of an `async def` that awaits.

    shape: how the body uses its awaited call, when the body is one of
    "expr" (`await f(x)` alone), "append" (`acc.append(await f(x))` alone) or
    "assign-collect" (`y = await f(x)`, then only `acc.append(...)` / `total += ...`
    statements that make no call); None for any other body.
    The call fields describe that awaited call (empty when shape is None).
    """

    function: str  # enclosing function's qualname
    targets: tuple[str, ...]  # names the loop binds
    simple_target: bool  # the target is a name or a tuple of names
    body_len: int  # statements directly in the body
    awaits: int  # await / async for / async with in the body (nested defs excluded)
    exits: bool  # break / continue / return / yield / raise in the body, or an `else:` clause
    span: Span  # the whole loop
    iter_span: Span
    shape: str | None = None
    accumulator: str | None = None  # `acc` in the append shapes (the first one)
    callee: str | None = None  # the awaited call's resolved callee
    callee_text: str = ""  # as written, e.g. `self.client.get`
    call_span: Span | None = None
    args_use_target: bool = False  # the call's arguments read a loop target name
    # State flows between iterations: the call reads a name the body assigns, appends to
    # or augments, or the body changes a name the iterable reads.
    reads_carried: bool = False


@dataclass(frozen=True)
class AssignFact:
    """A module-level assignment (`urlpatterns = [...]`, `DATABASES = {...}`, `client = httpx.Client()`)."""

    name: str
    value: ArgFact
    span: Span
    # Resolved names inside an annotation (`tasks: dict[str, asyncio.Task] = {}` ->
    # `builtins.str`, `asyncio.Task`): what a module-level container holds.
    annotation_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreFact:
    """A write into shared state or a response: `_cache[key] = v`, `del _cache[key]`,
    `COUNT += 1` / `_tags = {}` on a `global`, `response["Cache-Control"] = ...`,
    `resp.cache_control.max_age = 60`.

    Kept only when the root name is a module-level name (process-wide state), or the
    write sets an HTTP caching header or attribute (the cache rules read both), or it sets
    one attribute of a local bound in a `for` loop or to a call's result (`product.stock =
    n` on a loaded row: a write the ORM flushes, for the write-site index); other writes
    to locals and writes to `self` are not recorded.
    """

    target: str  # as written, without the subscript (`_cache`, `response.headers`, `resp.cache_control.max_age`)
    root: str  # the root name (`_cache`, `response`)
    global_name: str | None  # `pkg.mod._cache` when the root is a module-level name, else None
    key: str | None  # a string-literal subscript key (`"Cache-Control"`)
    how: str  # "subscript", "delete", "augmented", "attribute" or "rebind" (assigning a `global` name)
    function: str  # enclosing function's qualname, or the module name
    in_async: bool
    loop_depth: int
    span: Span  # the whole target
    # A local root's binding when the write sets one of its attributes: the resolved call
    # that made it (`sqlalchemy.orm.Session.get()`), or "" for a `for` loop's target.
    value: str | None = None


@dataclass(frozen=True)
class HandlerFact:
    """An `except:` or `except BaseException:` handler (alone or in a tuple): the handlers
    that catch `asyncio.CancelledError` (a `BaseException` since Python 3.8)."""

    caught: str  # "bare" or "BaseException"
    function: str  # enclosing function's qualname, or the module name
    in_async: bool
    reraises: bool  # the handler body has a `raise` (nested defs excluded)
    body_awaits: bool  # the `try` body awaits (await / async for / async with), so cancellation can land there
    body_span: Span  # the `try` body, first statement to last
    span: Span  # `except` up to the end of the caught type (just `except` when bare)


@dataclass(frozen=True)
class SuppressionFact:
    line: int
    codes: tuple[str, ...] | None  # None means every code
    own_line: bool  # the comment stands alone on its line
    file_level: bool = False
    # "noqa" applies to its own line only; "ignore" (`# deblock: ignore[...]`) alone on
    # a line applies to the line below it.
    kind: str = "noqa"


@dataclass(frozen=True)
class SyntaxErrorFact:
    message: str
    span: Span


@dataclass(frozen=True)
class ModuleFacts:
    path: str  # POSIX path relative to the project root
    module: str  # dotted module name
    is_package: bool
    content_hash: str
    imports: tuple[ImportFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    calls: tuple[CallFact, ...] = ()
    iterations: tuple[IterationFact, ...] = ()
    attributes: tuple[AttributeFact, ...] = ()
    value_uses: tuple[ValueUseFact, ...] = ()
    await_loops: tuple[AwaitLoopFact, ...] = ()
    assigns: tuple[AssignFact, ...] = ()
    stores: tuple[StoreFact, ...] = ()
    handlers: tuple[HandlerFact, ...] = ()
    suppressions: tuple[SuppressionFact, ...] = ()
    syntax_error: SyntaxErrorFact | None = None
    internal_error: str | None = None  # deblock could not analyse the file (reported as DBK900)
    line_count: int = 0
