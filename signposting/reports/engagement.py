"""Sessions, outcome measures and patient feedback, as the evaluation reports them (seed 001,
sections 4.1.1.4, 4.1.2.4, 4.2.3 and 4.3; Tables 7 to 10).

Each report reads one cube of base cells (team, home borough, GP borough, month and its own
columns, with counts and key sums), exact for a team's own reports and rounded for everyone else
(disclosure.py), like every other report: every figure, medians and means included, is computed
from those cells, so it reveals nothing the published cells do not.
- sessions: referrals the team accepted or that booked a session, by their session counts
  (stored on the referral by signposting.engagement);
- measures: each score beside its baseline (MeasureItem), by measure, item, category, baseline,
  follow-up;
- wellbeing: ONS4 scores by question and ONS threshold band, at baseline and follow-up;
- feedback: anonymous answers by team, month, question and answer. Feedback belongs to a team,
  not to a borough: for an area, the teams funded from it.
"""

import json

import pandas as pd
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

from signposting.measures import (
    MEASURES,
    MYCAW_CATEGORIES,
    ONS4_BANDS,
    ONS4_ITEMS,
    Direction,
    MeasureName,
    change_summary,
    round_half_up,
    value_range,
    weighted_median_iqr,
)
from signposting.models import FeedbackResponse, MeasureItem, Team
from signposting.reports.cells import NOT_KNOWN, ReportData, _cube, _fetch
from signposting.reports.disclosure import percent
from signposting.reports.scope import Scope
from signposting.vocabulary import FEEDBACK_QUESTIONS, RECOMMEND, RECOMMEND_QUESTION, STRATEGIES

# --- Sessions ---------------------------------------------------------------------------------

SESSION_KEYS = ["team", "home", "gp", "month", "accepted", "booked", "attended", "missed",
                "in_person", "remote"]  # fmt: skip


def session_cells(scope: Scope) -> pd.DataFrame:
    referrals = scope.referrals().filter(Q(ever_accepted=True) | Q(sessions_booked__gt=0))
    referrals = referrals.annotate(
        any_in_person=Case(When(sessions_in_person__gt=0, then=Value(1)), default=Value(0),
                           output_field=IntegerField()),
        any_remote=Case(When(sessions_remote__gt=0, then=Value(1)), default=Value(0),
                        output_field=IntegerField()),
    )  # fmt: skip
    fields = ["team_id", "home_area_id", "gp_area_id", "month", "ever_accepted",
              "sessions_booked", "sessions_attended", "sessions_missed", "any_in_person",
              "any_remote"]  # fmt: skip
    frame = _cube(referrals, scope, fields, SESSION_KEYS)
    return frame.astype({"accepted": bool, "in_person": bool, "remote": bool})


def _spread(cells: pd.DataFrame, column: str) -> list[tuple[int, int]]:
    """Each value of a column with its number of patients (none left out: count > 0)."""
    counts = cells.groupby(column)["count"].sum()
    return [(int(value), int(n)) for value, n in counts.items() if n > 0]


def sessions_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Sessions with the link worker: patients (referrals accepted by the team, or with a
    session booked) by how sessions were delivered; sessions booked and attended (cancelled
    ones count nowhere); per patient, the range, median and interquartile range (linear
    quartiles) of sessions booked and attended; patients who missed one or more; patients who
    booked none, and who booked but attended none."""
    data = data or ReportData(scope)
    cells = data.cells("sessions", session_cells)
    patients = int(cells["count"].sum())
    booked = int((cells["booked"] * cells["count"]).sum())
    attended = int((cells["attended"] * cells["count"]).sum())

    def patients_where(mask) -> int:
        return int(cells.loc[mask, "count"].sum())

    rows = [
        ("Patients", patients, None),
        ("Patients with a session in person", patients_where(cells["in_person"]), patients),
        ("Patients with a session by phone or video", patients_where(cells["remote"]), patients),
        ("Sessions booked", booked, None),
        ("Sessions attended", attended, booked),
    ]
    for column, text in (("booked", "booked"), ("attended", "attended")):
        counted = _spread(cells, column)
        spread = value_range(value for value, _ in counted)
        middle = weighted_median_iqr(counted)
        rows += [
            (f"Sessions {text} per patient: fewest", spread and spread.minimum, None),
            (f"Sessions {text} per patient: most", spread and spread.maximum, None),
            (f"Sessions {text} per patient: median", middle and _number(middle.median), None),
            (f"Sessions {text} per patient: interquartile range",
             middle and _number(middle.iqr), None),
        ]  # fmt: skip
    rows += [
        ("Patients who missed one or more sessions", patients_where(cells["missed"] > 0),
         patients),
        ("Patients who booked no session", patients_where(cells["booked"] == 0), patients),
        ("Patients who booked but attended none",
         patients_where((cells["booked"] > 0) & (cells["attended"] == 0)), patients),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["figure", "value", "of"])
    frame["value"] = pd.Series([row[1] for row in rows], dtype=object)  # whole numbers stay whole
    frame["percent"] = percent(
        pd.to_numeric(frame["value"], errors="coerce").fillna(0), frame["of"].fillna(0)
    )
    return frame[["figure", "value", "percent"]]


def _number(value: float):
    """A median or IQR as the evaluation prints it: whole numbers plain, else two places."""
    return int(value) if float(value).is_integer() else float(round_half_up(value, 2))


# --- Outcome measures -------------------------------------------------------------------------


def measure_cells(scope: Scope) -> pd.DataFrame:
    """Counts by measure, score, category and change (none without a follow-up); a team's own
    cells also by the baseline and follow-up scores, for means and SDs. A lead's cells leave the
    scores out: cells by exact score would be too small to round usefully, and means of rounded
    counts would mislead."""
    keys = ["team", "home", "gp", "month", "measure", "item", "category", "change"]
    fields = ["team_id", "home_area_id", "gp_area_id", "month", "measure", "item", "category",
              "change"]  # fmt: skip
    if scope.exact:
        keys, fields = [*keys, "baseline", "followup"], [*fields, "baseline", "followup"]
    frame = _cube(scope.apply(MeasureItem.objects.all()), scope, fields, keys)
    return frame.astype({"change": "Float64"})


MEASURE_COLUMNS = [
    "measure", "score", "at_baseline", "with_both", "baseline_mean", "baseline_sd",
    "followup_mean", "followup_sd", "improved", "same", "worse",
]  # fmt: skip


def measures_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Outcome measures: for each measure and score, how many had it at baseline and how many
    at both baseline and follow-up; how many improved, stayed the same or got worse (lower is
    better on MYCaW and ONS4 anxiety); for a team's own patients, the mean (SD) at baseline and
    at follow-up of those with both. Then MYCaW concern categories at baseline, first and second
    concerns together."""
    data = data or ReportData(scope)
    cells = data.cells("measures", measure_cells)
    rows = []
    for slug, measure in MEASURES.items():
        items = ["total"] if slug == MeasureName.PSEQ else list(measure.items)
        for item in items:
            mine = cells[(cells["measure"] == slug) & (cells["item"] == item)]
            if mine.empty:
                continue
            name = "Total" if item == "total" else measure.items[item]
            rows.append((measure.short_name, name, *_changes(mine, measure.scales[item].better)))
    concerns = cells[(cells["measure"] == MeasureName.MYCAW) & (cells["category"] != "")]
    by_category = concerns.groupby("category")["count"].sum()
    for category, text in MYCAW_CATEGORIES.items():
        if int(by_category.get(category, 0)):
            rows.append(
                ("MYCaW concern category", text, int(by_category[category]),
                 *([None] * (len(MEASURE_COLUMNS) - 3)))
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    counts = ["at_baseline", "with_both", "improved", "same", "worse"]
    return frame.astype(dict.fromkeys(counts, "Int64"))  # counts stay whole where shown


def _changes(cells: pd.DataFrame, better: Direction) -> tuple:
    """at_baseline, with_both, means and SDs (exact cells only), improved, same, worse."""
    change = cells["change"]
    counted = [int(cells.loc[change == c, "count"].sum()) for c in (1, 0, -1)]
    at_baseline, with_both = int(cells["count"].sum()), sum(counted)
    if "baseline" not in cells:
        return (at_baseline, with_both, None, None, None, None, *counted)
    pairs = [
        (int(b), None if pd.isna(f) else int(f))
        for b, f, n in zip(cells["baseline"], cells["followup"], cells["count"], strict=True)
        for _ in range(int(n))
    ]
    summary = change_summary(pairs, better)
    return (
        at_baseline, with_both, _two(summary.baseline_mean), _two(summary.baseline_sd),
        _two(summary.followup_mean), _two(summary.followup_sd), *counted,
    )  # fmt: skip


def _two(value):
    return None if value is None else float(round_half_up(value, 2))


# --- Patient feedback -------------------------------------------------------------------------

FEEDBACK_KEYS = ["team", "home", "gp", "month", "question", "answer"]


def _feedback_teams(scope: Scope):
    teams = Team.objects.all()
    if scope.team is not None:
        teams = teams.filter(pk=scope.team.pk)
    if scope.codes is not None:
        teams = teams.filter(funding_area__in=[scope.area.pk, *scope.codes])
    return teams


def feedback_cells(scope: Scope) -> pd.DataFrame:
    """One row per answer given (question, answer), and one per response ("responded")."""
    responses = FeedbackResponse.objects.filter(
        team__in=_feedback_teams(scope),
        month__gte=scope.start.replace(day=1),
        month__lte=scope.end,
    ).values_list("team_id", "month", "answers", "strategies", "recommend", "record_key")
    cells: dict[tuple, list[int]] = {}

    def add(cell: tuple, key: int) -> None:
        counted = cells.get(cell)
        if counted is None:
            cells[cell] = [1, key]
        else:
            counted[0] += 1
            counted[1] += key

    # The driver's rows, read directly (JSON as text on every database Django supports).
    for team, month, answers, strategies, recommend, key in _fetch(responses):
        label = str(month)[:7]  # YYYY-MM, from a date or its ISO text
        add((team, label, "responded", ""), key)
        for question, answer in _json(answers).items():
            add((team, label, question, answer), key)
        strategies = _json(strategies)
        if strategies:
            add((team, label, "strategies_answered", ""), key)
        for strategy in strategies:
            add((team, label, "strategies", strategy), key)
        if recommend:
            add((team, label, "recommend", recommend), key)
    frame = pd.DataFrame(
        [(*cell, count, key_sum) for cell, (count, key_sum) in sorted(cells.items())],
        columns=["team", "month", "question", "answer", "count", "key_sum"],
    ).assign(home=NOT_KNOWN, gp=NOT_KNOWN)
    return frame.astype({"count": "int64", "key_sum": "int64"})


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


# The cubes of these reports, for ReportData.prefetch (the dashboard reads them all at once).


def feedback_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Patient feedback: responses against referrals the team accepted (the response rate);
    each satisfaction question's answers with their share of those who answered it; the
    strategies patients found helpful (several may be ticked: shares of those who ticked any);
    and whether they would recommend the service to friends and family."""
    data = data or ReportData(scope)
    cells = data.cells("feedback", feedback_cells)
    referrals = data.referrals()
    accepted = int(referrals.loc[referrals["accepted"], "count"].sum()) if len(referrals) else 0
    counts = cells.groupby(["question", "answer"])["count"].sum() if len(cells) else pd.Series()

    def count(question: str, answer: str = "") -> int:
        return int(counts.get((question, answer), 0))

    responses = count("responded")
    rows = [
        ("Responses (percent: the response rate, of referrals accepted)", "", responses, accepted),
        ("Referrals accepted", "", accepted, None),
    ]
    for number, (question, (topic, answers)) in enumerate(FEEDBACK_QUESTIONS.items(), start=1):
        text = f"Q{number}. {topic}"
        answered = sum(count(question, a) for a, _ in answers)
        rows += [(text, label, count(question, a), answered) for a, label in answers
                 if count(question, a)]  # fmt: skip
    ticked = count("strategies_answered")
    rows += [("Strategies found helpful", label, count("strategies", s), ticked)
             for s, label in STRATEGIES.items() if count("strategies", s)]  # fmt: skip
    recommended = sum(count("recommend", a) for a, _ in RECOMMEND)
    rows += [(RECOMMEND_QUESTION, label, count("recommend", a), recommended)
             for a, label in RECOMMEND if count("recommend", a)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["question", "answer", "responses", "of"])
    frame["percent"] = percent(frame["responses"], frame["of"].fillna(0))
    return frame[["question", "answer", "responses", "percent"]]


# --- ONS4 by the ONS thresholds ---------------------------------------------------------------

WELLBEING_KEYS = ["team", "home", "gp", "month", "item", "baseline_band", "followup_band"]


def _band_index(column: str) -> RawSQL:
    """The index of an ONS4 score's band (0 = the first band in ONS4_BANDS), computed by the
    database as a sum of comparisons against the band boundaries: two branches (anxiety's
    boundaries differ) rather than a CASE with a branch per band, which SQLite runs slowly."""
    branches = {}
    for item, bands in ONS4_BANDS.items():
        tests = " + ".join(f"CAST({column} >= {top + 1} AS INTEGER)" for top, _ in bands[:-1])
        branches.setdefault(tests, []).append(item)
    (first, items), (other, _) = sorted(branches.items(), key=lambda b: len(b[1]))
    names = ", ".join(f"'{item}'" for item in items)
    return RawSQL(f"CASE WHEN item IN ({names}) THEN {first} ELSE {other} END", [])  # noqa: S611


def wellbeing_cells(scope: Scope) -> pd.DataFrame:
    items = scope.apply(MeasureItem.objects.filter(measure=MeasureName.ONS4)).annotate(
        baseline_band=_band_index("baseline"), followup_band=_band_index("followup")
    )
    fields = ["team_id", "home_area_id", "gp_area_id", "month", "item", "baseline_band",
              "followup_band"]  # fmt: skip
    frame = _cube(items, scope, fields, WELLBEING_KEYS)
    for column in ("baseline_band", "followup_band"):
        frame[column] = [
            "" if pd.isna(index) else ONS4_BANDS[item][int(index)][1]
            for item, index in zip(frame["item"], frame[column], strict=True)
        ]
    return frame


def wellbeing_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """ONS4 personal wellbeing by the ONS thresholds: for each question and band, how many were
    in it at baseline and at follow-up (of those with both), with shares. Higher is better
    except anxiety, where "very low" is best."""
    data = data or ReportData(scope)
    cells = data.cells("wellbeing", wellbeing_cells)
    rows = []
    for item, text in ONS4_ITEMS.items():
        mine = cells[cells["item"] == item]
        both = mine[mine["followup_band"] != ""]
        n_baseline, n_both = int(mine["count"].sum()), int(both["count"].sum())
        for _, band in ONS4_BANDS[item]:
            at_baseline = int(mine.loc[mine["baseline_band"] == band, "count"].sum())
            at_followup = int(both.loc[both["followup_band"] == band, "count"].sum())
            rows.append((text, band.label, at_baseline, n_baseline, at_followup, n_both))
    frame = pd.DataFrame(
        rows, columns=["question", "band", "at_baseline", "of_baseline", "at_follow_up", "of_both"]
    )
    frame["percent_at_baseline"] = percent(frame["at_baseline"], frame["of_baseline"])
    frame["percent_at_follow_up"] = percent(frame["at_follow_up"], frame["of_both"])
    return frame[["question", "band", "at_baseline", "percent_at_baseline", "at_follow_up",
                  "percent_at_follow_up"]]  # fmt: skip


# Every cube here by the name ReportData keeps it under (ReportData.prefetch reads them all).
CUBES = {
    "sessions": session_cells,
    "measures": measure_cells,
    "wellbeing": wellbeing_cells,
    "feedback": feedback_cells,
}
