"""The interview pages, at /me/interview: plain forms, Post/Redirect/Get, enhanced by static/interview.js."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from data import Store
from data.actors import get_actor, read_identity, set_status, update_identity
from data.answers import delete_answer, list_answers, save_answer
from data.interviews import (
    forget_answer_items, get_answer, get_progress, list_items, read_details, read_quantities, remove_item,
    save_progress,
)
from data.taxonomy import load_taxonomy
from data.types import SHARING_LEVELS, Actor

from ..db import get_store
from ..matching import refresh_actor
from . import sector
from .flow import (
    FREQUENCIES, KEEP_AS_WRITTEN, NOTE_TOPICS, STEP_TITLES, STEPS, SURE_ABOVE, AnswerRefused, clean_answer,
    confirm_item, mark_done, next_step, read_answer,
)
from .places import locate, valid_coordinates

bp = Blueprint("interview", __name__, url_prefix="/me/interview")
SIZES = ("1-9", "10-49", "50-249", "250+")


def lang() -> str:
    return str(get_locale() or "fr")


def current_actor(store: Store) -> Actor:
    actor_id = session.get("actor_id")
    actor = None
    if actor_id:
        try:
            actor = get_actor(store, actor_id)
        except Exception:  # noqa: BLE001 - the actor was deleted meanwhile
            session.pop("actor_id", None)
    if actor is None:
        abort(make_response(render_template(
            "error.html", title=_("Please open your personal link"),
            message=_("This page belongs to an actor's personal space. Open the link you received by email, "
                      "or ask for a new one on the home page.")), 401))
    return actor


def who(actor: Actor) -> str:
    return f"actor:{actor.id}"


def submission_id() -> str:
    """A fresh id for each form shown: the same form submitted twice stores one answer."""
    return secrets.token_urlsafe(16)


def after_change(store: Store, actor: Actor) -> None:
    """An edit after completion re-matches this actor's resources at once."""
    if get_progress(store, actor.id).completed_at:
        refresh_actor(store, actor.id)


@bp.context_processor
def interview_context() -> dict:
    return {"steps": STEPS, "step_titles": STEP_TITLES, "sharing_levels": SHARING_LEVELS,
            "new_submission_id": submission_id}


def page(template: str, store: Store, actor: Actor, step: str, status: int = 200, **values):
    progress = get_progress(store, actor.id)
    done = [s for s in STEPS if s in progress.steps_done]
    return render_template(template, step=step, progress=progress, done=done, **values), status


# ------------------------------------------------------------------ navigation

@bp.get("/")
def start():
    store = get_store()
    actor = current_actor(store)
    return redirect(url_for(f"interview.{next_step(get_progress(store, actor.id))}"))


@bp.post("/<any(consent,identity,offers,needs,problems,swot):step>/next")
def step_done(step: str):
    store = get_store()
    actor = current_actor(store)
    progress = get_progress(store, actor.id)
    if not progress.consent_at:
        return redirect(url_for("interview.consent"))
    mark_done(progress, step)
    save_progress(store, progress)
    following = STEPS[STEPS.index(step) + 1]
    return redirect(url_for(f"interview.{following}"))


# ------------------------------------------------------------------ 1. consent

@bp.route("/consent", methods=["GET", "POST"])
def consent():
    store = get_store()
    actor = current_actor(store)
    progress = get_progress(store, actor.id)
    if request.method == "POST":
        sharing = request.form.get("sharing")
        if sharing not in SHARING_LEVELS or not request.form.get("agree"):
            flash(_("To continue, tick the box and choose who may see your answers by default."), "error")
            return page("interview/consent.html", store, actor, "consent", 400)
        progress.consent_at = progress.consent_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
        progress.default_sharing = sharing
        mark_done(progress, "consent")
        save_progress(store, progress)
        if actor.status == "invited":
            set_status(store, actor.id, "in_progress")
        return redirect(url_for("interview.identity"))
    return page("interview/consent.html", store, actor, "consent")


def require_consent(store: Store, actor: Actor):
    if not get_progress(store, actor.id).consent_at:
        return redirect(url_for("interview.consent"))
    return None


# ------------------------------------------------------------------ 2. who you are

@bp.route("/identity", methods=["GET", "POST"])
def identity():
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    ident = read_identity(store, actor.id, who=who(actor))
    activity = list_answers(store, actor.id, who=who(actor), topic="activity")
    values = {"name": ident.name or "", "activity": activity[0].text if activity else "",
              "commune": ident.commune or "", "postcode": ident.postcode or "", "size": ident.size or ""}
    if request.method == "GET":
        return page("interview/identity.html", store, actor, "identity", values=values, sizes=SIZES)
    form = request.form
    values.update({k: (form.get(k) or "").strip() for k in ("name", "activity", "commune", "postcode", "size")})
    try:
        text = clean_answer(values["activity"])
        name = clean_answer(values["name"])[:200]
    except Exception as exc:  # noqa: BLE001 - AnswerRefused: say what is expected
        flash(_("Please give the name of your organisation and describe your activity in a few words."), "error")
        return page("interview/identity.html", store, actor, "identity", 400, values=values, sizes=SIZES,
                    error=str(exc))
    save_answer(store, actor.id, "activity", text, lang=lang(), submission_id=form.get("submission_id") or None,
                answer_id=activity[0].id if activity else None)
    ident.name = name
    ident.commune = values["commune"][:100] or None
    ident.postcode = "".join(ch for ch in values["postcode"] if ch.isalnum())[:10] or None
    ident.size = values["size"] if values["size"] in SIZES else None
    coords = valid_coordinates(form.get("lat"), form.get("lon"))
    place = None if coords else locate(ident.commune, ident.postcode)
    if coords:
        ident.lat, ident.lon = coords
    elif place:
        ident.lat, ident.lon = place.lat, place.lon
    elif ident.commune:
        flash(_("We could not place “%(commune)s” on the map; the facilitator will check it. "
                "You may also use your current position.", commune=ident.commune), "warning")
    update_identity(store, actor.id, ident, lang=lang())
    after_change(store, actor)
    return redirect(url_for("interview.sector_confirm"))


@bp.route("/identity/sector", methods=["GET", "POST"])
def sector_confirm():
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    ident = read_identity(store, actor.id, who=who(actor))
    if request.method == "POST":
        code = request.form.get("other") or request.form.get("division") or ""
        if code not in sector.DIVISIONS:
            flash(_("Please choose the sector that fits your activity best."), "error")
        else:
            ident.naf = ident.naf if (ident.naf or "").startswith(code) else code
            update_identity(store, actor.id, ident)
            progress = get_progress(store, actor.id)
            mark_done(progress, "identity")
            save_progress(store, progress)
            after_change(store, actor)
            return redirect(url_for("interview.offers"))
    activity = list_answers(store, actor.id, who=who(actor), topic="activity")
    suggestions = sector.suggest(activity[0].text) if activity else []
    current = (ident.naf or "")[:2]
    if current in sector.DIVISIONS and current not in suggestions:
        suggestions.insert(0, current)
    return page("interview/sector.html", store, actor, "identity", activity=activity[0].text if activity else "",
                suggestions=[(c, sector.label(c, lang())) for c in suggestions], all=sector.choices(lang()),
                located=ident.lat is not None, commune=ident.commune)


# ------------------------------------------------------------------ 3-4. offers and needs

def topic_answers(store: Store, actor: Actor, topic: str) -> list[tuple]:
    answers = list_answers(store, actor.id, who=who(actor), topic=topic)
    return [(a, list_items(store, a.id)) for a in answers]


def node_label(node_id: str | None) -> str:
    if not node_id:
        return ""
    taxonomy = load_taxonomy()
    return taxonomy[node_id].label(lang()) if node_id in taxonomy.nodes else node_id


def resources(topic: str):
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    text = request.form.get("text", "")
    if request.method == "POST":
        try:
            text = clean_answer(text)
        except AnswerRefused as exc:
            return page("interview/topic.html", store, actor, topic, 400, topic=topic, error=str(exc), text=text,
                        history=topic_answers(store, actor, topic), label=node_label)
        answer = save_answer(store, actor.id, topic, text, lang=lang(),
                             submission_id=request.form.get("submission_id") or None)
        if not list_items(store, answer.id):  # a repeated submission was already read
            read_answer(store, actor, answer, get_progress(store, actor.id).default_sharing)
        return redirect(url_for("interview.confirm", answer_id=answer.id))
    return page("interview/topic.html", store, actor, topic, topic=topic, text="",
                history=topic_answers(store, actor, topic), label=node_label)


bp.add_url_rule("/offers", endpoint="offers", view_func=resources, defaults={"topic": "offers"},
                methods=["GET", "POST"])
bp.add_url_rule("/needs", endpoint="needs", view_func=resources, defaults={"topic": "needs"},
                methods=["GET", "POST"])


def own_answer(store: Store, actor: Actor, answer_id: str):
    answer = get_answer(store, answer_id, actor.id)
    if answer is None:
        abort(make_response(render_template(
            "error.html", title=_("Answer not found"),
            message=_("This answer does not exist or was removed.")), 404))
    return answer


@bp.route("/answer/<answer_id>", methods=["GET", "POST"])
def confirm(answer_id: str):
    store = get_store()
    actor = current_actor(store)
    answer = own_answer(store, actor, answer_id)
    items = list_items(store, answer.id)
    quantities = read_quantities(store, actor.id)
    error = None
    if request.method == "POST":
        try:
            for item in items:
                if request.form.get(f"remove-{item['id']}"):
                    remove_item(store, item["id"])
                else:
                    confirm_item(store, actor, item, request.form, answer.lang, quantities)
        except AnswerRefused as exc:
            error = str(exc)
        else:
            after_change(store, actor)
            flash(_("Thank you, it is noted."), "success")
            back = answer.topic if answer.topic in ("offers", "needs") else "summary"
            return redirect(url_for(f"interview.{back}") + "#last")
    return page("interview/confirm.html", store, actor, answer.topic, 400 if error else 200, answer=answer,
                items=items, quantities=quantities, details=read_details(store, actor.id), error=error,
                label=node_label, sure_above=SURE_ABOVE, keep=KEEP_AS_WRITTEN, frequencies=FREQUENCIES)


@bp.route("/answer/<answer_id>/edit", methods=["GET", "POST"])
def edit(answer_id: str):
    store = get_store()
    actor = current_actor(store)
    answer = own_answer(store, actor, answer_id)
    text = answer.text
    if request.method == "POST":
        try:
            text = clean_answer(request.form.get("text"))
        except AnswerRefused as exc:
            return page("interview/edit.html", store, actor, "summary", 400, answer=answer,
                        text=request.form.get("text", ""), error=str(exc))
        answer = save_answer(store, actor.id, answer.topic, text, lang=lang(), answer_id=answer.id)
        if answer.topic in ("offers", "needs"):
            read_answer(store, actor, answer, get_progress(store, actor.id).default_sharing)
            after_change(store, actor)
            return redirect(url_for("interview.confirm", answer_id=answer.id))
        flash(_("Your answer was updated."), "success")
        return redirect(url_for("interview.summary"))
    return page("interview/edit.html", store, actor, "summary", answer=answer, text=text)


@bp.post("/answer/<answer_id>/delete")
def remove(answer_id: str):
    store = get_store()
    actor = current_actor(store)
    answer = own_answer(store, actor, answer_id)
    forget_answer_items(store, answer.id)
    delete_answer(store, answer.id)
    after_change(store, actor)
    flash(_("The answer was removed."), "success")
    return redirect(request.form.get("next") == "topic" and url_for(f"interview.{answer.topic}")
                    or url_for("interview.summary"))


# ------------------------------------------------------------------ 5. problems, pooling ideas, SWOT

def notes(step: str):
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    topics = NOTE_TOPICS[step]
    if request.method == "POST":
        texts = {}
        try:
            for topic in topics:
                texts[topic] = clean_answer(request.form.get(topic), required=False)
        except AnswerRefused as exc:
            return page("interview/notes.html", store, actor, step, 400, topics=topics, error=str(exc),
                        texts={t: request.form.get(t, "") for t in topics},
                        history={t: list_answers(store, actor.id, who=who(actor), topic=t) for t in topics})
        for topic, text in texts.items():
            if text:
                sid = request.form.get("submission_id")
                save_answer(store, actor.id, topic, text, lang=lang(), submission_id=f"{sid}:{topic}" if sid else None)
        progress = get_progress(store, actor.id)
        mark_done(progress, step)
        save_progress(store, progress)
        return redirect(url_for(f"interview.{STEPS[STEPS.index(step) + 1]}"))
    return page("interview/notes.html", store, actor, step, topics=topics, texts={t: "" for t in topics},
                history={t: list_answers(store, actor.id, who=who(actor), topic=t) for t in topics})


bp.add_url_rule("/problems", endpoint="problems", view_func=notes, defaults={"step": "problems"},
                methods=["GET", "POST"])
bp.add_url_rule("/swot", endpoint="swot", view_func=notes, defaults={"step": "swot"}, methods=["GET", "POST"])


# ------------------------------------------------------------------ 6. summary and done

@bp.get("/summary")
def summary():
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    ident = read_identity(store, actor.id, who=who(actor))
    answers = list_answers(store, actor.id, who=who(actor))
    by_topic: dict[str, list] = {}
    for answer in answers:
        by_topic.setdefault(answer.topic, []).append((answer, list_items(store, answer.id)))
    division = (ident.naf or "")[:2]
    return page("interview/summary.html", store, actor, "summary", identity=ident, by_topic=by_topic,
                sector=sector.label(division, lang()) if division in sector.DIVISIONS else "",
                quantities=read_quantities(store, actor.id), details=read_details(store, actor.id),
                label=node_label)


@bp.post("/finish")
def finish():
    store = get_store()
    actor = current_actor(store)
    if (gate := require_consent(store, actor)) is not None:
        return gate
    progress = get_progress(store, actor.id)
    for step in STEPS:
        mark_done(progress, step)
    progress.completed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    save_progress(store, progress)
    set_status(store, actor.id, "completed")
    refresh_actor(store, actor.id)
    return redirect(url_for("interview.done"))


@bp.get("/done")
def done():
    store = get_store()
    actor = current_actor(store)
    return page("interview/done.html", store, actor, "summary")
