"""A real SMTP server on a spare loopback port (aiosmtpd), and users with e-mail addresses."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from tests import factories as f


def spare_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope)
        return "250 Message accepted for delivery"


class SMTPServer:
    """An SMTP server that keeps what it receives; it can be stopped and started again on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.received: list = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Collect(self.received), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.received]

    def recipients(self) -> list[list[str]]:
        return [list(e.rcpt_tos) for e in self.received]


@pytest.fixture
def smtp(settings):
    """The portal sends through a real SMTP server listening on 127.0.0.1:<spare port>."""
    server = SMTPServer(spare_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.PORTAL_BASE_URL = "https://shuangjian.example.gov.cn"
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_throttle_left():
    cache.clear()
    yield
    cache.clear()


def with_email(user, address):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def district_staff(district_user):
    return with_email(district_user, "district1@example.gov.cn")


@pytest.fixture
def school_staff(school_user):
    return with_email(school_user, "school-a@example.edu.cn")


@pytest.fixture
def other_school_staff(school_a):
    return with_email(
        f.user_with_role("school", username="school-a-2", school=school_a, district=school_a.district),
        "school-a-2@example.edu.cn",
    )
