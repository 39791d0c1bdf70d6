"""The journey's vocabulary: every outcome kind, reason and state, defined once.

A referral is to the social prescribing team; its *intake* outcomes name no service. Each of the
referral's needs then has its own *path* of events about services (seeds 001 and 004). The same
word can mean different things at the two levels ("accepted" by the team, or by a service), so
the labels are per stage. Models, actions, forms, the API and the reports import from here.
"""

from django.db import models


class Stage(models.TextChoices):
    INTAKE = "intake", "Intake (the referral to the team)"
    PATH = "path", "Path (a need, connected to services)"


class Kind(models.TextChoices):
    """Every event kind, at either stage (see INTAKE_KINDS and PATH_KINDS)."""

    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    UNABLE_TO_CONTACT = "unable_to_contact", "Could not contact"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    CLOSED = "closed", "Closed or discharged"
    SIGNPOSTED = "signposted", "Signposted to a service"
    REFERRED = "referred", "Referred to a service"
    DECLINED_BY_SERVICE = "declined_by_service", "Declined by the service"
    DECLINED_BY_PATIENT = "declined_by_patient", "Declined by the patient"
    SERVICE_FULL = "service_full", "Service full or waiting list"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    NO_SERVICE_AVAILABLE = "no_service_available", "No service available"


# The intake outcomes of a referral to the team, in the order a form offers them.
INTAKE_LABELS = {
    Kind.ACCEPTED: "Accepted by the team",
    Kind.DECLINED: "Declined",
    Kind.UNABLE_TO_CONTACT: "Could not contact",
    Kind.NOT_ELIGIBLE: "Not eligible for the team",
    Kind.CLOSED: "Closed or discharged",
}
INTAKE_KINDS = frozenset(INTAKE_LABELS)

# The events of one need's path, in the order a form offers them.
PATH_LABELS = {
    Kind.REFERRED: "Referred to the service",
    Kind.SIGNPOSTED: "Signposted to the service",
    Kind.ACCEPTED: "Accepted by the service",
    Kind.STARTED: "Started with the service",
    Kind.COMPLETED: "Completed",
    Kind.DID_NOT_ATTEND: "Did not attend",
    Kind.SERVICE_FULL: "Service full or waiting list",
    Kind.DECLINED_BY_SERVICE: "Declined by the service",
    Kind.DECLINED_BY_PATIENT: "Declined by the patient",
    Kind.NOT_ELIGIBLE: "Not eligible for the service",
    Kind.NO_SERVICE_AVAILABLE: "No service available for this need",
}
PATH_KINDS = frozenset(PATH_LABELS)
# Path events that are a service's answer to a referral: the service must have been referred
# or signposted to on the same need first.
FOLLOWS_REFERRAL = frozenset(
    {
        Kind.ACCEPTED,
        Kind.STARTED,
        Kind.COMPLETED,
        Kind.DID_NOT_ATTEND,
        Kind.SERVICE_FULL,
        Kind.DECLINED_BY_SERVICE,
        Kind.NOT_ELIGIBLE,
    }
)
CONNECTS = frozenset({Kind.REFERRED, Kind.SIGNPOSTED})
# A path to one service that ended in one of these did not meet the need.
REFUSALS = frozenset({Kind.SERVICE_FULL, Kind.DECLINED_BY_SERVICE, Kind.NOT_ELIGIBLE})
# Path events that mean a service took the patient on.
TAKEN_UP = frozenset({Kind.ACCEPTED, Kind.STARTED, Kind.COMPLETED, Kind.DID_NOT_ATTEND})


class Reason(models.TextChoices):
    NEED_OUT_OF_SCOPE = "need_out_of_scope", "Need outside the link worker's scope"
    NOT_READY = "not_ready", "Not ready"
    NOT_INTERESTED = "not_interested", "Not interested"
    OUT_OF_AREA = "out_of_area", "Out of area"
    AGE = "age", "Outside the service's age range"
    CRITERIA = "criteria", "Does not meet the service's criteria"
    TOO_UNWELL = "too_unwell", "Too unwell"
    AWAY = "away", "Away or abroad"
    BEREAVEMENT = "bereavement", "Bereavement"
    ADVICE_BY_EMAIL = "advice_by_email", "Advice given by email instead"
    SUPPORT_COMPLETED = "support_completed", "Support completed"
    MOVED_AWAY = "moved_away", "Moved away"
    OTHER = "other", "Other"


R = Reason
# The reasons that fit each (stage, kind); a kind not listed takes no reason.
REASONS_FOR: dict[tuple[str, str], tuple[str, ...]] = {
    (Stage.INTAKE, Kind.DECLINED): (R.NEED_OUT_OF_SCOPE, R.NOT_READY, R.NOT_INTERESTED, R.OTHER),
    (Stage.INTAKE, Kind.NOT_ELIGIBLE): (R.OUT_OF_AREA, R.AGE, R.CRITERIA, R.OTHER),
    (Stage.INTAKE, Kind.UNABLE_TO_CONTACT): (R.OTHER,),
    (Stage.INTAKE, Kind.CLOSED): (
        R.SUPPORT_COMPLETED,
        R.ADVICE_BY_EMAIL,
        R.TOO_UNWELL,
        R.MOVED_AWAY,
        R.OTHER,
    ),
    (Stage.PATH, Kind.DECLINED_BY_SERVICE): (R.OUT_OF_AREA, R.AGE, R.CRITERIA, R.OTHER),
    (Stage.PATH, Kind.DECLINED_BY_PATIENT): (R.NOT_READY, R.NOT_INTERESTED, R.OTHER),
    (Stage.PATH, Kind.NOT_ELIGIBLE): (R.OUT_OF_AREA, R.AGE, R.CRITERIA, R.OTHER),
    (Stage.PATH, Kind.DID_NOT_ATTEND): (R.TOO_UNWELL, R.AWAY, R.BEREAVEMENT, R.OTHER),
    (Stage.PATH, Kind.SERVICE_FULL): (R.OTHER,),
    (Stage.PATH, Kind.COMPLETED): (R.OTHER,),
}
# Outcomes that must say why.
REASON_REQUIRED = frozenset(
    {
        (Stage.INTAKE, Kind.DECLINED),
        (Stage.INTAKE, Kind.NOT_ELIGIBLE),
        (Stage.PATH, Kind.DECLINED_BY_SERVICE),
        (Stage.PATH, Kind.DECLINED_BY_PATIENT),
        (Stage.PATH, Kind.NOT_ELIGIBLE),
    }
)


# Recording a referral or signposting to a service that is not open to the patient: why it was
# not open when it was recorded (the search's verdict), and why the team went ahead all the same.
class NotOpen(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", "Not open to this patient"
    CLOSED = "closed", "Closed to new referrals"


class OverrideReason(models.TextChoices):
    SERVICE_AGREED = "service_agreed", "The service agreed to take the patient"
    MEETS_CRITERIA = "meets_criteria", "The patient meets the service's criteria after all"
    WAITING_LIST = "waiting_list", "To join the service's waiting list"
    NO_ALTERNATIVE = "no_alternative", "No open service meets this need"
    PATIENT_CHOICE = "patient_choice", "The patient chose it, knowing it may not take them"
    OTHER = "other", "Other (say why in the note)"


# States. A referral's state is its latest standing intake outcome; WAITING (no outcome yet)
# is a state, never an outcome. A need's state is the latest standing event of its path.
WAITING = ""
INTAKE_STATE_LABELS = {WAITING: "Waiting for an intake outcome", **INTAKE_LABELS}
PATH_STATE_LABELS = {WAITING: "Nothing recorded yet", **PATH_LABELS}
# A need whose latest event is one of these is still being worked on.
PATH_OPEN_STATES = frozenset({WAITING, Kind.SIGNPOSTED, Kind.REFERRED})


def label(stage: str, kind: str) -> str:
    """Return the words for a kind at a stage (an unknown pair falls back to the kind's own)."""
    labels = INTAKE_LABELS if stage == Stage.INTAKE else PATH_LABELS
    if kind in labels:
        return labels[kind]
    return Kind(kind).label if kind in Kind.values else kind


def reasons_for(stage: str, kind: str) -> tuple[str, ...]:
    return REASONS_FOR.get((stage, kind), ())


# SNOMED CT concepts a team codes in the GP record for the referral's intake outcome.
SNOMED_FOR_INTAKE = {
    Kind.ACCEPTED: ("871731000000106", "Referral to social prescribing service"),
    Kind.DECLINED: ("871711000000103", "Social prescribing declined"),
}


def snomed_for(intake_state: str, reason: str = "") -> tuple[str, str] | None:
    """The SNOMED CT concept (code, term) for a referral's intake outcome, where one exists.
    "Declined" is coded only when the patient declined: a need outside the link worker's scope
    is the team's decision, not the patient's."""
    if intake_state == Kind.DECLINED and reason == Reason.NEED_OUT_OF_SCOPE:
        return None
    return SNOMED_FOR_INTAKE.get(intake_state)


# Sessions with the link worker (seed 001, 4.1.1.4 and 4.1.2.4).
class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    REMOTE = "remote", "Phone or video"


class SessionStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED = "cancelled", "Cancelled"


class SessionDnaReason(models.TextChoices):
    AWAY = "away", "Away or abroad"
    BEREAVEMENT = "bereavement", "Bereavement"
    TOO_UNWELL = "too_unwell", "Too unwell"
    OTHER = "other", "Other"


# Patient feedback: the evaluation's satisfaction survey (Table 7), the strategies patients found
# helpful (Table 8) and the friends-and-family question it recommends. Short wording of our own.
SATISFACTION = (
    ("extremely_satisfied", "Extremely satisfied"),
    ("mostly_satisfied", "Mostly satisfied"),
    ("neither", "Neither satisfied nor dissatisfied"),
    ("mostly_dissatisfied", "Mostly dissatisfied"),
    ("extremely_dissatisfied", "Extremely dissatisfied"),
)
EXPERIENCE = (
    ("extremely_positive", "Extremely positive"),
    ("mostly_positive", "Mostly positive"),
    ("neither", "Neither positive nor negative"),
    ("mostly_negative", "Mostly negative"),
    ("extremely_negative", "Extremely negative"),
)
FEEDBACK_QUESTIONS = {
    "information": ("The information you had before your first session", SATISFACTION),
    "sessions": ("The sessions", SATISFACTION),
    "skills": (
        "Whether the person you saw had the skills to help with your concerns",
        SATISFACTION,
    ),
    "treated": ("How you were treated", SATISFACTION),
    "overall": ("Your overall experience of the service", EXPERIENCE),
}
# The questions as the patient reads them.
FEEDBACK_PROMPTS = {
    "information": "How satisfied were you with the information you had before your first session?",
    "sessions": "How satisfied were you with the sessions?",
    "skills": "How satisfied were you that the person you saw had the skills to help with your "
    "concerns?",
    "treated": "How satisfied were you with how you were treated?",
    "overall": "How was your overall experience of the service?",
}
RECOMMEND = (
    ("very_likely", "Very likely"),
    ("likely", "Likely"),
    ("neither", "Neither likely nor unlikely"),
    ("unlikely", "Unlikely"),
    ("very_unlikely", "Very unlikely"),
    ("dont_know", "Don't know"),
)
RECOMMEND_QUESTION = "Would you recommend this service to friends and family if they needed it?"
STRATEGIES = {
    "goal_setting": "Goal setting plans",
    "signposting": "Signposting to other organisations",
    "diaries": "Diaries or journals",
    "homework": "Homework",
    "links": "Links to websites or podcasts",
    "schedules": "Schedules or timetables",
    "further_reading": "Suggestions for further reading",
    "information_sheets": "Information sheets",
}
