"""A real SMTP server on loopback, standing in for the mail provider the guide configures.

It speaks SMTP with AUTH on a plain connection (EMAIL_USE_TLS=false), so the
example's settings log in with EMAIL_HOST_USER and EMAIL_HOST_PASSWORD as
they would at Gmail or Mailgun, and it keeps every message it receives.
"""

import email
import email.policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from polling import wait_until


class RecordingSMTPServer:
    """A context manager: the server runs inside `with`; `messages` holds (envelope sender, recipients, parsed message, login)."""

    def __init__(self, port):
        self.port, self.messages = port, []  # appended by the server's thread, read by the tests' (a list is safe for that)
        # auth_require_tls=False: EMAIL_USE_TLS=false, no TLS on loopback; any login is accepted, and recorded.
        accept = lambda server, session, envelope, mechanism, auth_data: AuthResult(success=True, auth_data=auth_data.login.decode())  # noqa: E731
        self.controller = Controller(self, hostname="127.0.0.1", port=port, authenticator=accept, auth_require_tls=False, ready_timeout=10)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exception):
        self.controller.stop()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message, session.auth_data))
        return "250 Message accepted for delivery"

    def wait_for(self, predicate, timeout=10):
        """The first received message for which predicate(message) holds, or None after timeout."""
        found = wait_until(lambda: [received for received in list(self.messages) if predicate(received)], timeout, every=0.05)
        return found[0] if found else None
