"""Teams, referrals and their outcome events. No patient identity is ever stored here."""

from django.conf import settings
from django.db import models

from directory.models import Area, Need, Service
from signposting.vocabulary import (
    Kind,
    NotOpen,
    OverrideReason,
    Reason,
    SessionDnaReason,
    SessionMode,
    SessionStatus,
    Stage,
    label,
)


class Team(models.Model):
    """A group of link workers or clinicians who share their referrals."""

    name = models.CharField(max_length=150, unique=True)
    # The area that funds the team: patients from outside it are "out of area" in reports.
    funding_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="funded_teams", null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """Which team a user belongs to (one team a user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")

    def __str__(self):
        return f"{self.user} in {self.team}"


# The columns the referral and sessions cubes group and sum (reports/cells.py, engagement.py).
_REFERRAL_CUBE = ["team", "source", "state", "ever_accepted", "record_key", "sessions_booked",
                  "sessions_attended", "sessions_missed", "sessions_in_person",
                  "sessions_remote"]  # fmt: skip


class Referral(models.Model):
    """One patient referred for social prescribing, with a minimal, non-identifying profile."""

    class Source(models.TextChoices):
        GP = "gp", "GP"
        PAIN_CLINIC_ASSESSMENT = "pain_clinic_assessment", "Pain clinic assessment"
        PAIN_MANAGEMENT_PROGRAMME = "pain_management_programme", "After a pain management programme"
        NURSE_FOLLOW_UP = "nurse_follow_up", "Nurse follow-up clinic"
        WARD = "ward", "Ward"
        SELF = "self", "Self-referral"
        VCSE = "vcse", "Voluntary or community organisation"
        OTHER = "other", "Other"

    class AgeBand(models.TextChoices):
        UNDER_18 = "0-17", "Under 18"
        ADULT = "18-64", "18 to 64"
        OLDER = "65+", "65 and over"
        UNKNOWN = "unknown", "Not known"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        NOT_STATED = "not_stated", "Not stated"

    class EthnicGroup(models.TextChoices):
        # The categories of the South West London pilot evaluation (Tables 3 and 5).
        ASIAN_OR_BLACK = "asian_or_black", "Asian / Asian British or Black / Black British"
        WHITE = "white", "White (including white other)"
        OTHER_OR_MIXED = "other_or_mixed", "Other and Mixed"
        NOT_STATED = "not_stated", "Not stated"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    source = models.CharField(max_length=30, choices=Source.choices)
    needs = models.ManyToManyField(Need, through="ReferralNeed", related_name="referrals")
    created_at = models.DateTimeField()
    # The patient profile: derived at creation, never the full postcode or anything identifying.
    postcode_sector = models.CharField(max_length=6, help_text='e.g. "SW19 1"')
    home_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    gp_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    work_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, default=AgeBand.UNKNOWN)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    ethnic_group = models.CharField(max_length=16, choices=EthnicGroup.choices, blank=True)
    # The intake state, derived from the intake events (signposting.journey), kept here so that
    # lists and reports need not replay events. Only signposting.actions writes them.
    state = models.CharField(max_length=24, blank=True, db_index=True)
    ever_accepted = models.BooleanField(default=False)
    # A random key fixed at creation, for disclosure control (signposting.reports.disclosure):
    # the same records always get the same rounding in every table and every query.
    record_key = models.PositiveSmallIntegerField(default=0)
    # A short random reference the team copies into the patient's own GP record, to find this
    # referral again (never typed by a person, never shown outside the team): docs/recording.md.
    reference = models.CharField(max_length=12, unique=True, null=True, blank=True)
    # Counts of the referral's sessions (signposting.engagement keeps them), so that the
    # sessions report is one GROUP BY on this table. Cancelled sessions count nowhere.
    sessions_booked = models.PositiveSmallIntegerField(default=0)
    sessions_attended = models.PositiveSmallIntegerField(default=0)
    sessions_missed = models.PositiveSmallIntegerField(default=0)
    sessions_in_person = models.PositiveSmallIntegerField(default=0)
    sessions_remote = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        # No index on created_at alone: reports read most of a year, where a full scan is
        # four times faster than walking an index; team lists use (team, created_at). The
        # others cover the reports' GROUP BYs, so SQLite reads an index, not the table.
        # For an area, reports read the referrals with the home or the GP borough in it (an
        # OR that SQLite answers from one index for each side): those two hold every column
        # the referral and sessions cubes group or sum, so the table itself is not read.
        indexes = [
            models.Index(fields=["team", "created_at"]),
            models.Index(fields=["source", "created_at"]),
            models.Index(fields=["state", "ever_accepted", "created_at"]),
            models.Index(
                fields=["home_area", "created_at", "gp_area", *_REFERRAL_CUBE],
                name="referral_home_cube",
            ),
            models.Index(
                fields=["gp_area", "created_at", "home_area", *_REFERRAL_CUBE],
                name="referral_gp_cube",
            ),
        ]
        permissions = [("view_reports", "Can see network reports")]

    def __str__(self):
        return f"Referral {self.pk} ({self.team})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("referral-detail", args=[self.pk])


class ReferralNeed(models.Model):
    """One reason for a referral, with the state of its own path (never another need's).

    The referral's date, team, boroughs and record key (which never change) are copied here,
    so that reports count needs without a join (ADR 5)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="need_links")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="referral_links")
    created_at = models.DateTimeField()
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    home_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    gp_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    record_key = models.PositiveSmallIntegerField(default=0)
    # Derived from this need's path events (signposting.journey.path_state).
    state = models.CharField(max_length=24, blank=True)
    taken_up = models.BooleanField(default=False)
    unmet = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "need"], name="referral_need_once")
        ]
        # Covers the reports' GROUP BY need, borough, state (and month, from created_at).
        indexes = [models.Index(fields=["need", "home_area", "state", "created_at"])]

    def __str__(self):
        return f"{self.referral_id}: {self.need_id}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: outcome events are a permanent record."""

    def update(self, **kwargs):
        raise PermissionError("Outcome events are append-only: record a correction instead")

    def delete(self):
        raise PermissionError("Outcome events are append-only: record a correction instead")


class OutcomeEvent(models.Model):
    """Something that happened: an intake outcome of the referral, or an event on one need's
    path. Never changed or deleted once written; a correction is a new event."""

    Stage = Stage
    Kind = Kind
    Reason = Reason

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="events")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="outcome_events", null=True, blank=True
    )
    # Empty on intake events; on a path event, empty only where the migration to two levels
    # could not tell which need an old event was about ("unassigned", for the team to review).
    need = models.ForeignKey(
        Need, on_delete=models.PROTECT, related_name="outcome_events", null=True, blank=True
    )
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    # A referral or signposting recorded from a search to a service that was not open to the
    # patient: why it was not (as the search said then), and why the team went ahead. Both
    # empty otherwise. Structured, so that reports and reviews can count them.
    # db_default: rows written in bulk by SQL (the benchmark generators, restores of older
    # backups) get "" as Django's own inserts do.
    not_open = models.CharField(
        max_length=16, choices=NotOpen.choices, blank=True, default="", db_default=""
    )
    override_reason = models.CharField(
        max_length=24, choices=OverrideReason.choices, blank=True, default="", db_default=""
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outcome_events"
    )
    recorded_at = models.DateTimeField(db_index=True)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    # Set by migration 0004 only: an intake outcome it derived from older events; the event an
    # older event was copied from (one copy for each further need its service covers); and why
    # today's rules would refuse an older event, which is then kept but left out of states and
    # reports.
    by_migration = models.BooleanField(default=False)
    copied_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="copies"
    )
    excluded_reason = models.CharField(max_length=200, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            models.Index(fields=["referral", "recorded_at"]),
            models.Index(fields=["kind", "referral"]),
            models.Index(fields=["referral", "need", "recorded_at"]),
        ]

    def __str__(self):
        return f"{self.label} ({self.recorded_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("Outcome events are append-only: record a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Outcome events are append-only: record a correction instead")

    @property
    def label(self) -> str:
        return label(self.stage, self.kind)


class Session(models.Model):
    """A session with the link worker: booked, then attended, did not attend or cancelled.

    Unlike outcome events, a session's status is updated as it happens (booked, then attended);
    the team, month and record key are copied from the referral for reports."""

    Mode = SessionMode
    Status = SessionStatus
    DnaReason = SessionDnaReason

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="sessions")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(help_text="The referral's date (for reports)")
    record_key = models.PositiveSmallIntegerField(default=0)
    date = models.DateField()
    mode = models.CharField(max_length=12, choices=SessionMode.choices)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.BOOKED
    )
    dna_reason = models.CharField(max_length=16, choices=SessionDnaReason.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["team", "created_at"])]

    def __str__(self):
        return f"Session {self.date} ({self.get_status_display()})"


class MeasureRecord(models.Model):
    """One outcome measure taken at baseline or follow-up, scored by signposting.measures.

    `scores` holds the item scores by item name (for MYCaW: concern_1, concern_2, wellbeing);
    the concerns' categories are kept, never the patient's own words."""

    class Measure(models.TextChoices):
        MYCAW = "mycaw", "MYCaW"
        PSEQ = "pseq", "Pain Self-Efficacy Questionnaire"
        ONS4 = "ons4", "ONS4 personal wellbeing"

    class Timepoint(models.TextChoices):
        BASELINE = "baseline", "Baseline"
        FOLLOW_UP = "follow_up", "Follow-up"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="measures")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(help_text="The referral's date (for reports)")
    record_key = models.PositiveSmallIntegerField(default=0)
    measure = models.CharField(max_length=8, choices=Measure.choices)
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    taken_on = models.DateField()
    scores = models.JSONField()
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    concern_1_category = models.CharField(max_length=32, blank=True)
    concern_2_category = models.CharField(max_length=32, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["measure", "timepoint"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "measure", "timepoint"], name="one_measure_per_timepoint"
            )
        ]
        indexes = [models.Index(fields=["team", "measure", "created_at"])]

    def __str__(self):
        return f"{self.get_measure_display()} {self.get_timepoint_display()}"


class FeedbackResponse(models.Model):
    """A patient's anonymous answers: team and month only, never linked to a referral."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="feedback")
    month = models.DateField(help_text="The first day of the month it was given")
    answers = models.JSONField(help_text="Question name to answer name (vocabulary)")
    strategies = models.JSONField(default=list)
    recommend = models.CharField(max_length=16, blank=True)
    record_key = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["team", "month"])]

    def __str__(self):
        return f"Feedback for {self.team} ({self.month:%B %Y})"


# The columns the measures report's cube groups and sums (reports/engagement.py).
# The measures cube's columns, then the scores the team's own cube and the wellbeing cube read.
_MEASURE_CUBE = [
    "team", "measure", "item", "category", "change", "record_key", "baseline", "followup",
]  # fmt: skip


class MeasureItem(models.Model):
    """One score of one measure for one referral, baseline beside follow-up: derived from
    MeasureRecord by signposting.engagement, so that reports count changes with one GROUP BY.

    Items: MYCaW concern_1, concern_2 (with the baseline's category) and wellbeing; PSEQ total;
    ONS4's four questions."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    home_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    gp_area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField()
    record_key = models.PositiveSmallIntegerField(default=0)
    measure = models.CharField(max_length=8)
    item = models.CharField(max_length=24)
    category = models.CharField(max_length=32, blank=True)
    baseline = models.PositiveSmallIntegerField(null=True, blank=True)
    followup = models.PositiveSmallIntegerField(null=True, blank=True)
    # -1 worse, 0 the same, 1 better (in the measure's own direction); null without both.
    change = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "measure", "item"], name="one_score_per_item"
            )
        ]
        # As for referrals: the two sides of an area's OR, with every column the measures cube
        # groups or sums.
        indexes = [
            models.Index(fields=["measure", "item", "created_at"]),
            models.Index(
                fields=["home_area", "created_at", "gp_area", *_MEASURE_CUBE],
                name="measure_item_home_cube",
            ),
            models.Index(
                fields=["gp_area", "created_at", "home_area", *_MEASURE_CUBE],
                name="measure_item_gp_cube",
            ),
        ]

    def __str__(self):
        return f"{self.measure} {self.item}: {self.baseline} to {self.followup}"


class GeneratedTeam(models.Model):
    """A team a generator made (benchmark or demo data), never one a person created.

    Only generators write these marks (signposting.generated); they are not in the admin, so
    renaming a team can never make its records look generated, or the reverse."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="generator_mark"
    )
    generator = models.CharField(max_length=40)

    def __str__(self):
        return f"{self.team} (made by {self.generator})"


class GeneratedUser(models.Model):
    """A user a generator made (benchmark or demo data), never one a person created."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="generator_mark",
    )
    generator = models.CharField(max_length=40)

    def __str__(self):
        return f"{self.user} (made by {self.generator})"
