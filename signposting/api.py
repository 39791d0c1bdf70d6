"""POST /api/v1/match/: the services a patient can use, why, and how far away."""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.api import BoundedPagination
from directory.models import Need, Service
from signposting.actions import (
    TeamlessUser,
    create_referral_from,
    record_intake_outcome,
    record_path_event,
    visible_referrals,
)
from signposting.matching import MatchError, match
from signposting.models import OutcomeEvent, Referral
from signposting.serializers import (
    MatchRequestSerializer,
    OutcomeCreateSerializer,
    OutcomeEventSerializer,
    ReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralSerializer,
    result_json,
)
from signposting.vocabulary import INTAKE_KINDS, WAITING


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
        return Response(result_json(result, result.need_slugs))


class ReferralPermission(permissions.BasePermission):
    """Reading needs view_referral; creating needs add_referral (and a team)."""

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("signposting.view_referral")
        if getattr(view, "action", None) == "outcomes":
            return user.has_perm("signposting.add_outcomeevent")
        return user.has_perm("signposting.add_referral")


class ReferralFilter(django_filters.FilterSet):
    created_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    created_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    status = django_filters.ChoiceFilter(
        choices=[("awaiting", "Awaiting an outcome"), *OutcomeEvent.Kind.choices],
        method="filter_status",
    )
    need = django_filters.ModelChoiceFilter(
        field_name="needs", to_field_name="slug", queryset=Need.objects.all()
    )

    class Meta:
        model = Referral
        fields = ["created_from", "created_to", "status", "need"]

    def filter_status(self, queryset, name, value):
        if value == "awaiting":
            return queryset.filter(state=WAITING)
        return queryset.filter(state=value)


def _events_queryset():
    return OutcomeEvent.objects.select_related("service", "need", "recorded_by")


def _events(referral):
    """A referral's events with what they name, in one query."""
    return _events_queryset().filter(referral=referral)


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The team's referrals. Another team's referral answers 404."""

    permission_classes = [ReferralPermission]
    filterset_class = ReferralFilter
    pagination_class = BoundedPagination
    serializer_class = ReferralSerializer

    def get_queryset(self):
        return (
            visible_referrals(self.request.user)
            .select_related("team", "referrer", "home_area", "gp_area", "work_area")
            .prefetch_related(
                "needs",
                Prefetch("events", queryset=_events_queryset()),
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    @extend_schema(responses=ReferralDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(ReferralDetailSerializer(self.get_object()).data)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            referral = create_referral_from(request.user, serializer.validated_data)
        except MatchError as exc:
            raise ValidationError(exc.errors) from None
        except TeamlessUser as exc:
            raise PermissionDenied(str(exc)) from None
        referral = self.get_queryset().get(pk=referral.pk)
        return Response(ReferralDetailSerializer(referral).data, status=201)

    @extend_schema(methods=["GET"], request=None, responses=OutcomeEventSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=OutcomeCreateSerializer, responses={201: OutcomeEventSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def outcomes(self, request, pk=None):
        """List the referral's events, or append one."""
        referral = self.get_object()
        if request.method == "GET":
            return Response(OutcomeEventSerializer(_events(referral), many=True).data)
        serializer = OutcomeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        errors = {}
        if data["kind"] not in OutcomeEvent.Kind.values:
            errors["kind"] = [
                f"'{data['kind']}' is not one of {', '.join(OutcomeEvent.Kind.values)}"
            ]
        service = need = corrects = None
        if data.get("service") is not None:
            service = Service.objects.filter(pk=data["service"]).first()
            if service is None:
                errors["service"] = [f"service {data['service']} does not exist"]
        if data.get("need"):
            need = Need.objects.filter(slug=data["need"]).first()
            if need is None:
                errors["need"] = [f"'{data['need']}' is not a known need"]
        if data.get("corrects") is not None:
            corrects = referral.events.filter(pk=data["corrects"]).first()
            if corrects is None:
                errors["corrects"] = [f"event {data['corrects']} is not one of this referral's"]
        if errors:
            raise ValidationError(errors)
        try:
            if data["kind"] in INTAKE_KINDS and service is None and need is None:
                event = record_intake_outcome(
                    referral=referral,
                    recorded_by=request.user,
                    kind=data["kind"],
                    reason=data.get("reason", ""),
                    note=data.get("note", ""),
                    corrects=corrects,
                )
                return Response(OutcomeEventSerializer(event).data, status=201)
            event = record_path_event(
                referral=referral,
                recorded_by=request.user,
                kind=data["kind"],
                service=service,
                need=need,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                corrects=corrects,
            )
        except MatchError as exc:
            raise ValidationError(exc.errors) from None
        return Response(OutcomeEventSerializer(event).data, status=201)


class OutcomeEventDetail(APIView):
    """One outcome event: it can be read, never changed or deleted (405)."""

    permission_classes = [ReferralPermission]

    @extend_schema(operation_id="v1_referrals_outcome_detail", responses=OutcomeEventSerializer)
    def get(self, request, referral_pk: int, pk: int):
        referral = get_object_or_404(visible_referrals(request.user), pk=referral_pk)
        return Response(OutcomeEventSerializer(get_object_or_404(_events(referral), pk=pk)).data)
