"""Who is who: actors arrive through a personal link; facilitators log in."""
from .routes import bp

__all__ = ["bp"]
