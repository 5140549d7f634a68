"""The access matrix's tables (read by test_access_matrix.py, whose docstring says how).

MATRIX: every route and method × the seven principals of access_world, each cell the
expected status code or `login`. CROSS: objects of the other territory reached
through one's own URLs. BODIES: what each POST sends.
"""
from __future__ import annotations

from access_world import PRINCIPALS

MATRIX = """
method url                                               anon   A      B      C      fac1   fac2   admin
# public pages, and links that carry their own proof (a signed token)
GET    /                                                 200    200    200    200    200    200    200
GET    /healthz                                          200    200    200    200    200    200    200
GET    /static/style.css                                 200    200    200    200    200    200    200
GET    /login                                            200    200    200    200    302    302    302
POST   /login                                            401    401    401    401    401    401    401
POST   /logout                                           302    302    302    302    302    302    302
POST   /link                                             302    302    302    302    302    302    302
GET    /a/{link}                                         302    302    302    302    302    302    302
GET    /me/introductions/t/{intro}                       302    302    302    302    302    302    302
GET    /digest/unsubscribe/{unsub}                       200    200    200    200    200    200    200
POST   /digest/unsubscribe/{unsub}                       200    200    200    200    200    200    200
# the actor's own space: whoever holds the session of an actor, about that actor only
GET    /me                                               401    200    200    200    401    401    401
GET    /me/interview/                                    401    302    302    302    401    401    401
POST   /me/interview/offers/next                         401    302    302    302    401    401    401
GET    /me/interview/consent                             401    200    200    200    401    401    401
POST   /me/interview/consent                             401    400    400    400    401    401    401
GET    /me/interview/identity                            401    200    200    200    401    401    401
POST   /me/interview/identity                            401    400    400    400    401    401    401
GET    /me/interview/identity/sector                     401    200    200    200    401    401    401
POST   /me/interview/identity/sector                     401    200    200    200    401    401    401
GET    /me/interview/offers                              401    200    200    200    401    401    401
POST   /me/interview/offers                              401    400    400    400    401    401    401
GET    /me/interview/needs                               401    200    200    200    401    401    401
POST   /me/interview/needs                               401    400    400    400    401    401    401
GET    /me/interview/problems                            401    200    200    200    401    401    401
POST   /me/interview/problems                            401    302    302    302    401    401    401
GET    /me/interview/swot                                401    200    200    200    401    401    401
POST   /me/interview/swot                                401    302    302    302    401    401    401
GET    /me/interview/summary                             401    200    200    200    401    401    401
POST   /me/interview/finish                              401    302    302    302    401    401    401
GET    /me/interview/done                                401    200    200    200    401    401    401
GET    /me/interview/answer/{answer}                     401    200    404    404    401    401    401
POST   /me/interview/answer/{answer}                     401    400    404    404    401    401    401
GET    /me/interview/answer/{answer}/edit                401    200    404    404    401    401    401
POST   /me/interview/answer/{answer}/edit                401    400    404    404    401    401    401
POST   /me/interview/answer/{answer}/delete              401    302    404    404    401    401    401
GET    /me/introductions/                                401    200    200    200    401    401    401
POST   /me/introductions/{proposal}                      401    302    302    404    401    401    401
GET    /me/data.json                                     401    200    200    200    401    401    401
GET    /me/delete                                        401    200    200    200    401    401    401
POST   /me/delete                                        401    302    302    302    401    401    401
GET    /me/deleted                                       200    200    200    200    200    200    200
# the facilitator workspace of territory 1: its facilitator and the administrator
GET    /facilitator                                      login  login  login  login  302    302    200
GET    /t/alpha/                                         login  login  login  login  200    404    200
GET    /t/alpha/report                                   login  login  login  login  200    404    200
GET    /t/alpha/queue                                    login  login  login  login  200    404    200
GET    /t/alpha/queue/{proposal}                         login  login  login  login  200    404    200
POST   /t/alpha/queue/{proposal}/accept                  login  login  login  login  302    404    302
POST   /t/alpha/queue/{proposal}/reject                  login  login  login  login  302    404    302
POST   /t/alpha/queue/{proposal}/snooze                  login  login  login  login  302    404    302
POST   /t/alpha/queue/{proposal}/reopen                  login  login  login  login  302    404    302
POST   /t/alpha/queue/{proposal}/quick_win               login  login  login  login  302    404    302
POST   /t/alpha/queue/{proposal}/comment                 login  login  login  login  302    404    302
GET    /t/alpha/actors                                   login  login  login  login  200    404    200
POST   /t/alpha/actors/invite                            login  login  login  login  302    404    302
POST   /t/alpha/actors/invite-csv                        login  login  login  login  302    404    302
GET    /t/alpha/actors/{A}                               login  login  login  login  200    404    200
GET    /t/alpha/actors/{A}/export.json                   login  login  login  login  200    404    200
POST   /t/alpha/actors/{A}/resend                        login  login  login  login  302    404    302
POST   /t/alpha/actors/{A}/answers                       login  login  login  login  302    404    302
GET    /t/alpha/unrecognised                             login  login  login  login  200    404    200
POST   /t/alpha/unrecognised/{unknown}/assign            login  login  login  login  302    404    302
POST   /t/alpha/unrecognised/{unknown}/propose           login  login  login  login  302    404    302
GET    /t/alpha/synergies                                login  login  login  login  200    404    200
GET    /t/alpha/synergies/{synergy}                      login  login  login  login  200    404    200
POST   /t/alpha/synergies/{synergy}/stage                login  login  login  login  302    404    302
POST   /t/alpha/synergies/{synergy}/impact               login  login  login  login  302    404    302
POST   /t/alpha/synergies/{synergy}/note                 login  login  login  login  302    404    302
GET    /t/alpha/export/actors.csv                        login  login  login  login  200    404    200
GET    /t/alpha/export/resources.csv                     login  login  login  login  200    404    200
GET    /t/alpha/export/proposals.csv                     login  login  login  login  200    404    200
GET    /t/alpha/export/synergies.csv                     login  login  login  login  200    404    200
GET    /t/alpha/digest/preview?actor={A}                 login  login  login  login  200    404    200
"""

# Objects of the other territory (or another actor) reached through a URL of one's own: never.
CROSS = """
principal method url                                                 status
fac1      GET    /t/alpha/queue/{proposal2}                          404
fac1      POST   /t/alpha/queue/{proposal2}/comment                  404
fac1      GET    /t/alpha/actors/{C}                                 404
fac1      POST   /t/alpha/actors/{C}/resend                          404
fac1      POST   /t/alpha/actors/{C}/answers                         404
fac1      POST   /t/alpha/actors/{B}/answers                         404
fac1      GET    /t/alpha/synergies/{synergy2}                       404
fac1      POST   /t/alpha/synergies/{synergy2}/note                  404
fac1      POST   /t/alpha/unrecognised/{unknown2}/assign             404
fac1      GET    /t/alpha/digest/preview?actor={C}                   404
fac1      GET    /t/alpha/digest/preview?user={fac2}                 404
A         GET    /me/interview/answer/{answer2}                      404
A         POST   /me/interview/answer/{answer2}/delete               404
A         POST   /me/introductions/{proposal2}                       404
anon      GET    /static/..%2F__init__.py                            404
"""

REFUSALS = {"login", "401", "403", "404"}
ERROR_PAGE = 'class="card error"'  # error.html: a refusal says, in the page's language, what to do

# What each POST sends: a request that would change something if it were accepted.
BODIES = {
    "/login": {"email": "nobody@example.org", "password": "not the password"},
    "/link": {"email": "nobody@example.org"},
    "/digest/unsubscribe/{unsub}": {"action": "unsubscribe"},
    "/me/interview/consent": {"sharing": "named"},  # without the box ticked: a 400 that asks for it
    "/me/interview/identity": {"name": "", "activity": ""},
    "/me/interview/identity/sector": {"division": "not-a-sector"},
    "/me/interview/offers": {"text": ""},
    "/me/interview/needs": {"text": ""},
    "/me/interview/problems": {"problems": "Intrus"},
    "/me/interview/swot": {"strengths": "Intrus"},
    "/me/interview/answer/{answer}": {},  # no meaning chosen for the item: a 400 that asks for one
    "/me/interview/answer/{answer}/edit": {"text": ""},
    "/me/introductions/{proposal}": {"choice": "decline"},
    "/me/introductions/{proposal2}": {"choice": "decline"},
    "/me/delete": {"confirm": "1"},
    "/t/alpha/queue/{proposal}/comment": {"text": "Intrus"},
    "/t/alpha/queue/{proposal2}/comment": {"text": "Intrus"},
    "/t/alpha/queue/{proposal}/reject": {"reason": "Intrus"},
    "/t/alpha/queue/{proposal}/accept": {"owner_agreed": "1"},
    "/t/alpha/queue/{proposal}/snooze": {"days": "10"},
    "/t/alpha/queue/{proposal}/quick_win": {"value": "1"},
    "/t/alpha/actors/invite": {"name": "Intrus", "email": "intrus@example.org", "lang": "fr"},
    "/t/alpha/actors/{A}/answers": {"topic": "problems", "text": "Intrus"},
    "/t/alpha/actors/{C}/answers": {"topic": "problems", "text": "Intrus"},
    "/t/alpha/actors/{B}/answers": {"topic": "problems", "text": "Intrus", "answer_id": "{answer}"},  # A's answer
    "/t/alpha/unrecognised/{unknown}/assign": {"node_id": "material.wood.sawdust_untreated", "synonym": "1"},
    "/t/alpha/unrecognised/{unknown2}/assign": {"node_id": "material.wood.sawdust_untreated", "synonym": "1"},
    "/t/alpha/unrecognised/{unknown}/propose": {"parent_id": "material.wood", "label_fr": "Intrus"},
    "/t/alpha/synergies/{synergy}/stage": {"stage": "study"},
    "/t/alpha/synergies/{synergy}/impact": {"tonnes_year": "12", "mwh_year": "", "eur_year": ""},
    "/t/alpha/synergies/{synergy}/note": {"text": "Intrus"},
    "/t/alpha/synergies/{synergy2}/note": {"text": "Intrus"},
}


def parse(table: str) -> list[list[str]]:
    rows = [line.split() for line in table.strip().splitlines() if line.strip() and not line.startswith("#")]
    return rows[1:]  # the header names the columns


ROWS = [(method, url, dict(zip(PRINCIPALS, cells, strict=True))) for method, url, *cells in parse(MATRIX)]
CROSS_ROWS = [tuple(row) for row in parse(CROSS)]
