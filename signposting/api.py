"""The API for link workers: match a patient (nothing stored), and the team's referrals with
their intake outcomes and each need's path of events."""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import log as audit
from audit.models import Action
from config.validators import plausible_date
from directory.api import BoundedPagination
from directory.models import Need, Service
from signposting.actions import (
    TeamlessUser,
    create_referral_from,
    record_intake_outcome,
    record_path_event,
    visible_referrals,
)
from signposting.engagement import book_session, record_measure, record_session
from signposting.forms import STATUS_CHOICES, filter_by_status
from signposting.matching import MatchError, match
from signposting.models import OutcomeEvent, Referral, ReferralNeed
from signposting.serializers import (
    BookSessionSerializer,
    IntakeOutcomeCreateSerializer,
    MatchRequestSerializer,
    MeasureCreateSerializer,
    MeasureRecordSerializer,
    OutcomeEventSerializer,
    PathEventCreateSerializer,
    PathSerializer,
    ReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralSerializer,
    SessionOutcomeSerializer,
    SessionSerializer,
    result_json,
)
from signposting.vocabulary import Stage


class MatchView(APIView):
    """Match a patient's postcode, GP and needs against the directory. Nothing is stored."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=MatchRequestSerializer,
        responses={
            200: OpenApiResponse(
                description="patient, results, total_results, unmet_needs. Each result's "
                "service says what it costs (is_free: true, false or null when not known; "
                "cost: the charge) and when it opens (open_days: weekday names in week order; "
                "by_appointment). The filters open_on and free_only narrow the results, and a "
                "need only filtered-out services cover is in unmet_needs."
            ),
            400: OpenApiResponse(
                description="Each field at fault with its message, e.g. "
                '{"open_on": ["\'funday\' is not a day of the week: give one of monday, ..."]}'
            ),
        },
    )
    def post(self, request):
        serializer = MatchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        audit.record(request, Action.SEARCHED)  # what was searched for is not kept
        try:
            result = match(serializer.to_query())
        except MatchError as exc:
            raise ValidationError(exc.errors) from None
        response = Response(result_json(result, result.need_slugs))
        # Which directory revision answered (the load test measures the index's lag with it).
        response["X-Directory-Revision"] = result.revision
        return response


class ReferralPermission(permissions.BasePermission):
    """Reading needs view_referral; recording an event add_outcomeevent; creating a referral
    add_referral (and a team)."""

    def has_permission(self, request, view):
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("signposting.view_referral")
        if getattr(view, "action", None) in (
            "outcomes",
            "path_events",
            "sessions",
            "session",
            "measures",
        ):
            return user.has_perm("signposting.add_outcomeevent")
        return user.has_perm("signposting.add_referral")


class ReferralFilter(django_filters.FilterSet):
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", validators=[plausible_date]
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", validators=[plausible_date]
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        help_text="The team's decision (an intake outcome), or 'waiting' for none yet.",
    )
    need = django_filters.ModelChoiceFilter(
        field_name="needs", to_field_name="slug", queryset=Need.objects.all()
    )

    class Meta:
        model = Referral
        fields = ["created_from", "created_to", "status", "need"]

    def filter_status(self, queryset, name, value):
        return filter_by_status(queryset, value)


def _events_queryset():
    return OutcomeEvent.objects.select_related("service", "need", "recorded_by").order_by(
        "recorded_at", "id"
    )


def _events(referral):
    """A referral's events with what they name, in one query."""
    return _events_queryset().filter(referral=referral)


def _corrected(referral, data) -> OutcomeEvent | None:
    if data.get("corrects") is None:
        return None
    corrects = referral.events.filter(pk=data["corrects"]).first()
    if corrects is None:
        raise ValidationError(
            {"corrects": [f"event {data['corrects']} is not one of this referral's"]}
        )
    return corrects


def _valid(serializer_class, request, **context) -> dict:
    serializer = serializer_class(data=request.data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _written(write, shown, status: int = 201) -> Response:
    """Run an action; its refusal (MatchError) is a 400 naming each field, and nothing is
    stored."""
    try:
        written = write()
    except MatchError as exc:
        raise ValidationError(exc.errors) from None
    return Response(shown(written).data, status=status)


ERRORS = {
    400: OpenApiResponse(
        description="Refused, nothing stored: each field at fault with its message, e.g. "
        '{"service": ["\'Croydon money advice\' does not offer help with isolation"]}'
    ),
    403: OpenApiResponse(description="Not signed in, or no permission to record events"),
    404: OpenApiResponse(description="No such referral in your team (or no such need on it)"),
}


# A referral's own lists (events, sessions, measures) take none of the referral list's filters.
NO_LIST_PARAMETERS = {"filter_backends": [], "pagination_class": None}


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

    def finalize_response(self, request, response, *args, **kwargs):
        """Audit what was done: one row for a list, a view, a creation or a recording."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code < 400 and request.user.is_authenticated:
            if self.action == "list":
                audit.record(request, Action.REFERRALS_LISTED)
            elif self.action == "create":
                audit.record(request, Action.REFERRAL_CREATED, referral_id=response.data.get("id"))
            elif self.action is not None and kwargs.get("pk", "").isdigit():
                viewed = request.method in permissions.SAFE_METHODS
                audit.record(
                    request,
                    Action.REFERRAL_VIEWED if viewed else Action.RECORDED,
                    referral_id=int(kwargs["pk"]),
                    detail=self.action,
                )
        return response

    def get_queryset(self):
        queryset = (
            visible_referrals(self.request.user)
            .select_related("team", "referrer", "home_area", "gp_area", "work_area")
            .prefetch_related(
                Prefetch("need_links", queryset=ReferralNeed.objects.select_related("need"))
            )
        )
        if self.action in ("retrieve", "create"):
            queryset = queryset.prefetch_related(Prefetch("events", queryset=_events_queryset()))
        return queryset

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReferralSerializer(page, many=True).data)

    @extend_schema(responses={200: ReferralDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request, *args, **kwargs):
        return Response(ReferralDetailSerializer(self.get_object()).data)

    @extend_schema(
        request=ReferralCreateSerializer,
        responses={201: ReferralDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
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

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: OutcomeEventSerializer(many=True), 404: ERRORS[404]},
        description="The referral's intake outcomes (the team's decisions), oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=IntakeOutcomeCreateSerializer,
        responses={201: OutcomeEventSerializer, **ERRORS},
        description="Append an intake outcome. It names no service and no need (400 if it "
        "does): events about services go on a need's path.",
    )
    @action(detail=True, methods=["get", "post"], **NO_LIST_PARAMETERS)
    def outcomes(self, request, pk=None):
        referral = self.get_object()
        if request.method == "GET":
            return Response(
                OutcomeEventSerializer(_events(referral).filter(stage=Stage.INTAKE), many=True).data
            )
        data = _valid(IntakeOutcomeCreateSerializer, request)
        corrects = _corrected(referral, data)
        return _written(
            lambda: record_intake_outcome(
                referral=referral,
                recorded_by=request.user,
                kind=data["kind"],
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                corrects=corrects,
            ),
            OutcomeEventSerializer,
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: PathSerializer, 404: ERRORS[404]},
        description="One need's path: its state and its events, oldest first.",
    )
    @extend_schema(
        methods=["POST"],
        request=PathEventCreateSerializer,
        responses={201: OutcomeEventSerializer, **ERRORS},
        description="Append an event to one need's path. A service named must be published "
        "and cover the need; a service's answer (accepted, started, full, declined, not "
        "eligible, ...) must follow a referral or signposting to it for this need.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"needs/(?P<need>[-\w]+)/events",
        url_name="path-events",
        **NO_LIST_PARAMETERS,
    )
    def path_events(self, request, pk=None, need=None):
        referral = self.get_object()
        link = (
            ReferralNeed.objects.filter(referral=referral, need__slug=need)
            .select_related("need")
            .first()
        )
        if link is None:
            raise NotFound(f"'{need}' is not one of this referral's needs")
        if request.method == "GET":
            return Response(PathSerializer(link, context={"events": list(_events(referral))}).data)
        data = _valid(PathEventCreateSerializer, request, need=need)
        corrects = _corrected(referral, data)
        service = None
        if data.get("service") is not None:
            service = Service.objects.filter(pk=data["service"]).first()
            if service is None:
                raise ValidationError({"service": [f"service {data['service']} does not exist"]})
        return _written(
            lambda: record_path_event(
                referral=referral,
                recorded_by=request.user,
                need=link.need,
                kind=data["kind"],
                service=service,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                corrects=corrects,
            ),
            OutcomeEventSerializer,
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: SessionSerializer(many=True), 404: ERRORS[404]},
        description="The referral's sessions with the link worker, by date.",
    )
    @extend_schema(
        methods=["POST"],
        request=BookSessionSerializer,
        responses={201: SessionSerializer, **ERRORS},
        description="Book a session.",
    )
    @action(detail=True, methods=["get", "post"], **NO_LIST_PARAMETERS)
    def sessions(self, request, pk=None):
        referral = self.get_object()
        if request.method == "GET":
            return Response(SessionSerializer(referral.sessions.all(), many=True).data)
        data = _valid(BookSessionSerializer, request)
        return _written(
            lambda: book_session(referral=referral, recorded_by=request.user, **data),
            SessionSerializer,
        )

    @extend_schema(
        methods=["GET"], request=None, responses={200: SessionSerializer, 404: ERRORS[404]}
    )
    @extend_schema(
        methods=["PATCH"],
        request=SessionOutcomeSerializer,
        responses={200: SessionSerializer, **ERRORS},
        description="Record what happened to the session (or correct it).",
    )
    @action(
        detail=True,
        methods=["get", "patch"],
        url_path=r"sessions/(?P<session>[0-9]+)",
        url_name="session",
        **NO_LIST_PARAMETERS,
    )
    def session(self, request, pk=None, session=None):
        referral = self.get_object()
        found = referral.sessions.filter(pk=session).first()
        if found is None:
            raise NotFound(f"session {session} is not one of this referral's")
        if request.method == "GET":
            return Response(SessionSerializer(found).data)
        data = _valid(SessionOutcomeSerializer, request)
        return _written(
            lambda: record_session(session=found, recorded_by=request.user, **data),
            SessionSerializer,
            status=200,
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: MeasureRecordSerializer(many=True), 404: ERRORS[404]},
        description="The referral's outcome measures.",
    )
    @extend_schema(
        methods=["POST"],
        request=MeasureCreateSerializer,
        responses={201: MeasureRecordSerializer, **ERRORS},
        description="Record an outcome measure at baseline or follow-up; a form that cannot "
        "be scored is a 400 naming each item at fault.",
    )
    @action(detail=True, methods=["get", "post"], **NO_LIST_PARAMETERS)
    def measures(self, request, pk=None):
        referral = self.get_object()
        if request.method == "GET":
            return Response(MeasureRecordSerializer(referral.measures.all(), many=True).data)
        data = _valid(MeasureCreateSerializer, request)
        return _written(
            lambda: record_measure(referral=referral, recorded_by=request.user, **data),
            MeasureRecordSerializer,
        )


class OutcomeEventDetail(APIView):
    """One event, intake or path: it can be read, never changed or deleted (405)."""

    permission_classes = [ReferralPermission]

    @extend_schema(
        operation_id="v1_referrals_outcome_detail",
        responses={200: OutcomeEventSerializer, 404: ERRORS[404]},
    )
    def get(self, request, referral_pk: int, pk: int):
        referral = get_object_or_404(visible_referrals(request.user), pk=referral_pk)
        event = get_object_or_404(_events(referral), pk=pk)
        audit.record(request, Action.REFERRAL_VIEWED, referral_id=referral.pk, detail=f"event {pk}")
        return Response(OutcomeEventSerializer(event).data)
