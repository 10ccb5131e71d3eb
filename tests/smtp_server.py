"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting what it receives.

conftest.py loads this module as a plugin, so the `smtp_server` fixture is there in every test
file without an import (`free_port` still needs `from smtp_server import free_port`):

    def test_mail(app_factory, smtp_server):
        app = app_factory(MAIL_PORT=smtp_server.port)
        ...
        [received] = smtp_server.wait_for(1)
        assert received.rcpt_tos == ["counselor1@alpha.example"]
        assert "R-" in received.message["Subject"]

The fixture starts the server before the test and stops it (and its thread) after.
"""

import asyncio
import email
import socket
import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (at the moment of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes

    @property
    def body(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


class _Collector:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        if self.server.refuse_data:
            return self.server.refuse_data
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=policy.default)
        count = self.server._add(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
        if count == self.server.stall_at:
            # The message is in; the client waits for our 250, which comes only after release().
            self.server.stalled.set()
            while not self.server._released.is_set():
                await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"


class SMTPServer:
    """start() / stop(); .messages holds every Received, in arrival order."""

    host = "127.0.0.1"

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        # stall_at = n: the n-th message is stored, then its 250 is held back until release()
        # (a client killed meanwhile has sent it without learning so). stalled is set then.
        self.stall_at: int | None = None
        self.stalled = threading.Event()
        self._released = threading.Event()
        # A reply such as "451 4.3.0 Try again later" refuses every message at DATA.
        self.refuse_data: str | None = None

    def _add(self, received: Received) -> int:
        with self._lock:
            self.messages.append(received)
            return len(self.messages)

    def release(self) -> None:
        self._released.set()

    def start(self) -> "SMTPServer":
        self._controller = Controller(_Collector(self), hostname=self.host, port=self.port, ready_timeout=5)
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release()
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received_by(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until at least count messages arrived; returns them all (fails after timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} email(s) within {timeout}s, got {len(self.messages)}")
            time.sleep(0.02)


@pytest.fixture
def smtp_server():
    server = SMTPServer().start()
    try:
        yield server
    finally:
        server.stop()
