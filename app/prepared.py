"""SQL statements that pages run on every request, built once and known by name.

Building a statement (its expressions, joins and IN lists) took about as long as running it, so each
is built once per process with its values as bound parameters (`functools.cache`). Listing them
also lets app.warmup run each one once in gunicorn's master, so that a new worker finds them
compiled instead of compiling each on its first request."""

from collections.abc import Callable
from functools import cache, partial
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
# Every statement factory, each with the arguments it is called with: called, it gives a statement
# or a tuple of statements.
FACTORIES: list[Callable[[], Any]] = []


def prepared(*variants: tuple) -> Callable[[F], F]:
    """`@prepared()` on a function building a statement: built once per arguments, and listed in
    FACTORIES once per tuple of `variants` (none: called with no arguments)."""

    def decorate(factory: F) -> F:
        cached = cache(factory)
        FACTORIES.extend(partial(cached, *args) for args in variants or [()])
        return cached  # type: ignore[return-value]  # the same signature, cached

    return decorate
