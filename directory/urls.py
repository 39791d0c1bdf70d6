from django.urls import path

from directory import review_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("postcodes/", views.postcode_check, name="postcode-check"),
    path("services/", views.service_list, name="service-list"),
    path("services/<int:pk>/", views.service_detail, name="service-detail"),
    path("directory/review/", review_views.review_queue_page, name="review-queue"),
    path("directory/review/<int:pk>/", review_views.resolve_listing, name="review-resolve"),
]
