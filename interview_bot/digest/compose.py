"""Turning a digest into an email: subject, plain text, HTML and headers, in the person's language.

Templates live in `templates/email/` (`digest_actor.{txt,html}`,
`digest_facilitator.{txt,html}`); messages are in the `digest` translation area.
Links are absolute, built from SYMBIOSE_BASE_URL so the same code works in a
request, in the CLI and in the clock process. Every actor link is personal and
signed (interview_bot.auth.tokens): it signs the actor in and opens the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale, get_translations
from markupsafe import Markup
from werkzeug.routing import BuildError

from ..auth.tokens import actor_link, make_token
from .collect import ActorDigest, FacilitatorDigest

# Actor pages a digest item may open, tried in order; the personal home page otherwise.
PLACEHOLDER = "personal-link"  # stands for a signed link in previews
ACTOR_PROPOSAL_ENDPOINTS = ("interview.proposal", "actor.proposal", "introductions.proposal")


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    body: str  # the HTML without its <html> wrapper, for the preview page


class Links:
    """Absolute links for emails, without needing a request."""

    def __init__(self, *, preview: bool = False) -> None:
        # A preview shown to a facilitator must not carry the actor's working personal links.
        self.preview = preview
        app = current_app
        self.base = app.config["BASE_URL"].rstrip("/")
        parts = urlsplit(self.base)
        self.adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")

    def build(self, endpoint: str, fallback: str, **values) -> str:
        try:
            return self.adapter.build(endpoint, values, force_external=True)
        except BuildError:
            return self.base + fallback

    def path(self, endpoint: str, **values) -> str | None:
        try:
            return self.adapter.build(endpoint, values, force_external=False)
        except BuildError:
            return None

    # -------------------------------------------------------------- actors

    def actor_home(self, actor_id: str) -> str:
        return f"{self.base}/a/{PLACEHOLDER}" if self.preview else actor_link(actor_id)

    def actor_page(self, actor_id: str, path: str) -> str:
        """A personal link that signs the actor in and then opens `path`."""
        token = PLACEHOLDER if self.preview else make_token(actor_id, "interview", n=path)
        return f"{self.base}/a/{token}"

    def proposal(self, actor_id: str, proposal_id: str, home: str | None = None) -> str:
        """The actor's page for this proposal when there is one, else their home page at its anchor.

        The anchor rides on the home link (a browser keeps a link's #fragment across the
        sign-in redirect), which saves signing one more token per proposal.
        """
        for endpoint in ACTOR_PROPOSAL_ENDPOINTS:
            path = self.path(endpoint, proposal_id=proposal_id)
            if path:
                return self.actor_page(actor_id, path)
        return f"{home or self.actor_home(actor_id)}#proposal-{proposal_id}"

    def interview(self, actor_id: str) -> str:
        """Straight back into the interview (its first unfinished step is the interview's business)."""
        path = self.path("interview.start")
        return self.actor_page(actor_id, path) if path else self.actor_home(actor_id)

    def introduction(self, actor_id: str, proposal_id: str) -> str:
        token = PLACEHOLDER if self.preview else make_token(actor_id, "introduction", p=proposal_id)
        return self.build("introductions.from_email", f"/me/introductions/t/{token}", token=token)

    def unsubscribe(self, recipient: str) -> str:
        token = PLACEHOLDER if self.preview else make_token(recipient, "unsubscribe")
        return self.build("digest.unsubscribe", f"/digest/unsubscribe/{token}", token=token)

    # -------------------------------------------------------------- facilitators

    def facilitator(self, page: str, slug: str, **values) -> str:
        paths = {
            "queue": ("facilitator.queue", f"/t/{slug}/queue"),
            "proposal": ("facilitator.proposal", f"/t/{slug}/queue/{values.get('proposal_id')}"),
            "actors": ("facilitator.actors", f"/t/{slug}/actors"),
            "unrecognised": ("facilitator.unrecognised", f"/t/{slug}/unrecognised"),
            "synergies": ("facilitator.synergies", f"/t/{slug}/synergies"),
            "synergy": ("facilitator.synergy", f"/t/{slug}/synergies/{values.get('synergy_id')}"),
        }
        endpoint, fallback = paths[page]
        return self.build(endpoint, fallback, slug=slug, **values)


def _headers(unsubscribe: str) -> dict[str, str]:
    # RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs
    # "List-Unsubscribe=One-Click" to this URL.
    return {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk"}


class Words:
    """gettext and ngettext of one language, looked up once per run rather than per string.

    Flask-Babel finds the catalogue on every call; a digest run renders tens of
    thousands of strings, so the templates get these plain callables instead.
    """

    def __init__(self, lang: str):
        with force_locale(lang):
            self.translations = get_translations()

    def gettext(self, string: str, **variables) -> str:
        text = self.translations.gettext(string)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        return self.translations.ngettext(singular, plural, num) % variables


def N_(string: str) -> str:
    """Marks a message for extraction; translated later, in the recipient's language."""
    return string


STAGES = {"idea": N_("idea"), "study": N_("study"), "in_progress": N_("in progress")}


class Renderer:
    """Renders digests; keeps the templates and each language's words for the whole run."""

    def __init__(self, links: Links):
        self.links = links
        env = current_app.jinja_env
        self.templates = {name: env.get_template(f"email/{name}")
                          for name in ("digest_actor.txt", "digest_actor.html", "digest_facilitator.txt",
                                       "digest_facilitator.html", "layout.html")}
        self._words: dict[str, Words] = {}

    def words(self, lang: str) -> Words:
        if lang not in self._words:
            self._words[lang] = Words(lang)
        return self._words[lang]

    def actor(self, digest: ActorDigest, territory: dict) -> Rendered:
        links, w = self.links, self.words(digest.lang)
        unsubscribe = links.unsubscribe(digest.recipient)
        home = links.actor_home(digest.actor_id)
        context = {
            "digest": digest,
            "territory": territory,
            "proposals": [(p, links.proposal(digest.actor_id, p.id, home)) for p in digest.proposals],
            "introductions": [(p, links.introduction(digest.actor_id, p.id)) for p in digest.introductions],
            "interview_link": links.interview(digest.actor_id) if digest.reminder else None,
            "home_link": home,
            "unsubscribe": unsubscribe,
        }
        return self._render("digest_actor", actor_subject(digest, w), digest.lang, context, _headers(unsubscribe))

    def facilitator(self, digest: FacilitatorDigest) -> Rendered:
        links, w = self.links, self.words(digest.lang)
        unsubscribe = links.unsubscribe(digest.recipient)
        slug = digest.territory_slug
        context = {
            "digest": digest,
            "proposals": [(p, links.facilitator("proposal", slug, proposal_id=p.id)) for p in digest.new_proposals],
            "stale": [(s, links.facilitator("synergy", slug, synergy_id=s.id), w.gettext(STAGES.get(s.stage, s.stage)))
                      for s in digest.stale],
            "queue_link": links.facilitator("queue", slug),
            "actors_link": links.facilitator("actors", slug),
            "unrecognised_link": links.facilitator("unrecognised", slug),
            "synergies_link": links.facilitator("synergies", slug),
            "unsubscribe": unsubscribe,
        }
        subject = w.gettext("Symbiose – %(territory)s: what is new", territory=digest.territory_name)
        return self._render("digest_facilitator", subject, digest.lang, context, _headers(unsubscribe))

    def _render(self, name: str, subject: str, lang: str, context: dict, headers: dict[str, str]) -> Rendered:
        w = self.words(lang)
        context.update(subject=subject, lang=lang, _=w.gettext, gettext=w.gettext, ngettext=w.ngettext)
        text = self.templates[f"{name}.txt"].render(context)
        # Markup: the fragment comes out of an autoescaped template, it is not escaped twice.
        body = Markup(self.templates[f"{name}.html"].render(context))
        html = self.templates["layout.html"].render(subject=subject, body=body, lang=lang)
        return Rendered(subject, _tidy(text), html, headers, body)


def actor_subject(digest: ActorDigest, w: Words) -> str:
    if digest.proposals:
        return w.ngettext("Symbiose: %(num)d new possible synergy for you",
                          "Symbiose: %(num)d new possible synergies for you", len(digest.proposals))
    if digest.new_introductions:
        return w.ngettext("Symbiose: %(num)d introduction is waiting for your answer",
                          "Symbiose: %(num)d introductions are waiting for your answer", len(digest.introductions))
    return w.gettext("Symbiose: your interview is not finished yet")


def _tidy(text: str) -> str:
    """Collapse the blank lines template blocks leave behind."""
    lines, blank = [], False
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line:
            if not blank:
                lines.append("")
            blank = True
            continue
        blank = False
        lines.append(line)
    return "\n".join(lines) + "\n"
