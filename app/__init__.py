"""Application factory: wiring only."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import content, limits, transactions
from app.extensions import babel, csrf, db, login_manager, migrate
from app.i18n import select_locale, select_timezone
from app.ids import BoundedIntConverter
from app.security import keep_reports_out_of_logs, set_security_headers
from config import BASE_DIR, CONFIGS, INSTANCE_DIR, Config


def create_app(config_class: type[Config] | None = None, strict_content: bool = True) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("DARI_CONFIG", "development")]
    app = Flask(
        __name__,
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    config_class.finalize(app.config)
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = transactions.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["SQLALCHEMY_ENGINE_OPTIONS"],
        app.config["DB_LOCK_TIMEOUT_MS"],
        app.config.get("DB_RANDOM_PAGE_COST"),
    )
    _trust_proxies(app)
    _init_extensions(app)
    if app.config.get("DB_WRITE_GUARD"):
        transactions.install_write_guard()
    content.init_app(app, strict=strict_content)
    _register_blueprints(app)
    from app.reports import surface as report_surface

    report_surface.init_app(app)  # the anonymous surface keeps apart from the account session
    app.after_request(set_security_headers)
    keep_reports_out_of_logs()

    from app import cli, templating

    cli.register(app)
    templating.register(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT reverse proxies, take the client's address, scheme and host from
    the X-Forwarded-* headers those proxies set (and only as many hops as there are proxies)."""
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limits.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    from app import models  # noqa: F401  (registers every table)
    from app.auth.session import load_user

    login_manager.user_loader(load_user)


def _register_blueprints(app: Flask) -> None:
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.classes import bp as classes_bp
    from app.counsel import bp as counsel_bp
    from app.errors import bp as errors_bp
    from app.learn import bp as learn_bp
    from app.main import bp as main_bp
    from app.reports import bp as reports_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(learn_bp, url_prefix="/learn")
    app.register_blueprint(classes_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(counsel_bp, url_prefix="/counsel")
