"""Read-only API for places: postcodes and areas."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.models import Area
from directory.postcodes import InvalidPostcode, UnknownPostcode, lookup_postcode
from directory.serializers import AreaSerializer, PostcodeSerializer


class PostcodeDetail(APIView):
    """Look up a postcode: its coordinates, local authority and ICB."""

    @extend_schema(responses=PostcodeSerializer)
    def get(self, request, postcode: str):
        try:
            found = lookup_postcode(postcode)
        except InvalidPostcode as exc:
            raise exceptions.ParseError(str(exc)) from None
        except UnknownPostcode as exc:
            raise exceptions.NotFound(str(exc)) from None
        return Response(PostcodeSerializer(found).data)


class AreaFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Area.Kind.choices)
    icb = django_filters.CharFilter(field_name="icb__code")

    class Meta:
        model = Area
        fields = ["kind", "icb"]


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Local authorities and ICBs."""

    queryset = Area.objects.select_related("icb").order_by("kind", "name")
    serializer_class = AreaSerializer
    filterset_class = AreaFilter
    lookup_field = "code"
