from rest_framework import serializers

from directory.models import Area, Location, Need, Postcode, Service
from directory.service_data import ServiceValidator, find_existing, write_services


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


class ServiceSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    needs = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    delivery_modes = serializers.ListField(child=serializers.CharField())
    areas_served = AreaRefSerializer(many=True, source="areas_served.all")
    eligibility = EligibilitySerializer(source="*")
    locations = LocationSerializer(many=True)
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
            "cost",
            "opening_times",
            "capacity",
            "status",
            "last_reviewed",
            "phone",
            "email",
            "website",
            "locations",
            "distance_km",
        ]

    def get_distance_km(self, obj) -> float | None:
        return getattr(obj, "distance_km", None)


class ServiceWriteSerializer(serializers.Serializer):
    """Create or replace a service: the same fields and checks as a spreadsheet row."""

    external_id = serializers.CharField(required=False, allow_blank=True)
    organisation = serializers.CharField()
    service = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    needs = serializers.ListField(child=serializers.CharField())
    delivery_modes = serializers.ListField(child=serializers.CharField())
    address = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    areas_served = serializers.ListField(child=serializers.CharField())
    eligible_areas = serializers.ListField(child=serializers.CharField(), required=False)
    eligible_via = serializers.ListField(child=serializers.CharField(), required=False)
    min_age = serializers.IntegerField(required=False, allow_null=True)
    max_age = serializers.IntegerField(required=False, allow_null=True)
    only_for = serializers.ListField(child=serializers.CharField(), required=False)
    referral_route = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True)
    capacity = serializers.CharField(required=False, allow_blank=True)
    status = serializers.CharField(required=False, allow_blank=True)
    last_reviewed = serializers.CharField(required=False, allow_blank=True, allow_null=True)

    def validate(self, attrs):
        validator = ServiceValidator()
        validator.prefetch_postcodes([attrs.get("postcode", "")])
        record, problems = validator.validate(attrs)
        if problems:
            errors: dict[str, list[str]] = {}
            for column, message in problems:
                errors.setdefault(column, []).append(message)
            raise serializers.ValidationError(errors)
        return {"record": record}

    def create(self, validated_data):
        record = validated_data["record"]
        if any(find_existing([record])):
            raise serializers.ValidationError(
                {"service": ["a service with this external_id or organisation and name exists"]}
            )
        return write_services([record], [None]).services[0]

    def update(self, instance, validated_data):
        return write_services([validated_data["record"]], [instance]).services[0]
