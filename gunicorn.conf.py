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
max_requests = 5000
max_requests_jitter = 500

# Never log client addresses: no access log at all. Errors go to stderr (they name no client).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Dari reads X-Forwarded-* through ProxyFix (TRUSTED_PROXY_COUNT); gunicorn's own handling stays
# limited to the local proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def worker_exit(server, worker):
    """Give the alerts this worker queued a moment to go out before it exits; whatever is left
    stays in the outbox for `flask outbox deliver`."""
    from app.notify.sender import sender

    sender.wait_idle(timeout=10)
