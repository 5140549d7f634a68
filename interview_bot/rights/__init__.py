"""Personal-data rights of an actor: download all their data, delete their account; retention purge."""
from .routes import bp

__all__ = ["bp"]
