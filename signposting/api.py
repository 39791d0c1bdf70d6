"""POST /api/v1/match/: the services a patient can use, why, and how far away."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from signposting.index import current_index
from signposting.matching import MatchError, match
from signposting.serializers import MatchRequestSerializer, result_json


class MatchView(APIView):
    """Match a patient's postcode, GP and needs against the directory. Nothing is stored."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=MatchRequestSerializer,
        responses={200: OpenApiResponse(description="patient, results, unmet_needs")},
    )
    def post(self, request):
        serializer = MatchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = match(serializer.to_query())
        except MatchError as exc:
            raise ValidationError(exc.errors) from None
        return Response(result_json(result, current_index().need_slugs))
