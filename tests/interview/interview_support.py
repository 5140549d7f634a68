"""Helpers for the interview tests: a loopback SMTP inbox and a CSRF-aware client."""
from __future__ import annotations

import email
import email.policy
import re
import threading

from interview_bot.auth.tokens import make_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class Visitor:
    """A test client that fills in the CSRF token of the last page, like a browser would."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.token = None
        self.last = None

    def get(self, path, **kw):
        response = self.client.get(path, **kw)
        self._remember(response)
        return response

    def post(self, path, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/")
            data.setdefault("csrf_token", self.token)
        response = self.client.post(path, data=data, **kw)
        self._remember(response)
        return response

    def _remember(self, response):
        self.last = response
        found = CSRF.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)

    def open_link(self, actor_id: str):
        with self.app.test_request_context():
            token = make_token(actor_id, "interview")
        return self.get(f"/a/{token}")
