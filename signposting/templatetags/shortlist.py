"""Tags for pages that link back to the last search: the directory's service page, the record
step and a referral's page, and the results' per-card "Add to shortlist" control."""

from django import template
from django.urls import reverse

from signposting import last_search

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


@register.inclusion_tag("signposting/_shortlist_control.html", takes_context=True)
def shortlist_control(
    context, service, need_slugs=None, need_names=None, next_url="", anchor=False
):
    """Add (or remove) a service, on the results (needs given) or its page (the searched needs
    it helps with). Nothing without a search, or when it helps with none of its needs."""
    search = _search(context)
    service_id = getattr(service, "pk", None) or getattr(service, "id", None)
    shown = {"show": False}
    if search is None:
        return shown
    if need_slugs is None:
        needs = list(service.needs.filter(slug__in=search.needs).order_by("name"))
        pairs = [(n.slug, n.name) for n in needs]
    else:
        pairs = list(zip(need_slugs, need_names or need_slugs, strict=False))
    on_list = any(e["service"] == service_id for e in search.shortlist)
    if not pairs and not on_list:
        return shown
    return {
        "show": True,
        "service_id": service_id,
        "service_name": getattr(service, "name", "") or context.get("service_name", ""),
        "pairs": pairs,
        "on_list": on_list,
        "count": len(search.shortlist),
        "next_url": (next_url or context["request"].get_full_path())
        + (f"#service-{service_id}" if anchor else ""),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def shortlist_size(context) -> int:
    """How many services the last search's shortlist holds (0 without a search)."""
    search = _search(context)
    return len(search.shortlist) if search is not None else 0
