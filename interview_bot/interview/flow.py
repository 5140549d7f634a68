"""The interview's steps and what happens to an answer, without Flask request handling.

Order of work for every free-text answer: it is committed to the vault first
(`save_answer`, idempotent on the form's submission id), then read by nlp/, and
the resources read from it replace the previous ones of that answer.
"""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

from data import Store
from data.answers import quantity_band, replace_resources
from data.interviews import Progress, record_items, update_item
from data.types import Actor, Answer, Quantity
from nlp.extract import extract
from nlp.lexical import fold
from nlp.normalise import get_normaliser
from nlp.text import MAX_CHARS

from ..ingest import TOPIC_DIRECTION, extra_synonyms, resource_from_item

STEPS = ("consent", "identity", "offers", "needs", "problems", "swot", "summary")
STEP_TITLES = {
    "consent": _l("Welcome and consent"),
    "identity": _l("Who you are"),
    "offers": _l("What you could offer"),
    "needs": _l("What you need"),
    "problems": _l("Problems and pooling ideas"),
    "swot": _l("Strengths and difficulties"),
    "summary": _l("Summary"),
}
# Free-text topics of the notes steps; their names are what the facilitator's SWOT reads.
NOTE_TOPICS = {"problems": ("problems", "opportunities"), "swot": ("strengths", "constraints")}
FREQUENCIES = ("per_day", "per_week", "per_month", "per_year", "once", "continuous")
SURE_ABOVE = 0.5  # below this confidence the top candidates are offered as a choice
KEEP_AS_WRITTEN = "keep"


class AnswerRefused(ValueError):
    """The answer cannot be taken as it is; the message says what is expected."""


def next_step(progress: Progress) -> str:
    for step in STEPS:
        if step not in progress.steps_done:
            return step
    return "summary"


def mark_done(progress: Progress, step: str) -> None:
    if step in STEPS and step not in progress.steps_done:
        progress.steps_done.append(step)


def clean_answer(text: str | None, *, required: bool = True) -> str:
    """Validate a free-text answer: not empty, not too long; control characters removed."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if not text and required:
        raise AnswerRefused(_l("Your answer is empty. Write a few words, or use the button to skip this question."))
    if len(text) > MAX_CHARS:
        raise AnswerRefused(_l("Your answer is %(n)s characters long; the limit is %(max)s. Split it into several "
                               "answers with “Add another”.", n=len(text), max=MAX_CHARS))
    return text


def read_answer(store: Store, actor: Actor, answer: Answer, sharing: str) -> int:
    """Read the items of an offers/needs answer and store them; returns how many."""
    direction = TOPIC_DIRECTION[answer.topic]
    normaliser = get_normaliser(extra_synonyms(store))
    items = [i for i in normaliser.normalise(answer.text, lang=answer.lang, direction=direction)
             if not i.mention.negated]
    pairs = [(resource_from_item(item, direction, sharing), item.mention.quantity) for item in items]
    if not items:
        # Nothing recognised: keep the whole answer as one item for the facilitator to read.
        from data.types import Resource  # noqa: PLC0415

        pairs = [(Resource(id="", actor_id="", direction=direction, node_id=None, status="unknown",
                           head=" ".join(fold(answer.text))[:200], sharing=sharing), None)]  # type: ignore[arg-type]
    stored = replace_resources(store, actor.id, answer.id, pairs)
    record_items(store, actor.id, answer.id,
                 [(r.id, [(c.id, c.score) for c in item.candidates]) for r, item in zip(stored, items)]
                 if items else [(stored[0].id, [])])
    return len(stored)


def parse_follow_up(quantity_text: str, when_text: str, head: str, lang: str):
    """Quantity, frequency and months from the follow-up fields, read with the resource's name."""
    words = " ".join(w for w in (quantity_text, when_text) if w)
    if not words:
        return None, None, ()
    joiner = " of " if lang == "en" else " de "
    quantity, frequency, months = None, None, ()
    for mention in extract(f"{words}{joiner}{head or 'ressource'}", lang=lang):
        quantity = quantity or mention.quantity
        frequency = frequency or mention.frequency
        months = months or mention.months
    return quantity, frequency, tuple(months)


def confirm_item(store: Store, actor: Actor, item: dict, form, lang: str, quantities: dict[str, Quantity]) -> None:
    """Apply the actor's answers on one item of the confirmation form."""
    rid = item["id"]
    choice = form.get(f"node-{rid}") or ""
    allowed = {c[0] for c in item["candidates"]}
    if choice == KEEP_AS_WRITTEN or not choice and not allowed:
        node_id, status = None, "unknown"
    elif choice in allowed:
        node_id, status = choice, "confirmed"
    else:
        raise AnswerRefused(_l("Please choose one of the proposed meanings for each item."))
    sharing = form.get(f"share-{rid}") or item["sharing"]
    if sharing not in ("named", "anonymous", "facilitator"):
        raise AnswerRefused(_l("Please choose who may see each item."))
    quantity_text = clean_answer(form.get(f"qty-{rid}"), required=False)[:200]
    when_text = clean_answer(form.get(f"when-{rid}"), required=False)[:200]
    quantity, frequency, months = parse_follow_up(quantity_text, when_text, item["head"], lang)
    frequency = frequency or item["frequency"]
    if form.get(f"freq-{rid}") in FREQUENCIES:
        frequency = form.get(f"freq-{rid}")
    months = months or tuple(item["months"])
    if quantity is None:
        band = None
    else:
        band = quantity_band(quantity.value)
    detail = {
        "quantity_text": quantity_text if quantity_text and quantity is None else "",
        "when": when_text,
        "availability": clean_answer(form.get(f"avail-{rid}"), required=False)[:300],
        "condition": clean_answer(form.get(f"cond-{rid}"), required=False)[:300],
    }
    update_item(store, actor.id, rid, node_id=node_id, status=status, sharing=sharing, frequency=frequency,
                months=months, quantity=quantity, band=band, detail=detail)
    if quantity is not None:
        quantities[rid] = quantity
