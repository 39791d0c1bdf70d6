"""Every /api/v1/ route, in one place: the API is a contract."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from directory import api as directory_api
from signposting import api as signposting_api
from signposting import report_api

router = DefaultRouter()
router.register("areas", directory_api.AreaViewSet, basename="area")
router.register("needs", directory_api.NeedViewSet, basename="need")
router.register("services", directory_api.ServiceViewSet, basename="service")
router.register("referrals", signposting_api.ReferralViewSet, basename="referral")

urlpatterns = [
    path(
        "postcodes/<str:postcode>/", directory_api.PostcodeDetail.as_view(), name="postcode-detail"
    ),
    path("match/", signposting_api.MatchView.as_view(), name="match"),
    path(
        "referrals/<int:referral_pk>/outcomes/<int:pk>/",
        signposting_api.OutcomeEventDetail.as_view(),
        name="outcome-detail",
    ),
    path("reports/<str:name>/", report_api.ReportView.as_view(), name="report"),
    *router.urls,
]
