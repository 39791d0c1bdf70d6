"""Anonymous patient feedback: a team's signed link, no sign-in, team and month only."""

import datetime as dt

import pytest
from django.utils import timezone

from signposting.feedback import record_feedback, team_for_token, team_token
from signposting.matching import MatchError
from signposting.models import FeedbackResponse, Team


@pytest.fixture
def team(personas):
    return personas["lw"].membership.team


def test_a_link_names_its_team_and_cannot_be_altered(team, personas):
    token = team_token(team)
    assert team_for_token(token) == team
    other = personas["outsider"].membership.team
    forged = team_token(other)[:-2] + "xx"
    assert team_for_token(forged) is None
    assert team_for_token("not-a-token") is None


def test_a_patient_answers_without_signing_in_and_only_the_month_is_kept(client, team):
    token = team_token(team)
    page = client.get(f"/feedback/{token}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert team.name in text
    assert "Sign out" not in text and "Find services for a patient" not in text
    response = client.post(
        f"/feedback/{token}/",
        {"information": "extremely_satisfied", "overall": "mostly_positive",
         "strategies": ["goal_setting", "homework"], "recommend": "very_likely"},
    )  # fmt: skip
    assert response.status_code == 302  # post, then redirect: a reload sends nothing again
    assert "Thank you" in client.get(response["Location"]).content.decode()
    saved = FeedbackResponse.objects.get()
    assert saved.team == team
    assert saved.month == timezone.localdate().replace(day=1)
    assert saved.answers == {"information": "extremely_satisfied", "overall": "mostly_positive"}
    assert saved.strategies == ["goal_setting", "homework"]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"information": "ecstatic"},
        {"strategies": ["hypnosis"]},
        {"recommend": "maybe"},
    ],
)
def test_a_bad_or_empty_answer_is_explained_and_nothing_is_stored(client, team, data):
    response = client.post(f"/feedback/{team_token(team)}/", data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert FeedbackResponse.objects.count() == 0


def test_a_forged_link_is_not_found(client, team):
    assert client.get("/feedback/forged/").status_code == 404
    assert client.post("/feedback/forged/", {"overall": "mostly_positive"}).status_code == 404
    assert FeedbackResponse.objects.count() == 0


def test_the_action_refuses_unknown_questions(team):
    with pytest.raises(MatchError) as error:
        record_feedback(team=team, answers={"favourite_colour": "blue"})
    assert "favourite_colour" in error.value.errors
    saved = record_feedback(
        team=team, answers={}, recommend="likely", given_on=dt.date(2026, 3, 17)
    )
    assert saved.month == dt.date(2026, 3, 1)


def test_the_team_page_gives_the_link_and_a_qr_code(client, personas, team):
    client.force_login(personas["lw"])
    page = client.get("/team/feedback/").content.decode()
    assert f"/feedback/{team_token(team)}/" in page
    assert "<svg" in page
    printable = client.get(f"/feedback/{team_token(team)}/print/")
    assert printable.status_code == 200
    assert "hand the form back" in printable.content.decode()
    client.force_login(personas["lead"])
    assert client.get("/team/feedback/").status_code == 403
    assert Team.objects.count() >= 2
