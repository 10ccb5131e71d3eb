"""What an attacker holding a copy of the database sees: every row of every table, as text."""

from sqlalchemy import select

from app.extensions import db


def dump_rows(app) -> list[tuple[str, dict]]:
    """(table name, row as a dict of raw column values) for every row in the database."""
    rows = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            with db.engine.connect() as conn:
                for row in conn.execute(select(table)):
                    rows.append((table.name, dict(row._mapping)))
    return rows


def dump_text(app) -> str:
    return "\n".join(f"{name} {row!r}" for name, row in dump_rows(app))
