"""Export one actor's data on their behalf (an actor who asks by phone or by letter).

The same JSON file the actor downloads from their space (interview_bot.rights), for
an actor of the facilitator's territory only; written to the audit log as an export,
a read of vault data, naming the facilitator.
"""
from __future__ import annotations

from flask_login import current_user, login_required

from ..db import get_store
from ..rights.download import export_file
from .actors import actor_or_404
from .blueprint import bp, territory_or_404, who


@bp.get("/t/<slug>/actors/<actor_id>/export.json")
@login_required
def actor_export(slug: str, actor_id: str):
    territory = territory_or_404(slug)
    actor_or_404(territory, actor_id)
    return export_file(get_store(), actor_id, who=who(), user_id=current_user.id, name=f"symbiose-{actor_id}")
