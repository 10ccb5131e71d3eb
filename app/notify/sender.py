"""Sending a new report's alerts right after the request, without making the reporter wait.

One sender thread per process, fed by a bounded queue: a burst of reports queues ids, it does not
start a thread each. Whatever the thread does not get to (a full queue, a process that exits, a
mail server that is down) stays in the outbox for `flask outbox deliver`, which cron runs every
minute; rows are claimed before sending, so the two never send the same alert twice.
"""

import logging
import os
import queue
import threading
import time
from collections.abc import Iterable

from flask import Flask, current_app

from app.extensions import db

log = logging.getLogger("app.notify")

MAX_QUEUED = 500  # batches of ids; beyond this cron delivers


class Sender:
    def __init__(self, maxsize: int = MAX_QUEUED):
        self._queue: queue.Queue[tuple[Flask, list[int]]] = queue.Queue(maxsize=maxsize)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def submit(self, app: Flask, ids: list[int]) -> bool:
        """Queue these outbox ids; False when the queue is full (cron will send them)."""
        self._ensure_thread()
        try:
            self._queue.put_nowait((app, ids))
        except queue.Full:
            log.warning("outbox: sender queue full; %d alert(s) left for cron", len(ids))
            return False
        return True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until everything queued so far has been tried (tests, and a clean shutdown)."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

    def _ensure_thread(self) -> None:
        # A forked worker (gunicorn) inherits the object but not the thread: start its own.
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="dari-outbox", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            app, ids = self._queue.get()
            try:
                self._send(app, ids)
            finally:
                self._queue.task_done()

    @staticmethod
    def _send(app: Flask, ids: list[int]) -> None:
        from app.notify.mailer import deliver

        with app.app_context():
            try:
                deliver(ids=ids)
            except Exception as exc:  # noqa: BLE001 - a background thread has nobody to raise to
                db.session.rollback()
                log.error("outbox: background delivery failed (%s); cron will retry", type(exc).__name__)
            finally:
                db.session.remove()


sender = Sender()


def deliver_after_request(ids: Iterable[int]) -> bool:
    """Hand these outbox rows to this process's sender when OUTBOX_DELIVER_AFTER_REQUEST is on;
    otherwise leave them to `flask outbox deliver`. Call after the commit. Never raises.
    True when queued."""
    try:
        if not current_app.config.get("OUTBOX_DELIVER_AFTER_REQUEST"):
            return False
        ids = [getattr(i, "id", i) for i in ids or ()]
        if not ids:
            return False
        return sender.submit(current_app._get_current_object(), ids)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - the report is saved; cron delivers what is left
        log.error("outbox: could not queue background delivery (%s)", type(exc).__name__)
        return False
