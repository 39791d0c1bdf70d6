"""The St George's sessions and outcome measures (seed 001, 4.1.1.4 and 4.3.1.1, Table 9) and
the pilot's satisfaction survey (Tables 7 and 8), recorded through the actions as a link worker
would, and reproduced by the reports figure for figure: exact in the team's own view, rounded
for a network lead."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from signposting.actions import create_referral, record_intake_outcome
from signposting.engagement import book_session, record_measure, record_session
from signposting.feedback import record_feedback
from signposting.models import Team
from signposting.reports import Scope, default_scope
from signposting.reports.engagement import feedback_report, measures_report, sessions_report
from signposting.reports.registry import build_report

from . import evaluation_measures as ev
from .factories import make_service

YEAR = default_scope()
MODES = {"in_person": "in_person", "phone_or_video": "remote"}


def own(team: Team) -> Scope:
    return Scope(YEAR.start, YEAR.end, team=team, exact=True)


@pytest.fixture
def st_georges(personas, geography):
    """Thirty accepted referrals with the evaluation's sessions and measures."""
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    lw = personas["lw"]
    start = timezone.now() - dt.timedelta(days=120)
    first_day = timezone.localtime(start).date()
    referrals = []
    for patient, (mode, booked, attended, missed) in enumerate(ev.SESSIONS):
        referral = create_referral(
            referrer=lw, source="ward", home_postcode="SM2 6AA", needs=["isolation"],
            created_at=start + dt.timedelta(minutes=patient),
        )  # fmt: skip
        record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted")
        outcomes = ["attended"] * attended + ["did_not_attend"] * missed
        assert len(outcomes) == booked
        for day, outcome in enumerate(outcomes, start=1):
            session = book_session(
                referral=referral, recorded_by=lw, date=first_day + dt.timedelta(days=day),
                mode=MODES[mode],
            )  # fmt: skip
            record_session(
                session=session, recorded_by=lw, status=outcome,
                dna_reason="too_unwell" if outcome == "did_not_attend" else "",
            )  # fmt: skip
        referrals.append(referral)
    taken = first_day + dt.timedelta(days=1)
    for patient, referral in enumerate(referrals):
        for timepoint, followup in (("baseline", False), ("follow_up", True)):
            mycaw = ev.mycaw_form(patient, followup=followup)
            if mycaw is not None:
                record_measure(referral=referral, recorded_by=lw, measure="mycaw",
                               timepoint=timepoint, taken_on=taken, scores=mycaw)  # fmt: skip
        for row in ev.PSEQ_TOTAL:
            if row[0] != patient:
                continue
            record_measure(
                referral=referral, recorded_by=lw, measure="pseq", timepoint="baseline",
                taken_on=taken, scores=ev.pseq_form(row[1]),
            )  # fmt: skip
            if row[2] is not None:
                record_measure(referral=referral, recorded_by=lw, measure="pseq",
                               timepoint="follow_up", taken_on=taken,
                               scores=ev.pseq_form(row[2]))  # fmt: skip
    return lw.membership.team


def figures(frame, key="figure", value="value"):
    return dict(zip(frame[key], frame[value], strict=True))


def test_the_st_georges_sessions_are_reproduced(st_georges):
    report = sessions_report(own(st_georges))
    got = figures(report)
    assert got["Patients"] == 30
    assert got["Patients with a session in person"] == 15
    assert got["Patients with a session by phone or video"] == 15
    assert (got["Sessions booked"], got["Sessions attended"]) == (122, 112)
    attended = report.loc[report["figure"] == "Sessions attended", "percent"].item()
    assert round(attended) == 92  # 91.8%: "112 (92%)"
    assert got["Sessions booked per patient: median"] == 3
    assert got["Sessions booked per patient: interquartile range"] == 5
    assert got["Sessions attended per patient: median"] == 2
    assert got["Sessions attended per patient: interquartile range"] == 5
    assert got["Patients who missed one or more sessions"] == 9
    assert got["Patients who booked but attended none"] == 3


def test_the_st_georges_measures_are_reproduced(st_georges):
    report = measures_report(own(st_georges))
    rows = {(r.measure, r.score): r for r in report.itertuples()}

    def check(key, n, before, before_sd, after, after_sd, improved, same, worse):
        row = rows[key]
        assert row.with_both == n
        assert (row.baseline_mean, row.baseline_sd) == (before, before_sd)
        assert (row.followup_mean, row.followup_sd) == (after, after_sd)
        assert (row.improved, row.same, row.worse) == (improved, same, worse)

    check(("MYCaW", "First concern"), 13, 5.54, 0.97, 2.77, 1.69, 12, 1, 0)
    check(("MYCaW", "Second concern"), 7, 5.0, 1.29, 2.29, 0.95, 7, 0, 0)
    check(("MYCaW", "Wellbeing"), 13, 3.92, 1.32, 2.77, 1.54, 12, 1, 0)
    check(("PSEQ", "Total"), 13, 30.77, 15.35, 35.77, 14.67, 11, 1, 1)
    categories = {
        r.score: r.at_baseline for r in report.itertuples() if r.measure == "MYCaW concern category"
    }
    assert categories == {
        "Mental and emotional": 9,
        "Physical": 7,
        "Practical": 7,
        "Wellbeing": 4,
    }  # fmt: skip (Table 9)


# Table 7 (18 responses) and Table 8 (16 of them ticked strategies).
TABLE_7 = {
    "information": {"extremely_satisfied": 13, "mostly_satisfied": 4, "neither": 1},
    "sessions": {"extremely_satisfied": 14, "mostly_satisfied": 4},
    "skills": {"extremely_satisfied": 16, "mostly_satisfied": 2},
    "treated": {"extremely_satisfied": 16, "mostly_satisfied": 2},
    "overall": {"extremely_positive": 15, "mostly_positive": 3},
}
TABLE_7_PERCENT = {
    "information": [72, 22, 6], "sessions": [78, 22], "skills": [89, 11], "treated": [89, 11],
    "overall": [83, 17],
}  # fmt: skip
TABLE_8 = {"goal_setting": 15, "signposting": 6, "diaries": 5, "homework": 5, "links": 5,
           "schedules": 3, "further_reading": 3, "information_sheets": 3}  # fmt: skip


def table_8_ticks() -> list[list[str]]:
    """Sixteen respondents' ticks with Table 8's counts: deal each strategy's ticks round."""
    ticks = [[] for _ in range(16)]
    position = 0
    for strategy, count in TABLE_8.items():
        for _ in range(count):
            ticks[position % 16].append(strategy)
            position += 1
    return ticks


@pytest.fixture
def survey(personas, geography):
    """74 referrals accepted and 18 responses, as in the pilot (section 4.2.3)."""
    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    lw = personas["lw"]
    team = lw.membership.team
    for _ in range(74):
        referral = create_referral(
            referrer=lw, source="ward", home_postcode="SM2 6AA", needs=["isolation"]
        )
        record_intake_outcome(referral=referral, recorded_by=lw, kind="accepted")
    answers = [{} for _ in range(18)]
    for question, counts in TABLE_7.items():
        given = [a for a, n in counts.items() for _ in range(n)]
        for response, answer in zip(answers, given, strict=True):
            response[question] = answer
    ticks = table_8_ticks() + [[], []]
    for response, ticked in zip(answers, ticks, strict=True):
        record_feedback(team=team, answers=response, strategies=ticked)
    return team


def test_the_satisfaction_survey_is_reproduced_in_the_teams_view(survey):
    report = feedback_report(own(survey))
    rows = {(r.question, r.answer): r for r in report.itertuples()}
    responses = next(r for r in report.itertuples() if r.question.startswith("Responses"))
    assert responses.responses == 18
    assert round(responses.percent) == 24  # 18 of 74 accepted
    from signposting.vocabulary import FEEDBACK_QUESTIONS, STRATEGIES

    for number, (question, counts) in enumerate(TABLE_7.items(), start=1):
        topic, answers = FEEDBACK_QUESTIONS[question]
        text = f"Q{number}. {topic}"
        labels = dict(answers)
        got = [(rows[(text, labels[a])].responses, rows[(text, labels[a])].percent)
               for a in counts]  # fmt: skip
        assert [n for n, _ in got] == list(counts.values())
        assert [int(Decimal(str(p)).quantize(Decimal("1"))) for _, p in got] == (
            TABLE_7_PERCENT[question]
        )
    strategies = {
        r.answer: r.responses
        for r in report.itertuples()
        if r.question == "Strategies found helpful"
    }
    assert strategies == {STRATEGIES[s]: n for s, n in TABLE_8.items()}


def test_a_team_member_reads_the_new_reports_through_the_api(st_georges, personas):
    api = APIClient()
    api.force_authenticate(personas["teammate"])
    body = api.get(
        "/api/v1/reports/sessions/",
        {"from": YEAR.start.isoformat(), "to": YEAR.end.isoformat()},
    )
    assert body.status_code == 200, body.content
    rows = {r["figure"]: r["value"] for r in body.json()}
    assert (rows["Sessions booked"], rows["Sessions attended"]) == (122, 112)


def test_a_lead_sees_the_new_reports_rounded(st_georges):
    lead = Scope(YEAR.start, YEAR.end)
    sessions = figures(build_report("sessions", lead))
    assert sessions["Patients"] % 5 == 0
    assert sessions["Patients with a session in person"] % 5 == 0
    measures = build_report("measures", lead)
    assert all(n % 5 == 0 for n in measures["at_baseline"])
    scores = measures[measures["measure"] != "MYCaW concern category"]
    for column in ("with_both", "improved", "same", "worse"):
        assert all(n % 5 == 0 for n in scores[column])
    # Means of a few patients' scores are shown to their own team only.
    assert scores["baseline_mean"].isna().all()


def test_the_charts_draw_the_reports_own_figures(st_georges, survey):
    from signposting.reports import charts

    sessions = sessions_report(own(st_georges))
    svg = charts.session_attendance(sessions)
    assert 'data-value="112"' in svg and 'data-value="10"' in svg
    measures = measures_report(own(st_georges))
    assert 'data-value="12"' in charts.measure_changes(measures)
    feedback = feedback_report(own(survey))
    assert 'data-value="13"' in charts.satisfaction(feedback)


def test_ons4_is_reported_by_the_ons_thresholds(personas, geography):
    from signposting.reports.engagement import wellbeing_report

    make_service(service="Sutton befriending", needs="isolation", postcode="SM1 1AA")
    lw = personas["lw"]
    taken = timezone.localdate()
    forms = [  # (baseline, follow-up) for two patients
        ({"life_satisfaction": 4, "worthwhile": 6, "happiness": 8, "anxiety": 6},
         {"life_satisfaction": 7, "worthwhile": 9, "happiness": 8, "anxiety": 1}),
        ({"life_satisfaction": 5, "worthwhile": 0, "happiness": 10, "anxiety": 2}, None),
    ]  # fmt: skip
    for baseline, followup in forms:
        referral = create_referral(
            referrer=lw, source="gp", home_postcode="SM2 6AA", needs=["isolation"],
            created_at=timezone.now() - dt.timedelta(days=10),
        )  # fmt: skip
        record_measure(referral=referral, recorded_by=lw, measure="ons4",
                       timepoint="baseline", taken_on=taken, scores=baseline)  # fmt: skip
        if followup:
            record_measure(referral=referral, recorded_by=lw, measure="ons4",
                           timepoint="follow_up", taken_on=taken, scores=followup)  # fmt: skip
    report = wellbeing_report(own(lw.membership.team))
    rows = {(r.question, r.band): (r.at_baseline, r.at_follow_up) for r in report.itertuples()}
    assert rows[("Life satisfaction", "Low")] == (1, 0)  # 4 is low (0-4)
    assert rows[("Life satisfaction", "Medium")] == (1, 0)  # 5
    assert rows[("Life satisfaction", "High")] == (0, 1)  # 7
    assert rows[("Things done are worthwhile", "Very high")] == (0, 1)  # 9
    assert rows[("Anxiety yesterday", "High")] == (1, 0)  # 6 (6-10) is high anxiety
    assert rows[("Anxiety yesterday", "Low")] == (1, 0)  # 2
    assert rows[("Anxiety yesterday", "Very low")] == (0, 1)  # 1: the best band
