"""API for places and the directory."""

import django_filters
from django.db.models import Prefetch, ProtectedError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, pagination, permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.deletion import deletion_refusal
from directory.filters import ServiceFilter
from directory.models import Area, Location, Need, Service
from directory.postcodes import InvalidPostcode, UnknownPostcode, lookup_postcode
from directory.queries import nearest_first
from directory.serializers import (
    AreaSerializer,
    NeedSerializer,
    PostcodeSerializer,
    ServiceSerializer,
    ServiceWriteSerializer,
)


class BoundedPagination(pagination.PageNumberPagination):
    """Pages of 50 (page_size up to 200). A page or page_size that is not a whole number from 1
    is a 400 naming it, not quietly the default; a page past the last is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        for name in (self.page_query_param, self.page_size_query_param):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
                errors[name] = [f"must be a whole number from 1; got {raw!r}"]
        if errors:
            raise exceptions.ValidationError(errors)
        return super().paginate_queryset(queryset, request, view)


class PostcodeDetail(APIView):
    """Look up a postcode: its coordinates, local authority and ICB."""

    permission_classes = [permissions.AllowAny]  # public, as the postcode checker page is

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

    permission_classes = [permissions.AllowAny]  # public reference data

    queryset = Area.objects.select_related("icb").order_by("kind", "name")
    serializer_class = AreaSerializer
    filterset_class = AreaFilter
    pagination_class = BoundedPagination
    lookup_field = "code"


class NeedViewSet(viewsets.ReadOnlyModelViewSet):
    """The need taxonomy: slugs to filter and match by, with synonyms."""

    permission_classes = [permissions.AllowAny]  # public reference data

    queryset = Need.objects.order_by("name")
    serializer_class = NeedSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "slug"


def can_edit_directory(user) -> bool:
    return user.has_perm("directory.change_service")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "near",
                str,
                description="A postcode or a postcode sector (`SM1 1`): results nearest first",
            ),
            OpenApiParameter("within_km", float, description="Radius from `near` (default 10)"),
        ]
    )
)
class ServiceViewSet(viewsets.ModelViewSet):
    """Services in the directory: published ones for everyone, every status for editors."""

    permission_classes = [permissions.DjangoModelPermissionsOrAnonReadOnly]
    # No PATCH: a service is sent whole with PUT (so the schema and Allow header omit PATCH).
    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    filterset_class = ServiceFilter
    pagination_class = BoundedPagination
    queryset = Service.objects.none()  # for the permission class; see get_queryset

    def get_queryset(self):
        services = Service.objects.select_related("organisation", "source").prefetch_related(
            "needs",
            "schedules",
            "areas_served",
            "eligible_areas",
            Prefetch("locations", queryset=Location.objects.select_related("local_authority")),
        )
        if not can_edit_directory(self.request.user):
            services = services.filter(status=Service.Status.PUBLISHED)
        return services.order_by("name", "id")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ServiceWriteSerializer
        return ServiceSerializer

    def filter_queryset(self, queryset):
        filterset = self.filterset_class(
            self.request.query_params, queryset=queryset, request=self.request
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        services = filterset.qs
        if filterset.near_point is not None:
            return nearest_first(services, filterset.near_point)
        return services

    def create(self, request, *args, **kwargs):
        serializer = ServiceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = serializer.save()
        return Response(ServiceSerializer(self.get_queryset().get(pk=service.pk)).data, status=201)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="Outcomes are recorded against it: archive it"),
        }
    )
    def destroy(self, request, *args, **kwargs):
        service = self.get_object()
        same = Service.objects.filter(pk=service.pk)
        if refusal := deletion_refusal(same):
            return Response({"detail": refusal}, status=409)
        try:
            return super().destroy(request, *args, **kwargs)
        except ProtectedError:  # an outcome recorded since the check above
            return Response({"detail": deletion_refusal(same)}, status=409)

    def http_method_not_allowed(self, request, *args, **kwargs):
        if request.method == "PATCH":
            raise exceptions.MethodNotAllowed("PATCH", detail="Send the whole service with PUT.")
        return super().http_method_not_allowed(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = ServiceWriteSerializer(instance, data=request.data)
        serializer.is_valid(raise_exception=True)
        service = serializer.save()
        return Response(ServiceSerializer(self.get_queryset().get(pk=service.pk)).data)
