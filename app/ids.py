"""Ids from URLs and forms. Python ints have no ceiling but database integers do (2^63 - 1 on
PostgreSQL, and SQLite's driver raises OverflowError past it), so an id too big for any row is
treated as "no such thing" before it reaches a query."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` everywhere: a number past MAX_ID does not match, so the route is a 404."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value) -> int | None:
    """A positive id from form or query text, or None for anything else (including huge numbers)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.strip().isdigit():
        number = int(value.strip()[:20])
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def page_number(value: str) -> int:
    """For `request.args.get("page", 1, type=page_number)`: bad or huge pages are page 1's
    neighbours, never an OFFSET the database cannot hold."""
    number = int(value)  # ValueError makes request.args.get fall back to the default
    return min(max(number, 1), 10**6)
