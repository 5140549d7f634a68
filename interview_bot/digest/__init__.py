"""Nightly email digests for actors and facilitators, sent once and only once.

- `collect`: what is new for each person of a territory (both partitions, read only)
- `compose`: subject, text and HTML in the person's language, personal links, headers
- `run`: `send_digests()` records each digest in the outbox and sends it (interview_bot.mail)
- `routes`: the unsubscribe page and the facilitator's preview (blueprint `digest`)
- `clock`: the scheduler behind the Procfile's `clock:` process
"""
from .routes import bp
from .run import DigestReport, preview, send_digests

__all__ = ["DigestReport", "bp", "preview", "send_digests"]
