from django.urls import path

from signposting import (
    dashboard,
    feedback_views,
    landing,
    listing_feedback_views,
    referral_views,
    views,
)

urlpatterns = [
    # Before the directory's own "" (its public home), which this shows to anyone not signed in.
    path("", landing.home, name="home"),
    path("search/", views.search, name="search"),
    path(
        "services/<int:pk>/report/",
        listing_feedback_views.report_problem,
        name="service-report-problem",
    ),
    path("reports/", dashboard.dashboard, name="dashboard"),
    path("referrals/", referral_views.referral_list, name="referral-list"),
    path("referrals/export.csv", referral_views.referral_export, name="referral-export"),
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
    path(
        "referrals/<int:pk>/measures/<slug:measure>/",
        referral_views.measure,
        name="referral-record-measure",
    ),
    path("team/feedback/", feedback_views.team_feedback, name="team-feedback"),
    path("feedback/<str:token>/", feedback_views.give_feedback, name="feedback-give"),
    path("feedback/<str:token>/print/", feedback_views.feedback_print, name="feedback-print"),
    path("feedback/<str:token>/thanks/", feedback_views.feedback_thanks, name="feedback-thanks"),
]
