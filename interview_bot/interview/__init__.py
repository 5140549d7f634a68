"""The guided chat interview at /me/interview (issue 4): consent, who you are, offers, needs,
problems and pooling ideas, strengths and difficulties, summary."""
from .routes import bp

__all__ = ["bp"]
