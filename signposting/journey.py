"""States derived from events: one referral's intake, one need's path. Pure: no database.

The rules, one sentence each:
- An event *stands* unless a later event corrects it or it was kept only for the record
  (excluded: an event from before the two levels that today's rules refuse).
- A referral's state is the kind of its latest standing intake event (none: waiting); it counts
  as accepted if any standing intake event accepted it.
- A need's state is the kind of the latest standing event on its path; the need counts as taken
  up if a standing event says a service took the patient on; it is unmet if its latest event is
  "no service available", or if every service on its path last answered full, declined or not
  eligible.
"""

from dataclasses import dataclass

from signposting.vocabulary import REFUSALS, TAKEN_UP, WAITING, Kind, Stage


@dataclass(frozen=True)
class IntakeState:
    state: str
    accepted: bool


@dataclass(frozen=True)
class PathState:
    state: str
    taken_up: bool
    unmet: bool


def standing(events) -> list:
    """The events that count, oldest first: not corrected, not excluded."""
    corrected = {e.corrects_id for e in events if e.corrects_id}
    kept = [e for e in events if e.id not in corrected and not e.excluded_reason]
    return sorted(kept, key=lambda e: (e.recorded_at, e.id))


def intake_state(events) -> IntakeState:
    """Return the referral's state from its events (path events are ignored)."""
    intake = [e for e in standing(events) if e.stage == Stage.INTAKE]
    return IntakeState(
        state=intake[-1].kind if intake else WAITING,
        accepted=any(e.kind == Kind.ACCEPTED for e in intake),
    )


def decision(events):
    """The referral's latest standing intake event (its state), or None while waiting."""
    intake = [e for e in standing(events) if e.stage == Stage.INTAKE]
    return intake[-1] if intake else None


def path_state(events) -> PathState:
    """Return one need's state from the events of its path (and only those)."""
    path = [e for e in standing(events) if e.stage == Stage.PATH]
    if not path:
        return PathState(WAITING, taken_up=False, unmet=False)
    latest_by_service: dict[int, str] = {}
    for event in path:
        if event.service_id is not None:
            latest_by_service[event.service_id] = event.kind
    last = path[-1].kind
    unmet = last == Kind.NO_SERVICE_AVAILABLE or (
        bool(latest_by_service) and all(k in REFUSALS for k in latest_by_service.values())
    )
    return PathState(last, taken_up=any(e.kind in TAKEN_UP for e in path), unmet=unmet)


def path_states(events, need_ids) -> dict[int, PathState]:
    """Each need's state, from the referral's events: an event counts on its own need only."""
    by_need: dict[int, list] = {need_id: [] for need_id in need_ids}
    for event in events:
        if event.stage == Stage.PATH and event.need_id in by_need:
            by_need[event.need_id].append(event)
    # A correction moves an event: the corrected one stands nowhere, whichever need it was on.
    corrected = {e.corrects_id for e in events if e.corrects_id}
    return {
        need_id: path_state([e for e in mine if e.id not in corrected])
        for need_id, mine in by_need.items()
    }
