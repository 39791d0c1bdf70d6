from django.urls import path

from signposting import dashboard, views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("reports/", dashboard.dashboard, name="dashboard"),
    path("referrals/", views.referral_list, name="referral-list"),
    path("referrals/record/", views.record_referral, name="referral-record"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/outcomes/", views.add_outcome, name="referral-add-outcome"),
]
