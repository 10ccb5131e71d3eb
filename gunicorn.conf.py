"""Gunicorn settings for Dari (`gunicorn -c gunicorn.conf.py wsgi:app`). Every value can be set
from the environment, so the same file serves a VM, the compose file and the load benchmark."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
worker_class = "sync"  # the reverse proxy buffers slow clients
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows into an outage.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Load Dari once in the master and fork every worker from it. Loading takes about a second
# (content, templates); a worker loading itself after each recycle left its share of requests
# waiting that long, every few seconds under load. Forked, it serves at once, and the start-up
# objects wsgi.py freezes stay shared between workers instead of being copied into each.
preload_app = True

# Never log client addresses: no access log at all. Errors go to stderr (they name no client).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Dari reads X-Forwarded-* through ProxyFix (TRUSTED_PROXY_COUNT); gunicorn's own handling stays
# limited to the local proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _dari():
    """Dari's app when it is what these settings serve (preloaded); None for another app served
    with them (scripts/bench_bare.py)."""
    import sys

    return sys.modules["wsgi"].app if "wsgi" in sys.modules else None


def when_ready(server):
    """In the master, before the first fork: compile every template and SQL statement and load the
    dates' data (app/warmup.py), so that no worker (new or recycled) does it on its first requests,
    then freeze that too."""
    import gc

    app = _dari()
    if app is None:
        return
    from app.warmup import warm

    try:
        warm(app)
    except Exception:  # a cold start is slower, never a reason not to serve
        server.log.exception("warm-up failed: workers will start cold")
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Database connections opened in the master must never be shared with a worker (SQLAlchemy's
    advice for forked processes): the worker's pool starts empty."""
    app = _dari()
    if app is None:
        return
    from app.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)


def worker_exit(server, worker):
    """Give the alerts this worker queued a moment to go out before it exits; whatever is left
    stays in the outbox for `flask outbox deliver`."""
    if _dari() is None:
        return
    from app.notify.sender import sender

    sender.wait_idle(timeout=10)
