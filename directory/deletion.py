"""Refuse, with a reason, to delete what recorded work refers to.

Outcome events, referrals, sessions and measures point at services, needs, teams and users
with PROTECT: a record of what happened must keep what it names. Deleting one of those
would fail with a ProtectedError (a 500 in the API, a list of every protected row in the
admin); these helpers count what refers to it first and say what to do instead. They read
the relations from the models, so directory needs no knowledge of the apps that refer to it.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse

# What to do instead of deleting, by model label.
INSTEAD = {
    "directory.service": "archive it instead",
    "directory.need": "keep it, and change its name or description if they are out of date",
    "auth.user": "make the account inactive instead (untick 'Active')",
    "signposting.team": "rename it, or move its members to another team, instead",
}


def protected_references(queryset) -> dict[str, int]:
    """Count the rows that refer to these objects through a PROTECT relation, by what they
    are (plural verbose name), leaving out kinds with none."""
    counts: dict[str, int] = {}
    by_model: dict[type, int] = {}
    # Hidden relations too (related_name="+"): sessions and measures name their team and user.
    for relation in queryset.model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue
        if getattr(relation, "on_delete", None) is not models.PROTECT:
            continue
        related = relation.related_model
        found = related._base_manager.filter(
            **{f"{relation.field.name}__in": queryset.values("pk")}
        ).count()
        if found:
            by_model[related] = by_model.get(related, 0) + found
    for related, found in by_model.items():
        meta = related._meta
        counts[str(meta.verbose_name if found == 1 else meta.verbose_name_plural)] = found
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


class RefuseDeletingRecorded:
    """Admin mixin: refuse, with the reason, to delete what recorded work refers to, instead
    of listing every protected row (there may be thousands)."""

    def _refusal(self, objects) -> str | None:
        return deletion_refusal(self.model._base_manager.filter(pk__in=[o.pk for o in objects]))

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        refusal = (
            self._refusal([obj])
            if obj is not None and self.has_delete_permission(request, obj)
            else None
        )
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            meta = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{meta.app_label}_{meta.model_name}_change",
                    args=[obj.pk],
                    current_app=self.admin_site.name,
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        # "Delete selected" shows what is protected, and deletes nothing, if this is not empty.
        if refusal := self._refusal(objs):
            return [], {}, set(), [refusal]
        return super().get_deleted_objects(objs, request)
