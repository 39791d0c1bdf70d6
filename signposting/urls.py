from django.urls import path

from signposting import dashboard, referral_views, views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("reports/", dashboard.dashboard, name="dashboard"),
    path("referrals/", referral_views.referral_list, name="referral-list"),
    path("referrals/record/", views.record_referral, name="referral-record"),
    path("referrals/<int:pk>/", referral_views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/intake/", referral_views.record_intake, name="referral-record-intake"),
    path(
        "referrals/<int:pk>/needs/<slug:need>/events/",
        referral_views.record_path,
        name="referral-record-path-event",
    ),
    path("referrals/<int:pk>/sessions/", referral_views.book, name="referral-book-session"),
    path(
        "referrals/<int:pk>/sessions/<int:session>/",
        referral_views.session_outcome,
        name="referral-session-outcome",
    ),
]
