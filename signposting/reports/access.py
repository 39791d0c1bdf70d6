"""Who reads which reports, and how exactly.

- A network lead (permission signposting.view_reports) sees across teams and areas: every
  figure comes through disclosure control (disclosure.py) and periods are whole months.
- A team member (permission signposting.view_referral and a team membership) sees their own
  team's reports only, exact, for any dates: the team knows its patients, and this is how the
  evaluation's tables were made.
- Anyone else sees no reports.
"""

from dataclasses import dataclass

from signposting.models import Team


@dataclass(frozen=True)
class Reader:
    lead: bool
    team: Team | None = None

    @property
    def exact(self) -> bool:
        return not self.lead


def reader_of(user) -> Reader | None:
    """How the user may read reports, or None if they may not."""
    if not user.is_authenticated:
        return None
    if user.has_perm("signposting.view_reports"):
        return Reader(lead=True)
    membership = getattr(user, "membership", None)
    if user.has_perm("signposting.view_referral") and membership is not None:
        return Reader(lead=False, team=membership.team)
    return None
