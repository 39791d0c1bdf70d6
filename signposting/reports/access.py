"""Who reads which reports, and how exactly.

- A network lead (permission signposting.view_reports) sees across teams and areas: every
  figure comes through disclosure control (disclosure.py) and periods are whole months.
- A team member (permission signposting.view_referral and a team membership) sees their own
  team's reports only, exact, for any dates: the team knows its patients, and this is how the
  evaluation's tables were made.
- Anyone else sees no reports.

A network lead who belongs to a team works for the area that funds it (a lead of South West
London: a team funded by the ICB): the reports page opens on that area, so its gap report and
heatmap list that area's boroughs, not every borough. They may choose another area, or all.
"""

from dataclasses import dataclass

from directory.models import Area
from signposting.models import Membership, Team


@dataclass(frozen=True)
class Reader:
    lead: bool
    team: Team | None = None
    # A network lead's own area (their team's funding area), where the reports page opens.
    area: Area | None = None

    @property
    def exact(self) -> bool:
        return not self.lead


def reader_of(user) -> Reader | None:
    """How the user may read reports, or None if they may not."""
    if not user.is_authenticated:
        return None
    if user.has_perm("signposting.view_reports"):
        membership = (
            Membership.objects.select_related("team__funding_area").filter(user=user).first()
        )
        return Reader(lead=True, area=membership.team.funding_area if membership else None)
    membership = getattr(user, "membership", None)
    if user.has_perm("signposting.view_referral") and membership is not None:
        return Reader(lead=False, team=membership.team)
    return None
