"""The last search's results and the patient's shortlist (docs/notify.md), all under /search/
so that every answer is no-store (NO_STORE_PATH_PREFIXES)."""

from django.urls import path

from signposting import shortlist_views, views

urlpatterns = [
    path("search/results/", views.search, {"results": True}, name="search-results"),
    path("search/shortlist/", shortlist_views.shortlist_page, name="shortlist"),
    path("search/shortlist/add/", shortlist_views.add_service, name="shortlist-add"),
    path("search/shortlist/remove/", shortlist_views.remove_service, name="shortlist-remove"),
    path("search/shortlist/print/", shortlist_views.print_view, name="shortlist-print"),
    path("search/shortlist/send/", shortlist_views.send, name="shortlist-send"),
]
