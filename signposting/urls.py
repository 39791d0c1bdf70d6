from django.urls import path

from signposting import views

urlpatterns = [
    path("search/", views.search, name="search"),
]
