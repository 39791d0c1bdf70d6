"""The signed-in user's last search, kept in their session on the server for 30 minutes.

The search form is sent by POST (the postcode never goes in a URL); its fields are kept here and
the browser is sent to a GET results page (Post/Redirect/Get), so "Back to results" and the
browser's Back show the same results without resending a form. Django's sessions are stored in
the database (the default engine: only the session's key is in the cookie), so the postcode
never reaches the browser's storage. The search goes 30 minutes after it was made, with the
session at sign-out (logout() flushes it), and when the session itself expires.

The shortlist (signposting/shortlist.py) and the referral it was recorded on belong to the
search. A search refined from its own results page (the form there says so) for the same patient
(the same postcode, age, GP and work) keeps the shortlist's entries for needs still searched
for, and the referral if the needs are the same; any other search starts afresh. Two people at
one address seen one after the other are two searches from the search page, never one patient.
"""

import time
from dataclasses import dataclass, field

from django.http import QueryDict

KEY = "signpost_last_search"
KEEP_SECONDS = 30 * 60
# Besides the home postcode, the fields that say who the patient is.
PATIENT_FIELDS = ["gp_practice", "gp_area", "works", "work_postcode", "age"]


@dataclass
class LastSearch:
    data: dict[str, list[str]]
    saved_at: float
    shortlist: list[dict] = field(default_factory=list)
    referral_id: int | None = None

    def querydict(self) -> QueryDict:
        """The search's fields as the form would receive them."""
        query = QueryDict(mutable=True)
        for name, values in self.data.items():
            query.setlist(name, list(values))
        return query

    @property
    def needs(self) -> list[str]:
        return list(self.data.get("needs", []))

    @property
    def patient(self) -> str:
        """The home postcode, compared without spaces or case."""
        values = self.data.get("home_postcode") or [""]
        return "".join(values[0].split()).upper()

    @property
    def facts(self) -> tuple:
        """What the search says of the patient (not the needs or the filters)."""
        return (
            self.patient,
            *(tuple(v.strip().upper() for v in self.data.get(name, [])) for name in PATIENT_FIELDS),
        )

    def expires_at(self) -> float:
        return self.saved_at + KEEP_SECONDS


def _fields() -> list[str]:
    from signposting.forms import SearchForm

    return list(SearchForm.base_fields)


def save(session, data, *, refine: bool = False, now: float | None = None) -> LastSearch:
    """Keep the search form's fields (a QueryDict or a dict of lists), replacing the last search.
    A refinement (the form on the results page) of the same patient's search keeps what was
    shortlisted for needs still searched for."""
    now = time.time() if now is None else now
    kept = {}
    for name in _fields():
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        if isinstance(values, str):
            values = [values]
        values = [str(v) for v in values if v not in (None, "")]
        if values:
            kept[name] = values
    search = LastSearch(data=kept, saved_at=now)
    previous = load(session, now=now)
    if refine and previous is not None and previous.facts == search.facts:
        search.shortlist = [e for e in previous.shortlist if e.get("need") in search.needs]
        if sorted(previous.needs) == sorted(search.needs):
            search.referral_id = previous.referral_id  # same patient, same needs: same referral
    store(session, search)
    return search


def store(session, search: LastSearch) -> None:
    session[KEY] = {
        "data": search.data,
        "saved_at": search.saved_at,
        "shortlist": search.shortlist,
        "referral_id": search.referral_id,
    }


def load(session, *, now: float | None = None) -> LastSearch | None:
    """Return the last search, or None if there is none or it is 30 minutes old (then forget it)."""
    raw = session.get(KEY)
    if not isinstance(raw, dict):
        return None
    now = time.time() if now is None else now
    try:
        search = LastSearch(
            data={k: list(v) for k, v in raw["data"].items()},
            saved_at=float(raw["saved_at"]),
            shortlist=list(raw.get("shortlist") or []),
            referral_id=raw.get("referral_id"),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        forget(session)
        return None
    if now >= search.expires_at():
        forget(session)
        return None
    return search


def had_expired(session) -> bool:
    """Whether the session holds a search that has expired (to say so, rather than nothing)."""
    raw = session.get(KEY)
    return isinstance(raw, dict) and load(session) is None


def forget(session) -> None:
    session.pop(KEY, None)


def attach_referral(session, referral_id: int, home_postcode: str) -> None:
    """Note the referral recorded from the last search's results, if it is for that patient, so
    that sending the shortlist adds to it rather than making another."""
    search = load(session)
    if search is not None and search.patient == "".join(home_postcode.split()).upper():
        search.referral_id = referral_id
        store(session, search)


class ForgetExpiredSearch:
    """Forget a search 30 minutes old on the next request, whatever page it is for, so that no
    postcode stays in a session that is still in use for other work."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and KEY in session:
            load(session)
        return self.get_response(request)
