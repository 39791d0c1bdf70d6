"""Refuse, with a reason, to delete what recorded work refers to.

Outcome events, referrals, sessions and measures point at services, needs, teams and users
with PROTECT: a record of what happened must keep what it names. Deleting one of those
would fail with a ProtectedError (a 500 in the API, a list of every protected row in the
admin); these helpers count what refers to it first and say what to do instead. They read
the relations from the models, so directory needs no knowledge of the apps that refer to it.
"""

from django.db import models

# What to do instead of deleting, by model label.
INSTEAD = {
    "directory.service": "archive it instead",
    "directory.need": "keep it, and change its name or description if they are out of date",
    "auth.user": "make the account inactive instead (untick 'Active')",
    "signposting.team": "keep it: rename it, or move its members to another team",
}


def protected_references(queryset) -> dict[str, int]:
    """Count the rows that refer to these objects through a PROTECT relation, by what they
    are (plural verbose name), leaving out kinds with none."""
    counts: dict[str, int] = {}
    for relation in queryset.model._meta.related_objects:
        if relation.on_delete is not models.PROTECT or relation.many_to_many:
            continue
        related = relation.related_model
        found = related._base_manager.filter(
            **{f"{relation.field.name}__in": queryset.values("pk")}
        ).count()
        if found:
            name = str(related._meta.verbose_name_plural)
            counts[name] = counts.get(name, 0) + found
    return counts


def _listed(counts: dict[str, int]) -> str:
    parts = [f"{count:,} {name}" for name, count in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def deletion_refusal(queryset) -> str | None:
    """Say why these objects cannot be deleted, or None if nothing recorded refers to them."""
    counts = protected_references(queryset)
    if not counts:
        return None
    meta = queryset.model._meta
    instead = INSTEAD.get(meta.label_lower, "keep it")
    if queryset.count() == 1:
        subject = f"This {meta.verbose_name} has"
        pronoun = "it"
    else:
        subject = f"These {meta.verbose_name_plural} have"
        pronoun = "they"
        instead = instead.replace(" it", " them").replace("its ", "their ")
    return f"{subject} {_listed(counts)} recorded, so {pronoun} cannot be deleted: {instead}."
