"""Template filters that read a service's listing aloud (see directory/listing.py).

Each takes a Service whose schedules the view has prefetched, so a page of cards costs no query
a card.
"""

from django import template

from directory import listing

register = template.Library()


@register.filter
def schedule_lines(service) -> list[str]:
    return listing.schedule_lines(service.schedules.all())


@register.filter
def open_days_text(service) -> str:
    return listing.open_days_text(service.schedules.all())


@register.filter
def cost_text(service) -> str:
    return listing.cost_text(service.is_free, service.cost)


@register.filter
def accessibility_facts(service) -> list[tuple[str, str]]:
    return listing.accessibility_facts(service)


@register.filter
def languages_text(service) -> str:
    return listing.languages_text(service.languages)
