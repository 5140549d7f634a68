"""Actors of a territory: list with interview status, invitations, answers read and edited on their behalf."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from data import SymbioseError, UnknownActor
from data.actors import create_actor, find_by_email, find_by_ref, get_actor, read_identity, set_status
from data.answers import MAX_ANSWER_CHARS, list_answers, list_resources, save_answer
from data.db import transaction
from data.directory import answer_dates, names
from data.store import now
from data.types import Identity

from ..db import get_store
from ..ingest import normalise_answer
from ..matching import refresh_actor
from ..web import LOCALES
from .blueprint import bp, node_label, taxonomy, territory_or_404, who
from .emails import send_invitation

TOPICS = ("activity", "offers", "needs", "problems", "opportunities", "strengths", "constraints")
MAX_CSV_ROWS = 1000
MAX_CSV_BYTES = 1_000_000


def actor_or_404(territory: dict, actor_id: str):
    try:
        actor = get_actor(get_store(), actor_id)
    except UnknownActor:
        abort(404)
    if actor.territory_id != territory["id"]:
        abort(404)
    return actor


def _invite(store, territory: dict, actor_id: str, kind: str):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    delivery = send_invitation(store, actor_id, territory, key=f"invitation:{actor_id}:{stamp}")
    with transaction(store.public):
        store.public["invitation"].insert({"actor_id": actor_id, "user_id": current_user.id, "kind": kind,
                                           "sent_at": now()})
    return delivery


def _new_actor(store, territory: dict, name: str, email: str, *, ref: str = "", naf: str = "", commune: str = "",
               postcode: str = "", lang: str = "fr"):
    name, email = name.strip(), email.strip()
    if not name or "@" not in email:
        raise SymbioseError(_("An invitation needs a name and an email address."))
    if lang not in LOCALES:
        raise SymbioseError(_("Language must be one of: %(langs)s.", langs=", ".join(LOCALES)))
    if any(get_actor(store, a).territory_id == territory["id"] for a in find_by_email(store, email)):
        return None
    if ref.strip() and find_by_ref(store, territory["id"], ref.strip()[:60]) is not None:
        raise SymbioseError(_ref_taken(ref))
    identity = Identity(name=name[:200], email=email[:200], naf=naf.strip()[:10] or None,
                        commune=commune.strip()[:100] or None, postcode=postcode.strip()[:10] or None)
    return create_actor(store, territory["slug"], ref.strip()[:60] or None, identity, lang=lang, status="invited")


def _ref_taken(ref: str) -> str:
    return _("The reference “%(ref)s” is already used by another actor of the territory.", ref=ref.strip()[:60])


def _ref_clash(store, territory: dict, rows: list[dict]) -> str | None:
    """A reference of the file already used by another actor (of the territory or of the file), if any.

    Checked before anyone is invited, so a refused file invites nobody."""
    owners: dict[str, str] = {}
    for row in rows:
        ref, email = (row.get("ref") or "").strip()[:60], row["email"].strip().lower()
        if not ref:
            continue
        existing = find_by_ref(store, territory["id"], ref)
        if existing is not None and existing.id not in find_by_email(store, email):
            return ref
        if owners.setdefault(ref, email) != email:
            return ref
    return None


@bp.get("/t/<slug>/actors")
@login_required
def actors(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    rows = list(store.public["actor"].rows_where("territory_id = ?", [territory["id"]], order_by="ref"))
    directory = names(store, territory["id"], who=who(), user_id=current_user.id)
    dates = answer_dates(store, [r["id"] for r in rows])
    invited = dict(store.public.execute(
        "SELECT i.actor_id, MAX(i.sent_at) FROM invitation i JOIN actor a ON a.id = i.actor_id "
        "WHERE a.territory_id = ? GROUP BY i.actor_id", [territory["id"]]).fetchall())
    status = request.args.get("status", "")
    if status:
        rows = [r for r in rows if r["status"] == status]
    return render_template("facilitator/actors.html", territory=territory, actors=rows, directory=directory,
                           dates=dates, invited=invited, status=status, locales=LOCALES)


@bp.post("/t/<slug>/actors/invite")
@login_required
def invite(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    form = request.form
    try:
        actor = _new_actor(store, territory, form.get("name", ""), form.get("email", ""), ref=form.get("ref", ""),
                           naf=form.get("naf", ""), commune=form.get("commune", ""), lang=form.get("lang", "fr"))
    except SymbioseError as exc:
        flash(str(exc), "error")
        return redirect(url_for("facilitator.actors", slug=slug))
    if actor is None:
        flash(_("This email address is already an actor of the territory: use “resend the link”."), "error")
        return redirect(url_for("facilitator.actors", slug=slug))
    delivery = _invite(store, territory, actor.id, "invite")
    flash(_("Invitation recorded for %(name)s (email: %(status)s).", name=form.get("name", "").strip(),
            status=_delivery_text(delivery)))
    return redirect(url_for("facilitator.actors", slug=slug))


def _delivery_text(delivery) -> str:
    if delivery.sent:
        return _("sent")
    return _("waiting in the outbox") + (f" — {delivery.error}" if delivery.error else "")


def parse_invitations(data: bytes) -> list[dict]:
    """Rows of an invitation CSV (name, email, optional ref, naf, commune, postcode, lang).

    Comma or semicolon separated (spreadsheets in French write semicolons), UTF-8
    with or without BOM. Raises SymbioseError naming the line of the first problem.
    """
    if len(data) > MAX_CSV_BYTES:
        raise SymbioseError(_("The file is too large (1 MB at most)."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SymbioseError(_("The file is not UTF-8 text: export it as “CSV UTF-8”.")) from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in headers or "email" not in headers:
        raise SymbioseError(_("The first line must name the columns, with at least “name” and “email”."))
    rows = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items()}
        if not any(row.values()):
            continue
        if not row.get("name") or "@" not in row.get("email", ""):
            raise SymbioseError(_("Line %(line)d: a name and an email address are required.", line=number))
        if row.get("lang") and row["lang"] not in LOCALES:
            raise SymbioseError(_("Line %(line)d: language must be one of: %(langs)s.", line=number,
                                  langs=", ".join(LOCALES)))
        rows.append(row)
        if len(rows) > MAX_CSV_ROWS:
            raise SymbioseError(_("At most %(n)d actors per file.", n=MAX_CSV_ROWS))
    return rows


@bp.post("/t/<slug>/actors/invite-csv")
@login_required
def invite_csv(slug: str):
    territory = territory_or_404(slug)
    store = get_store()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("facilitator.actors", slug=slug))
    try:
        rows = parse_invitations(upload.read(MAX_CSV_BYTES + 1))
    except SymbioseError as exc:
        flash(str(exc), "error")
        return redirect(url_for("facilitator.actors", slug=slug))
    if (clash := _ref_clash(store, territory, rows)) is not None:
        flash(_ref_taken(clash), "error")
        return redirect(url_for("facilitator.actors", slug=slug))
    invited = skipped = 0
    for row in rows:
        actor = _new_actor(store, territory, row["name"], row["email"], ref=row.get("ref", ""), naf=row.get("naf", ""),
                           commune=row.get("commune", ""), postcode=row.get("postcode", ""),
                           lang=row.get("lang") or "fr")
        if actor is None:
            skipped += 1
            continue
        _invite(store, territory, actor.id, "invite")
        invited += 1
    flash(_("%(invited)d actors invited, %(skipped)d already known.", invited=invited, skipped=skipped))
    return redirect(url_for("facilitator.actors", slug=slug))


@bp.post("/t/<slug>/actors/<actor_id>/resend")
@login_required
def resend(slug: str, actor_id: str):
    territory = territory_or_404(slug)
    actor_or_404(territory, actor_id)
    delivery = _invite(get_store(), territory, actor_id, "resend")
    flash(_("Link sent again (email: %(status)s).", status=_delivery_text(delivery)))
    return redirect(request.referrer if _same_site(request.referrer) else url_for("facilitator.actors", slug=slug))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


@bp.get("/t/<slug>/actors/<actor_id>")
@login_required
def actor_detail(slug: str, actor_id: str):
    territory = territory_or_404(slug)
    actor = actor_or_404(territory, actor_id)
    store = get_store()
    identity = read_identity(store, actor_id, who=who(), user_id=current_user.id)
    answers = list_answers(store, actor_id, who=who(), user_id=current_user.id)
    resources = list_resources(store, actor_id=actor_id)
    by_answer: dict[str, list] = {}
    for r in resources:
        by_answer.setdefault(r.answer_id or "", []).append(r)
    proposals = list(store.public["proposal"].rows_where(
        "supplier_id = :a OR receiver_id = :a OR members LIKE :like", {"a": actor_id, "like": f'%"{actor_id}"%'},
        order_by="score DESC"))
    invitations = list(store.public["invitation"].rows_where("actor_id = ?", [actor_id], order_by="id DESC"))
    return render_template("facilitator/actor.html", territory=territory, actor=actor, identity=identity,
                           answers=answers, by_answer=by_answer, proposals=proposals, invitations=invitations,
                           topics=TOPICS, tax=taxonomy(store), label=node_label, lang=str(get_locale() or "fr"),
                           max_chars=MAX_ANSWER_CHARS)


@bp.post("/t/<slug>/actors/<actor_id>/answers")
@login_required
def save_answers(slug: str, actor_id: str):
    """Enter or correct an answer on the actor's behalf (after a visit), then re-read and re-match."""
    territory = territory_or_404(slug)
    actor = actor_or_404(territory, actor_id)
    store = get_store()
    text = (request.form.get("text") or "").strip()
    topic = request.form.get("topic") or ""
    answer_id = request.form.get("answer_id") or None
    if topic not in TOPICS:
        flash(_("Choose what the answer is about."), "error")
    elif not text:
        flash(_("An answer cannot be empty."), "error")
    elif len(text) > MAX_ANSWER_CHARS:
        flash(_("This answer is too long (%(n)d characters at most).", n=MAX_ANSWER_CHARS), "error")
    else:
        if answer_id and not store.vault["answer"].count_where("id = ? AND actor_id = ?", [answer_id, actor_id]):
            abort(404)
        if answer_id:
            topic = store.vault["answer"].get(answer_id)["topic"]
        answer = save_answer(store, actor_id, topic, text, lang=actor.lang or "fr", answer_id=answer_id,
                             submission_id=request.form.get("submission_id") or None)
        store.audit("edit_answer", actor_id, f"answer:{answer.id}", who=who(), user_id=current_user.id)
        items = normalise_answer(store, actor, answer)
        _proposals, counts = refresh_actor(store, actor_id)
        unknown = sum(1 for i in items if i.unknown)
        flash(_("Answer saved: %(n)d resources read (%(unknown)d unrecognised); proposals updated.",
                n=len(items), unknown=unknown))
        if actor.status == "invited":
            set_status(store, actor_id, "in_progress")
    return redirect(url_for("facilitator.actor_detail", slug=slug, actor_id=actor_id))
