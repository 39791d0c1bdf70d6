"""Out-of-area demand: a team's patients from outside the area that funds it."""

import pandas as pd

from signposting.models import Team
from signposting.reports.cells import ReportData, area_names
from signposting.reports.scope import Scope
from signposting.vocabulary import INTAKE_STATE_LABELS

COLUMNS = ["team", "funding_area", "lives_in", "gp_in_funding_area", "outcome", "referrals"]


def out_of_area_report(scope: Scope, data: ReportData | None = None) -> pd.DataFrame:
    """Referrals whose patients live outside the area that funds the team, by where they live,
    whether their GP is in the area, and the referral's intake outcome."""
    data = data or ReportData(scope)
    cells = data.referrals()
    teams = Team.objects.filter(funding_area__isnull=False).select_related("funding_area")
    if scope.team is not None:
        teams = teams.filter(pk=scope.team.pk)
    parts = []
    for team in teams:
        codes = Scope(scope.start, scope.end, area=team.funding_area).codes
        mine = cells[(cells["team"] == team.pk) & (cells["home"] != "")]
        mine = mine[~mine["home"].isin(codes)]
        if mine.empty:
            continue
        mine = mine.assign(gp_in=mine["gp"].isin(codes).map({True: "yes", False: "no"}))
        frame = mine.groupby(["home", "gp_in", "state"], as_index=False)["count"].sum()
        parts.append(frame.assign(team=team.name, funding_area=team.funding_area.short_name))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat(parts, ignore_index=True).rename(
        columns={"gp_in": "gp_in_funding_area", "count": "referrals"}
    )
    frame["lives_in"] = frame["home"].map(area_names())
    frame["outcome"] = frame["state"].map(INTAKE_STATE_LABELS)
    return frame.sort_values(
        ["team", "referrals", "lives_in", "gp_in_funding_area", "outcome"],
        ascending=[True, False, True, True, True],
    )[COLUMNS].reset_index(drop=True)
