from django.urls import path

from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("postcodes/", views.postcode_check, name="postcode-check"),
]
