from django.urls import path

from directory import import_views, review_views, views

urlpatterns = [
    path("postcodes/", views.postcode_check, name="postcode-check"),
    path("services/", views.service_list, name="service-list"),
    path("services/<int:pk>/", views.service_detail, name="service-detail"),
    path("directory/review/", review_views.review_queue_page, name="review-queue"),
    path("directory/review/<int:pk>/", review_views.resolve_listing, name="review-resolve"),
    path("directory/import/", import_views.upload, name="import-upload"),
    path("directory/import/template.csv", import_views.template_csv, name="import-template"),
    path("directory/import/results/<int:pk>/", import_views.result, name="import-result"),
    path("directory/import/<str:token>/", import_views.preview, name="import-preview"),
    path("directory/import/<str:token>/import/", import_views.run_import, name="import-run"),
    path("directory/import/<str:token>/cancel/", import_views.cancel, name="import-cancel"),
]
