"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app.extensions import db
from conftest import TEST_DATABASE_URL


def test_migrations_match_the_models(app_factory, tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'migrated.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    assert diff == [], f"models and migrations differ; run `make migrate m='...'`: {diff}"
