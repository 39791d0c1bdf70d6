from django.urls import path

from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("postcodes/", views.postcode_check, name="postcode-check"),
    path("services/", views.service_list, name="service-list"),
    path("services/<int:pk>/", views.service_detail, name="service-detail"),
]
