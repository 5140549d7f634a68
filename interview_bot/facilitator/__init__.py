"""The facilitator (animateur) workspace: actors, the proposal queue, unrecognised answers,
the synergy pipeline, the dashboard, exports and the printable report.

Each module registers its routes on the one blueprint (`blueprint.bp`).
"""
from . import actors, dashboard, exports, login, pipeline, queue, rights, unknown  # noqa: F401 - registers the routes
from .blueprint import bp

__all__ = ["bp"]
