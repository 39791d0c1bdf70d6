from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from config.validators import plausible_date
from directory import listing
from directory.queries import ListingFacts
from directory.serializers import AreaRefSerializer
from signposting.journey import decision
from signposting.matching import (
    DEFAULT_LIMIT,
    FREE_ONLY_HELP,
    OPEN_ON_HELP,
    WORKS_HELP,
    Match,
    MatchQuery,
    MatchResult,
    shown_listings,
)
from signposting.models import MeasureRecord, OutcomeEvent, Referral, ReferralNeed, Session
from signposting.vocabulary import INTAKE_LABELS, PATH_LABELS, Reason, Stage, snomed_for


class MatchRequestSerializer(serializers.Serializer):
    """The patient's facts. Only home_postcode and needs are required; nothing is stored."""

    home_postcode = serializers.CharField(max_length=20)
    work_postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    works = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=WORKS_HELP,
    )
    gp_practice = serializers.CharField(max_length=20, required=False, allow_blank=True)
    gp_area = serializers.CharField(max_length=20, required=False, allow_blank=True)
    age = serializers.IntegerField(required=False, allow_null=True)
    needs = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50)
    delivery_modes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=10
    )
    max_distance_km = serializers.FloatField(required=False, allow_null=True)
    # A day's name rather than a choice field, so that matching's message ("'funday' is not a
    # day of the week: give one of monday, ...") is the one the caller reads.
    open_on = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=f"{', '.join(listing.WEEKDAY_SLUGS)} (any case). {OPEN_ON_HELP}",
    )
    free_only = serializers.BooleanField(required=False, default=False, help_text=FREE_ONLY_HELP)
    limit = serializers.IntegerField(required=False, default=DEFAULT_LIMIT)

    def get_fields(self):
        fields = super().get_fields()
        # "for" is a Python keyword, so the field is added by name.
        fields["for"] = serializers.ListField(
            child=serializers.CharField(max_length=40), required=False, max_length=20
        )
        return fields

    def to_query(self) -> MatchQuery:
        return MatchQuery.from_data(self.validated_data)


def area_json(area) -> dict | None:
    return None if area is None else {"code": area.code, "name": area.name}


def listing_json(facts: ListingFacts | None) -> dict:
    """What a result says of cost and opening: is_free is null when the cost is not known."""
    if facts is None:  # archived between the search and this read: nothing to say
        return {"is_free": None, "cost": "", "open_days": [], "by_appointment": False}
    schedules = facts.schedules
    return {
        "is_free": facts.is_free,
        "cost": facts.cost,
        "open_days": [listing.WEEKDAYS[day].lower() for day in listing.open_days(schedules)],
        "by_appointment": listing.by_appointment(schedules),
    }


def match_json(item: Match, need_slugs: dict[int, str], shown: ListingFacts | None = None) -> dict:
    entry = item.entry
    return {
        "service": {
            "id": entry.id,
            "name": entry.name,
            "organisation": entry.organisation,
            "capacity": entry.capacity,
            "delivery_modes": sorted(entry.delivery_modes),
            "referral_route": entry.referral_route,
            "phone": entry.phone,
            "email": entry.email,
            "website": entry.website,
            "last_reviewed": entry.last_reviewed.isoformat() if entry.last_reviewed else None,
            "address": (
                None
                if item.location is None
                else {"address": item.location[0], "postcode": item.location[1]}
            ),
            **listing_json(shown),
        },
        "eligibility": item.decision.verdict.value,
        "reasons": [reason.text for reason in item.decision.reasons],
        "matched_needs": [need_slugs[n] for n in item.matched_need_ids],
        "distance_km": item.distance_km,
    }


def result_json(result: MatchResult, need_slugs: dict[int, str]) -> dict:
    patient = result.patient
    shown = shown_listings(result)
    return {
        "patient": {
            "home_area": area_json(patient.home_area),
            "gp_area": area_json(patient.gp_area),
            "work_area": area_json(patient.work_area),
            "icbs": [{"code": icb.code, "name": icb.name} for icb in patient.icbs],
        },
        "results": [
            match_json(item, need_slugs, shown.get(item.entry.id)) for item in result.results
        ],
        "total_results": result.total,
        "unmet_needs": [need_slugs[n] for n in result.unmet_need_ids],
    }


class ReferralCreateSerializer(serializers.Serializer):
    """The patient's facts as for a match, plus the referral's source and optional profile."""

    source = serializers.CharField(max_length=40)
    home_postcode = serializers.CharField(max_length=20)
    work_postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    gp_practice = serializers.CharField(max_length=20, required=False, allow_blank=True)
    gp_area = serializers.CharField(max_length=20, required=False, allow_blank=True)
    age = serializers.IntegerField(required=False, allow_null=True)
    needs = serializers.ListField(child=serializers.CharField(max_length=60), max_length=50)
    sex = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ethnic_group = serializers.CharField(max_length=30, required=False, allow_blank=True)


class _EventCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=Reason.choices,
        required=False,
        allow_blank=True,
        help_text="Required for some kinds; each kind takes only its own reasons "
        "(signposting/vocabulary.py, REASONS_FOR).",
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    corrects = serializers.IntegerField(
        required=False, allow_null=True, help_text="The id of the earlier event this corrects."
    )


class IntakeOutcomeCreateSerializer(_EventCreateSerializer):
    """An outcome of the referral to the team. It names no service and no need."""

    kind = serializers.ChoiceField(choices=[(k.value, text) for k, text in INTAKE_LABELS.items()])

    def validate(self, attrs):
        errors = {
            field: [
                "an intake outcome names no "
                f"{field}: record events about services on the need's path, "
                "/api/v1/referrals/<id>/needs/<need>/events/"
            ]
            for field in ("service", "need")
            if self.initial_data.get(field) not in (None, "")
        }
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PathEventCreateSerializer(_EventCreateSerializer):
    """An event on one need's path (the need is in the URL). `service` names a published
    service covering the need; leave it out for no_service_available."""

    kind = serializers.ChoiceField(choices=[(k.value, text) for k, text in PATH_LABELS.items()])
    service = serializers.IntegerField(required=False, allow_null=True)

    def validate(self, attrs):
        named = self.initial_data.get("need")
        if named not in (None, "") and named != self.context.get("need"):
            raise serializers.ValidationError(
                {"need": [f"this is the path of '{self.context.get('need')}': leave need out"]}
            )
        return attrs


class ServiceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OutcomeEventSerializer(serializers.ModelSerializer):
    service = ServiceRefSerializer(allow_null=True, read_only=True)
    need = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    label = serializers.CharField(read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.get_username", read_only=True)
    corrects = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = OutcomeEvent
        fields = [
            "id",
            "stage",
            "kind",
            "label",
            "service",
            "need",
            "reason",
            "note",
            "recorded_by",
            "recorded_at",
            "corrects",
            "by_migration",
            "excluded_reason",
            "not_open",
            "override_reason",
        ]


class PathSummarySerializer(serializers.ModelSerializer):
    """One need of a referral and its own path's state."""

    need = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ReferralNeed
        fields = ["need", "state", "taken_up", "unmet"]


class ReferralSerializer(serializers.ModelSerializer):
    """A referral and its minimal patient profile; never anything that identifies the patient.

    `state` is the intake state (empty while waiting for the team's decision); `paths` gives
    each need's own state."""

    team = serializers.CharField(source="team.name", read_only=True)
    referrer = serializers.CharField(source="referrer.get_username", read_only=True)
    needs = serializers.SerializerMethodField()
    paths = PathSummarySerializer(source="need_links", many=True, read_only=True)
    home_area = AreaRefSerializer(allow_null=True, read_only=True)
    gp_area = AreaRefSerializer(allow_null=True, read_only=True)
    work_area = AreaRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "team",
            "referrer",
            "source",
            "needs",
            "created_at",
            "postcode_sector",
            "home_area",
            "gp_area",
            "work_area",
            "age_band",
            "sex",
            "ethnic_group",
            "state",
            "paths",
        ]

    def get_needs(self, referral) -> list[str]:
        return sorted(link.need.slug for link in referral.need_links.all())


class PathSerializer(PathSummarySerializer):
    """One need's path: its state and its events, oldest first."""

    events = serializers.SerializerMethodField()

    class Meta(PathSummarySerializer.Meta):
        fields = [*PathSummarySerializer.Meta.fields, "events"]

    @extend_schema_field(OutcomeEventSerializer(many=True))
    def get_events(self, link) -> list[dict]:
        events = self.context["events"]
        mine = [e for e in events if e.stage == Stage.PATH and e.need_id == link.need_id]
        return OutcomeEventSerializer(mine, many=True).data


class ReferralDetailSerializer(ReferralSerializer):
    """A referral with its intake (state and events), each need's path, every event in order,
    and events from before the two levels that no need could be found for (`unassigned`)."""

    intake = serializers.SerializerMethodField()
    paths = serializers.SerializerMethodField()
    unassigned = serializers.SerializerMethodField()
    events = OutcomeEventSerializer(many=True, read_only=True)
    snomed = serializers.SerializerMethodField(
        help_text="The SNOMED CT concept of the team's decision, to code the GP record."
    )

    class Meta(ReferralSerializer.Meta):
        fields = [
            *ReferralSerializer.Meta.fields,
            *("reference", "snomed", "intake", "unassigned", "events"),
        ]

    @extend_schema_field(
        inline_serializer(
            "Snomed",
            {"code": serializers.CharField(), "term": serializers.CharField()},
            allow_null=True,  # null until the team decides
        )
    )
    def get_snomed(self, referral) -> dict | None:
        latest = decision(referral.events.all())
        concept = None if latest is None else snomed_for(latest.kind, latest.reason)
        return None if concept is None else {"code": concept[0], "term": concept[1]}

    def _events(self, referral) -> list:
        return sorted(referral.events.all(), key=lambda e: (e.recorded_at, e.id))

    @extend_schema_field(
        inline_serializer(
            "Intake",
            {
                "state": serializers.CharField(),
                "accepted": serializers.BooleanField(),
                "events": OutcomeEventSerializer(many=True),
            },
        )
    )
    def get_intake(self, referral) -> dict:
        events = [e for e in self._events(referral) if e.stage == Stage.INTAKE]
        return {
            "state": referral.state,
            "accepted": referral.ever_accepted,
            "events": OutcomeEventSerializer(events, many=True).data,
        }

    @extend_schema_field(PathSerializer(many=True))
    def get_paths(self, referral) -> list[dict]:
        links = sorted(referral.need_links.all(), key=lambda link: link.need.slug)
        return PathSerializer(links, many=True, context={"events": self._events(referral)}).data

    @extend_schema_field(OutcomeEventSerializer(many=True))
    def get_unassigned(self, referral) -> list[dict]:
        need_ids = {link.need_id for link in referral.need_links.all()}
        events = [
            e for e in self._events(referral) if e.stage == Stage.PATH and e.need_id not in need_ids
        ]
        return OutcomeEventSerializer(events, many=True).data


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ["id", "date", "mode", "status", "dna_reason", "updated_at"]


class BookSessionSerializer(serializers.Serializer):
    """Book a session: its date and how it is delivered (in_person, remote)."""

    date = serializers.DateField(validators=[plausible_date])
    mode = serializers.CharField(max_length=16)


class SessionOutcomeSerializer(serializers.Serializer):
    """What happened: attended, did_not_attend (with dna_reason), cancelled or booked."""

    status = serializers.CharField(max_length=16)
    dna_reason = serializers.CharField(max_length=16, required=False, allow_blank=True)


class MeasureRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureRecord
        fields = [
            "id", "measure", "timepoint", "taken_on", "scores", "total",
            "concern_1_category", "concern_2_category", "recorded_at",
        ]  # fmt: skip


class MeasureCreateSerializer(serializers.Serializer):
    """An outcome measure: `measure` mycaw, pseq or ons4; `timepoint` baseline or follow_up;
    `scores` {item: score}; for MYCaW {"concern_1": {"category", "score"}, "concern_2": ...,
    "wellbeing": score}. Recording again at a timepoint replaces the earlier scores."""

    measure = serializers.CharField(max_length=8)
    timepoint = serializers.CharField(max_length=10)
    taken_on = serializers.DateField(validators=[plausible_date])
    scores = serializers.JSONField()
