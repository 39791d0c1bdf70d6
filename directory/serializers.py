from rest_framework import serializers

from directory import actions
from directory.models import Area, Location, Need, Postcode, Schedule, Service
from directory.service_data import ACCESS_FLAGS, SERVICE_COLUMNS, ServiceValidator


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AreaSerializer(serializers.ModelSerializer):
    icb = AreaRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Area
        fields = ["code", "name", "kind", "icb"]


class PostcodeSerializer(serializers.ModelSerializer):
    local_authority = AreaRefSerializer(allow_null=True, read_only=True)
    icb = serializers.SerializerMethodField()

    class Meta:
        model = Postcode
        fields = ["postcode", "latitude", "longitude", "local_authority", "icb"]

    def get_icb(self, obj: Postcode) -> dict | None:
        la = obj.local_authority
        if la is None or la.icb is None:
            return None
        return {"code": la.icb.code, "name": la.icb.name}


class NeedSerializer(serializers.ModelSerializer):
    synonyms = serializers.ListField(source="synonym_list", child=serializers.CharField())

    class Meta:
        model = Need
        fields = ["slug", "name", "description", "synonyms"]


class LocationSerializer(serializers.ModelSerializer):
    local_authority = AreaRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Location
        fields = ["name", "address", "postcode", "latitude", "longitude", "local_authority"]


class EligibilitySerializer(serializers.Serializer):
    areas = AreaRefSerializer(many=True, source="eligible_areas.all")
    via = serializers.ListField(source="eligible_via", child=serializers.CharField())
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    only_for = serializers.ListField(child=serializers.CharField())


class ScheduleSerializer(serializers.ModelSerializer):
    day = serializers.SerializerMethodField()

    class Meta:
        model = Schedule
        fields = ["day", "opens_at", "closes_at", "by_appointment"]

    def get_day(self, obj) -> str | None:
        return obj.get_weekday_display() if obj.weekday else None


class AccessibilitySerializer(serializers.Serializer):
    step_free_access = serializers.BooleanField(allow_null=True)
    hearing_loop = serializers.BooleanField(allow_null=True)
    accessible_toilet = serializers.BooleanField(allow_null=True)
    languages = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField(source="accessibility_note")


class ServiceSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    needs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    delivery_modes = serializers.ListField(child=serializers.CharField())
    areas_served = AreaRefSerializer(many=True, source="areas_served.all")
    eligibility = EligibilitySerializer(source="*")
    locations = LocationSerializer(many=True)
    opening_times = ScheduleSerializer(many=True, source="schedules")
    opening_notes = serializers.CharField(source="opening_times")
    accessibility = AccessibilitySerializer(source="*")
    source = serializers.CharField(source="source.name", allow_null=True, default=None)
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            "id",
            "external_id",
            "name",
            "organisation",
            "description",
            "needs",
            "delivery_modes",
            "areas_served",
            "serves_nationally",
            "eligibility",
            "referral_route",
            "is_free",
            "cost",
            "opening_times",
            "opening_notes",
            "accessibility",
            "capacity",
            "status",
            "last_reviewed",
            "phone",
            "email",
            "website",
            "locations",
            "uuid",
            "source",
            "distance_km",
        ]

    def get_distance_km(self, obj) -> float | None:
        return getattr(obj, "distance_km", None)


def _write_field(column) -> serializers.Field:
    """The API's field for a template column: the same names and the same checks."""
    if column.is_list:
        return serializers.ListField(
            child=serializers.CharField(), required=column.required, help_text=column.help
        )
    if column.name in ("min_age", "max_age"):
        return serializers.IntegerField(required=False, allow_null=True, help_text=column.help)
    if column.name in ACCESS_FLAGS:
        return serializers.BooleanField(required=False, allow_null=True, help_text=column.help)
    return serializers.CharField(
        required=column.required,
        allow_blank=not column.required,
        allow_null=not column.required,
        help_text=column.help,
    )


class ServiceWriteSerializer(serializers.Serializer):
    """Create or replace a service: the same fields and checks as a spreadsheet row."""

    def get_fields(self):
        return {column.name: _write_field(column) for column in SERVICE_COLUMNS}

    def validate(self, attrs):
        validator = ServiceValidator()
        validator.prefetch_postcodes([attrs.get("postcode") or ""])
        record, problems = validator.validate(attrs)
        if problems:
            errors: dict[str, list[str]] = {}
            for column, message in problems:
                errors.setdefault(column, []).append(message)
            raise serializers.ValidationError(errors)
        return {"record": record}

    def create(self, validated_data):
        try:
            return actions.save_service(validated_data["record"])
        except actions.DirectoryWriteError as exc:
            raise serializers.ValidationError({"service": [str(exc)]}) from None

    def update(self, instance, validated_data):
        return actions.save_service(validated_data["record"], target=instance)
