"""A real SMTP server on loopback, standing in for the mail provider the guide configures.

It speaks SMTP with AUTH on a plain connection (EMAIL_USE_TLS=false), so the
example's settings log in with EMAIL_HOST_USER and EMAIL_HOST_PASSWORD as
they would at Gmail or Mailgun, and it keeps every message it receives.
"""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class RecordingSMTPServer:
    def __init__(self, port):
        self.port = port
        self.messages = []  # (envelope sender, recipients, parsed message, login)
        self.logins = []
        self._lock = threading.Lock()
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=port,
            authenticator=self._authenticate,
            auth_require_tls=False,  # EMAIL_USE_TLS=false: no TLS on loopback
            ready_timeout=10,
        )

    def start(self):
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        with self._lock:
            self.logins.append((login, auth_data.password.decode()))
        return AuthResult(success=True, auth_data=login)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), message, session.auth_data)
            )
        return "250 Message accepted for delivery"

    def wait_for(self, predicate, timeout=10):
        """The first received message for which predicate(message) holds, or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for received in self.messages:
                    if predicate(received):
                        return received
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
