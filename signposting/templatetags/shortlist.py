"""Tags for pages that link back to the last search: the directory's service page, the record
step and a referral's page, and the results' per-card "Add to shortlist" control."""

from django import template
from django.urls import reverse

from signposting import last_search, result_cards

register = template.Library()


def _search(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return None
    # Read once a request: the results page asks for every card.
    if not hasattr(request, "_signpost_last_search"):
        request._signpost_last_search = last_search.load(request.session)
    return request._signpost_last_search


@register.simple_tag(takes_context=True)
def last_search_url(context) -> str:
    """The results page's address if the signed-in user has a search to go back to, else ""."""
    return reverse("search-results") if _search(context) is not None else ""


def control(search, service_id: int, service_name: str, pairs, next_url: str, urls=None) -> dict:
    """What "Add to shortlist" (or "Remove") shows for one service: `show` is False without a
    search, or for a service that helps with none of its needs and is not on the list. `urls`,
    the add and remove addresses, may be worked out once for a page of cards."""
    if search is None:
        return {"show": False}
    on_list = any(e["service"] == service_id for e in search.shortlist)
    if not pairs and not on_list:
        return {"show": False}
    add_url, remove_url = urls or control_urls()
    return {
        "show": True,
        "service_id": service_id,
        "service_name": service_name,
        "pairs": pairs,
        "on_list": on_list,
        "next_url": next_url,
        "action": remove_url if on_list else add_url,
    }


def control_urls() -> tuple[str, str]:
    return reverse("shortlist-add"), reverse("shortlist-remove")


@register.simple_tag(takes_context=True)
def shortlist_control(context, service):
    """Add (or remove) a service on its page: for the searched needs it helps with. (The
    results page builds each card's control in its view: signposting/result_cards.py.)"""
    search = _search(context)
    if search is None:
        return ""
    needs = service.needs.filter(slug__in=search.needs).order_by("name")
    found = control(
        search,
        service.pk,
        service.name,
        [(n.slug, n.name) for n in needs],
        context["request"].get_full_path(),
    )
    return result_cards.shortlist_control(found, result_cards.csrf_input(context["csrf_token"]))


@register.simple_tag(takes_context=True)
def shortlist_size(context) -> int:
    """How many services the last search's shortlist holds (0 without a search)."""
    search = _search(context)
    return len(search.shortlist) if search is not None else 0
