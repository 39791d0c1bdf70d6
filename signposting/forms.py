from django import forms
from django.db.models import Case, Q, When
from django.utils.choices import BaseChoiceIterator

from config.validators import plausible_date
from directory.listing import WEEKDAY_SLUGS, WEEKDAYS
from directory.models import (
    DeliveryMode,
    Need,
    PatientGroup,
    Service,
)
from directory.queries import find_gp_practices, search_choices
from signposting.matching import (
    FREE_ONLY_HELP,
    MAX_DISTANCE_KM,
    OPEN_ON_HELP,
    MatchError,
    MatchQuery,
)
from signposting.measures import MEASURES, MYCAW_CATEGORIES, MeasureName
from signposting.models import MeasureRecord, OutcomeEvent, Referral
from signposting.vocabulary import (
    CONNECTS,
    FEEDBACK_PROMPTS,
    FEEDBACK_QUESTIONS,
    INTAKE_LABELS,
    INTAKE_STATE_LABELS,
    PATH_LABELS,
    RECOMMEND,
    RECOMMEND_QUESTION,
    STRATEGIES,
    WAITING,
    Kind,
    OverrideReason,
    Reason,
    SessionDnaReason,
    SessionMode,
    SessionStatus,
    Stage,
    reasons_for,
)

# Whether the patient works, as the search form asks it; the value matching is given.
WORK_NOT_KNOWN = "not_known"
WORK_CHOICES = [
    ("works", "Works (give the work postcode)"),
    ("does_not_work", "Does not work"),
    (WORK_NOT_KNOWN, "Not known"),
]
WORKS = {"works": True, "does_not_work": False, WORK_NOT_KNOWN: None, "": None}

# Engine field names -> form field names, for errors raised by matching.
ERROR_FIELDS = {"for": "groups"}
# The referral list's and the API's status filter: an intake state, or still waiting for one.
WAITING_FILTER = "waiting"
STATUS_CHOICES = [
    (WAITING_FILTER, INTAKE_STATE_LABELS[WAITING]),
    *((k.value, text) for k, text in INTAKE_LABELS.items()),
]


def posted_id(data, name: str) -> int | None:
    """A record's number posted in a hidden field, or None if it is not one. ASCII digits only:
    "²".isdigit() is true but int("²") is not a number, and a crafted form must not be a 500."""
    raw = data.get(name, "")
    return int(raw) if isinstance(raw, str) and raw.isascii() and raw.isdigit() else None


class _Pairs(BaseChoiceIterator):
    """Choices already in Django's normal form, (value, label) pairs with text labels, which a
    field and its widget then take as they are: Django normalises a plain list again for each,
    about a millisecond of every search page's form for its needs and boroughs."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)


class SearchForm(forms.Form):
    """A patient's facts for one search. Nothing here is stored."""

    home_postcode = forms.CharField(
        label="Patient's home postcode", max_length=20, help_text="For example, SM1 1AA"
    )
    gp_practice = forms.CharField(
        label="GP practice (optional)",
        max_length=200,
        required=False,
        help_text="The practice's name or ODS code, for example Z00013. Or choose the GP's "
        "borough below.",
    )
    # The practice chosen when a name matched several (the form offers them as radios).
    gp_pick = forms.CharField(label="Which practice?", max_length=10, required=False)
    gp_area = forms.ChoiceField(label="GP's borough (optional)", required=False)
    works = forms.ChoiceField(
        label="Does the patient work? (optional)",
        help_text="Some services are for people who work in an area.",
        choices=WORK_CHOICES,
        widget=forms.RadioSelect,
        required=False,
        initial=WORK_NOT_KNOWN,
    )
    work_postcode = forms.CharField(
        label="Work postcode (optional)",
        max_length=20,
        required=False,
        help_text="If they work: the postcode of their workplace.",
    )
    age = forms.IntegerField(label="Age (optional)", required=False, min_value=0, max_value=120)
    needs = forms.MultipleChoiceField(
        label="Reasons for referral", widget=forms.CheckboxSelectMultiple, choices=()
    )
    groups = forms.MultipleChoiceField(
        label="The patient is (optional)",
        help_text="Leave empty if not known: services only for a group will show as 'check'.",
        widget=forms.CheckboxSelectMultiple,
        choices=PatientGroup.choices,
        required=False,
    )
    delivery_modes = forms.MultipleChoiceField(
        label="How the service is delivered (optional)",
        widget=forms.CheckboxSelectMultiple,
        choices=DeliveryMode.choices,
        required=False,
    )
    max_distance_km = forms.FloatField(
        label="Within (km, optional)",
        required=False,
        min_value=0.1,
        max_value=MAX_DISTANCE_KM,
    )
    open_on = forms.ChoiceField(
        label="Open on (optional)",
        help_text=OPEN_ON_HELP,
        choices=[("", "Any day"), *((slug, WEEKDAYS[day]) for slug, day in WEEKDAY_SLUGS.items())],
        required=False,
    )
    free_only = forms.BooleanField(
        label="Free services only", help_text=FREE_ONLY_HELP, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        needs, boroughs = search_choices()
        self.fields["needs"].choices = _Pairs(needs)
        self.fields["gp_area"].choices = _Pairs((("", "Not known"), *boroughs))

    # The practices a GP name matched, when it matched more than one (for the template).
    gp_choices: list = ()
    gp_choice_count = 0

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gp_practice") and cleaned.get("gp_area"):
            self.add_error("gp_practice", "Give the GP practice or the GP's borough, not both")
        elif cleaned.get("gp_practice"):
            self._resolve_practice(cleaned)
        works = cleaned.get("works") or WORK_NOT_KNOWN
        if works == "works" and not cleaned.get("work_postcode") and "work_postcode" in cleaned:
            self.add_error(
                "work_postcode", "Give the work postcode, or choose 'Not known' for work"
            )
        elif works == "does_not_work" and cleaned.get("work_postcode"):
            self.add_error(
                "work_postcode",
                "Leave the work postcode empty for a patient who does not work, or choose 'Works'",
            )
        return cleaned

    def _resolve_practice(self, cleaned) -> None:
        """Turn the practice's name or code into its code; a name that matches several
        practices is an error that offers them (the choice comes back as gp_pick)."""
        typed = cleaned["gp_practice"]
        search = find_gp_practices(typed)
        picked = cleaned.get("gp_pick")
        if search.count > 1 and picked in {p.code for p in search.practices}:
            cleaned["gp_practice"] = picked
        elif search.found is not None:
            cleaned["gp_practice"] = search.found.code
        elif search.count > len(search.practices):
            self.gp_choices, self.gp_choice_count = search.practices, search.count
            self.add_error(
                "gp_practice",
                f"{search.count} practices match '{typed[:60]}': choose one below, or type "
                "more of its name or its code",
            )
        elif search.count > 1:
            self.gp_choices, self.gp_choice_count = search.practices, search.count
            self.add_error(
                "gp_practice",
                f"{search.count} practices match '{typed[:60]}': choose one below",
            )
        else:
            self.add_error(
                "gp_practice",
                f"No GP practice is called '{typed[:60]}': check the spelling, give its ODS "
                "code, or choose the GP's borough instead",
            )

    def to_query(self) -> MatchQuery:
        data = {**self.cleaned_data, "works": WORKS[self.cleaned_data.get("works") or ""]}
        return MatchQuery.from_data(data, groups_key="groups")

    def add_match_errors(self, error: MatchError) -> None:
        for name, messages in error.errors.items():
            field = ERROR_FIELDS.get(name, name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


# The first event a referral from the search page records on its need.
RECORD_KINDS = (Kind.REFERRED, Kind.SIGNPOSTED, Kind.NO_SERVICE_AVAILABLE)


class RecordReferralForm(SearchForm):
    """The search's facts again (hidden), the team's decision, the first event on one need's
    path, and the optional profile."""

    source = forms.ChoiceField(
        label="Where the referral came from", choices=Referral.Source.choices
    )
    intake = forms.ChoiceField(
        label="The team's decision",
        choices=[(Kind.ACCEPTED.value, INTAKE_LABELS[Kind.ACCEPTED]), ("", "Not decided yet")],
        required=False,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(
        label="What happened",
        choices=[(k.value, PATH_LABELS[k]) for k in RECORD_KINDS],
    )
    service = forms.IntegerField(required=False, widget=forms.HiddenInput)
    need = forms.CharField(label="Which need is this for?", required=False)
    sex = forms.ChoiceField(
        label="Sex (optional)",
        choices=[("", "Not recorded"), *Referral.Sex.choices],
        required=False,
    )
    ethnic_group = forms.ChoiceField(
        label="Ethnic group (optional)",
        choices=[("", "Not recorded"), *Referral.EthnicGroup.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea
    )
    # Asked (and required) only when the service is not open to the patient: the view decides.
    override_reason = forms.ChoiceField(
        label="Why are you recording this all the same?",
        choices=OverrideReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def add_match_errors(self, error: MatchError) -> None:
        # The service is carried hidden: a problem with it is the form's, not a field's.
        for name, messages in error.errors.items():
            field = ERROR_FIELDS.get(name, name)
            for message in messages:
                shown = field in self.fields and field != "service"
                self.add_error(field if shown else None, message)


def _reason_groups(stage: str, labels: dict) -> list:
    """Reasons grouped by the outcome they fit, so that a page without JavaScript still shows
    which reason goes with which outcome (the server checks the pair)."""
    groups = [("", "None")]
    for kind, kind_label in labels.items():
        reasons = reasons_for(stage, kind)
        if reasons:
            groups.append(
                (f"For: {kind_label}", [(r, Reason(r).label) for r in reasons]),
            )
    return groups


def event_choice_label(event: OutcomeEvent) -> str:
    text = f"Event {event.pk}: {event.label}"
    if event.service_id:
        text += f" – {event.service.name}"
    if event.stage == Stage.PATH:
        text += f" ({event.need.name})" if event.need_id else " (unassigned)"
    return f"{text}, {event.recorded_at:%-d %b %Y}"


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return event_choice_label(obj)


class JourneyEventForm(forms.Form):
    """What the intake and path forms share: a kind, a reason that fits it, a note, and the
    event it corrects. The actions check the pair (kind, reason); the form only offers them."""

    stage = ""
    labels: dict = {}

    kind = forms.ChoiceField(label="Outcome")
    reason = forms.ChoiceField(label="Reason", required=False)
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea
    )
    corrects = EventChoiceField(
        label="This corrects an earlier event (optional)",
        queryset=OutcomeEvent.objects.none(),
        required=False,
        empty_label="No, this is a new event",
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.referral = referral
        self.fields["kind"].choices = [(k.value, text) for k, text in self.labels.items()]
        self.fields["reason"].choices = _reason_groups(self.stage, self.labels)
        self.fields[
            "reason"
        ].help_text = "Choose a reason listed for the outcome you chose. Some outcomes need one."

    @property
    def reason_groups(self) -> list[dict]:
        """The reason select's groups, each with the kind it is for, for the template; a reason
        shows as chosen only in the group of the outcome chosen."""
        kind_of = {f"For: {text}": kind.value for kind, text in self.labels.items()}
        chosen_kind, chosen = self["kind"].value(), self["reason"].value()
        return [
            {
                "label": group,
                "kind": kind_of[group],
                "options": [
                    {
                        "value": value,
                        "label": text,
                        "selected": value == chosen and kind_of[group] == chosen_kind,
                    }
                    for value, text in options
                ],
            }
            for group, options in self.fields["reason"].choices[1:]
        ]

    def add_match_errors(self, error: MatchError) -> None:
        for name, messages in error.errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class IntakeOutcomeForm(JourneyEventForm):
    """An outcome of the referral to the team: it names no service and no need."""

    stage = Stage.INTAKE
    labels = INTAKE_LABELS

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, referral=referral, prefix="intake", **kwargs)
        self.fields["kind"].label = "The team's decision"
        intake = referral.events.filter(stage=Stage.INTAKE)
        self.fields["corrects"].queryset = (
            intake.exclude(
                pk__in=list(intake.exclude(corrects=None).values_list("corrects_id", flat=True))
            )
            .select_related("service", "need")
            .order_by("-recorded_at", "-id")
        )


# The most services a need's form offers; the API takes any published service for the need.
MAX_SERVICE_CHOICES = 200


class PathEventForm(JourneyEventForm):
    """An event on one need's path: the services offered cover the need, those already
    referred or signposted to for it first."""

    stage = Stage.PATH
    labels = PATH_LABELS

    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False,
        empty_label="None (no service available)",
    )  # fmt: skip

    field_order = ["kind", "service", "reason", "note", "corrects"]

    def __init__(self, *args, referral, need, **kwargs):
        super().__init__(*args, referral=referral, prefix=f"need-{need.slug}", **kwargs)
        self.need = need
        self.fields["kind"].label = "What happened"
        path = referral.events.filter(stage=Stage.PATH)
        corrected = path.exclude(corrects=None).values_list("corrects_id", flat=True)
        connected = list(
            path.filter(need=need, kind__in=CONNECTS, service__isnull=False, excluded_reason="")
            .exclude(pk__in=list(corrected))
            .values_list("service_id", flat=True)
        )
        published = Service.objects.filter(status=Service.Status.PUBLISHED, needs=need)
        # A choice field cannot validate against a sliced queryset: slice the ids instead.
        first = list(
            published.filter(pk__in=connected).order_by("name", "id").values_list("id", flat=True)
        )
        rest = list(
            published.exclude(pk__in=connected)
            .order_by("name", "id")
            .values_list("id", flat=True)[: max(MAX_SERVICE_CHOICES - len(first), 0)]
        )
        self.connected_ids = first
        self.fields["service"].queryset = (
            Service.objects.filter(pk__in=first + rest)
            .select_related("organisation")
            .order_by(Case(When(pk__in=first, then=0), default=1), "name", "id")
        )
        # This need's events, and unassigned ones, that nothing has corrected yet.
        self.fields["corrects"].queryset = (
            path.filter(Q(need=need) | Q(need__isnull=True))
            .exclude(pk__in=list(corrected))
            .select_related("service", "need")
            .order_by("-recorded_at", "-id")
        )

    @property
    def service_groups(self) -> list[dict]:
        """The services offered in two groups: already connected for this need, the rest."""
        chosen = str(self["service"].value() or "")
        label = self.fields["service"].label_from_instance
        services = [
            (s.pk in self.connected_ids, {"value": s.pk, "label": label(s),
                                          "selected": str(s.pk) == chosen})
            for s in self.fields["service"].queryset
        ]  # fmt: skip
        groups = [
            ("Already referred or signposted for this need", True),
            ("Other published services for this need", False),
        ]
        return [
            {"label": text, "options": [o for c, o in services if c == connected]}
            for text, connected in groups
            if any(c == connected for c, _ in services)
        ]


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Team's decision",
        required=False,
        choices=[("", "Any"), *STATUS_CHOICES],
    )
    need = forms.ModelChoiceField(
        label="Need", queryset=Need.objects.order_by("name"), to_field_name="slug", required=False
    )
    created_from = forms.DateField(
        label="From (YYYY-MM-DD)", required=False, validators=[plausible_date]
    )
    created_to = forms.DateField(
        label="To (YYYY-MM-DD)", required=False, validators=[plausible_date]
    )


def filter_by_status(queryset, status: str):
    """The referrals in an intake state; "waiting" means no intake outcome yet."""
    return queryset.filter(state=WAITING if status == WAITING_FILTER else status)


class BookSessionForm(forms.Form):
    """Book a session with the link worker."""

    date = forms.DateField(
        label="Date of the session",
        help_text="Use the date picker, or type it as 2026-12-14",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )
    mode = forms.ChoiceField(label="How it is delivered", choices=SessionMode.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="book", **kwargs)

    add_match_errors = JourneyEventForm.add_match_errors


class SessionOutcomeForm(forms.Form):
    """What happened to a booked session."""

    status = forms.ChoiceField(label="What happened", choices=SessionStatus.choices)
    dna_reason = forms.ChoiceField(
        label="If they did not attend, why",
        choices=[("", "Not applicable"), *SessionDnaReason.choices],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        # A reason left selected from an earlier "did not attend" goes with it.
        if cleaned.get("status") != SessionStatus.DID_NOT_ATTEND:
            cleaned["dna_reason"] = ""
        return cleaned

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, prefix=f"session-{session.pk}", **kwargs)
        self.session = session
        if not self.is_bound:
            self.initial = {"status": session.status, "dna_reason": session.dna_reason}

    add_match_errors = JourneyEventForm.add_match_errors


class FeedbackForm(forms.Form):
    """The patient's anonymous feedback: every question optional (one answer needed)."""

    recommend = forms.ChoiceField(
        label=RECOMMEND_QUESTION,
        choices=RECOMMEND,
        required=False,
        widget=forms.RadioSelect,
    )
    strategies = forms.MultipleChoiceField(
        label="Which of these did you find helpful in your sessions?",
        help_text="Tick all that apply.",
        choices=list(STRATEGIES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (_topic, answers) in FEEDBACK_QUESTIONS.items():
            self.fields[name] = forms.ChoiceField(
                label=FEEDBACK_PROMPTS[name],
                choices=answers,
                required=False,
                widget=forms.RadioSelect,
            )
        self.order_fields([*FEEDBACK_QUESTIONS, "strategies", "recommend"])

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in FEEDBACK_QUESTIONS}

    add_match_errors = JourneyEventForm.add_match_errors


def _score_choices(scale) -> list[tuple[str, str]]:
    choices = [("", "Not given")]
    for score in range(scale.minimum, scale.maximum + 1):
        text = str(score)
        if score == scale.minimum:
            text += f" ({scale.low_label.lower()})"
        elif score == scale.maximum:
            text += f" ({scale.high_label.lower()})"
        choices.append((str(score), text))
    return choices


class MeasureForm(forms.Form):
    """One outcome measure at one timepoint. Fields are optional here: the scoring module
    (signposting.measures) says what is missing or out of range, in one place."""

    timepoint = forms.ChoiceField(label="When", choices=MeasureRecord.Timepoint.choices)
    taken_on = forms.DateField(
        label="Date taken",
        help_text="Use the date picker, or type it as 2026-12-14",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[plausible_date],
    )

    def __init__(self, *args, measure: str, **kwargs):
        super().__init__(*args, prefix=f"measure-{measure}", **kwargs)
        self.measure = MEASURES[MeasureName(measure)]
        if self.measure.slug == MeasureName.MYCAW:
            categories = [("", "None"), *MYCAW_CATEGORIES.items()]
            for slot, slot_label in (("concern_1", "First concern"),
                                     ("concern_2", "Second concern (optional)")):  # fmt: skip
                self.fields[f"{slot}_category"] = forms.ChoiceField(
                    label=f"{slot_label}: category", choices=categories, required=False
                )
                self.fields[f"{slot}_score"] = forms.ChoiceField(
                    label=f"{slot_label}: how much it bothers them",
                    choices=_score_choices(self.measure.scales[slot]),
                    required=False,
                )
            self.fields["wellbeing"] = forms.ChoiceField(
                label="Wellbeing",
                choices=_score_choices(self.measure.scales["wellbeing"]),
                required=False,
            )
        else:
            for item, text in self.measure.items.items():
                self.fields[item] = forms.ChoiceField(
                    label=text,
                    choices=_score_choices(self.measure.scales[item]),
                    required=False,
                )
        self.score_fields = [name for name in self.fields if name not in ("timepoint", "taken_on")]

    def scores(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.score_fields}

    add_match_errors = JourneyEventForm.add_match_errors
