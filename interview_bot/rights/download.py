"""One actor's data as a downloaded JSON file (data.export assembles it; this only names and sends it)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import Response
from flask_babel import get_locale

from data import Store
from data.actors import get_actor
from data.export import export_actor
from data.proposals import load_proposal
from data.taxonomy import load_taxonomy
from matcher import explain

from ..matching import territory_actors


def export_file(store: Store, actor_id: str, *, who: str, user_id: int | None = None,
                name: str = "symbiose-my-data") -> Response:
    """The actor's export as an attachment named `<name>-<YYYY-MM-DD>.json`."""
    lang = str(get_locale() or "fr")
    taxonomy = load_taxonomy()
    facts = {a.id: a for a in territory_actors(store, get_actor(store, actor_id).territory_id)}

    def describe(row: dict, reveal: frozenset[str]) -> str:
        # The sentence the actor reads on their pages: counterparties by sector and distance
        # unless every party accepted the introduction.
        return explain(load_proposal(row), taxonomy, facts, lang=lang, reveal=reveal)

    document = export_actor(store, actor_id, who=who, user_id=user_id, describe=describe, lang=lang,
                            taxonomy=taxonomy)
    day = datetime.now(timezone.utc).date().isoformat()
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}-{day}.json"'})
