"""Anonymous patient feedback: the evaluation's satisfaction survey, the strategies patients
found helpful and the friends-and-family question (seed 001, 4.2.3, Tables 7 and 8).

A response is linked to a team and a month only: never to a referral, a person or a time of
day. Patients reach a team's form by a signed link (or its QR code) with no sign-in; the link
names the team and cannot be altered to name another.
"""

import datetime as dt
import logging
import secrets

from django.core import signing
from django.utils import timezone

from signposting.matching import MatchError
from signposting.models import FeedbackResponse, Team
from signposting.vocabulary import FEEDBACK_QUESTIONS, RECOMMEND, STRATEGIES

log = logging.getLogger(__name__)
SALT = "signpost.feedback.team"


def team_token(team: Team) -> str:
    """The signed token in a team's feedback link: the same for a team every time (no
    timestamp), so a printed QR code keeps working."""
    return signing.Signer(salt=SALT).sign_object({"team": team.pk}, compress=True)


def team_for_token(token: str) -> Team | None:
    """The team a feedback link is for, or None if the link is not one Signpost made."""
    try:
        payload = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    return Team.objects.filter(pk=payload.get("team")).first()


def record_feedback(
    *,
    team: Team,
    answers: dict[str, str],
    strategies: list[str] = (),
    recommend: str = "",
    given_on: dt.date | None = None,
) -> FeedbackResponse:
    """Store one anonymous response: every answer is optional, but one must be given."""
    errors: dict[str, list[str]] = {}
    kept = {}
    for name, value in answers.items():
        if name not in FEEDBACK_QUESTIONS:
            errors[name] = [f"'{name}' is not one of the questions"]
        elif value:
            allowed = dict(FEEDBACK_QUESTIONS[name][1])
            if value not in allowed:
                errors[name] = [f"'{value}' is not an answer to this question"]
            else:
                kept[name] = value
    strategies = list(dict.fromkeys(strategies))
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        errors["strategies"] = [f"not one of the strategies listed: {', '.join(unknown)}"]
    if recommend and recommend not in dict(RECOMMEND):
        errors["recommend"] = [f"'{recommend}' is not an answer to this question"]
    if not errors and not kept and not strategies and not recommend:
        errors["__all__"] = ["answer at least one question"]
    if errors:
        raise MatchError(errors)
    day = given_on or timezone.localdate()
    response = FeedbackResponse.objects.create(
        team=team,
        month=day.replace(day=1),
        answers=kept,
        strategies=strategies,
        recommend=recommend,
        record_key=secrets.randbelow(256),
    )
    log.info("feedback recorded team=%s", team.pk)
    return response
