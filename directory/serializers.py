from rest_framework import serializers

from directory.models import Area, Postcode


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
