"""Every /api/v1/ route, in one place: the API is a contract."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from directory import api as directory_api

router = DefaultRouter()
router.register("areas", directory_api.AreaViewSet, basename="area")

urlpatterns = [
    path(
        "postcodes/<str:postcode>/", directory_api.PostcodeDetail.as_view(), name="postcode-detail"
    ),
    *router.urls,
]
