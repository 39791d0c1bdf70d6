"""Bump the directory revision whenever the ORM changes what matching indexes.

That is services and their schedules (open days), locations, areas, organisations, needs (a new
or renamed need is known to matching at once) and sources (their names are in the reasons
matching gives). Bulk writers (the importer, the synthetic generator, load_areas, load_needs)
call DirectoryRevision.bump() themselves, since bulk operations send no signals.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from directory.models import (
    Area,
    DirectoryRevision,
    Location,
    Need,
    Organisation,
    Schedule,
    Service,
    Source,
)

WATCHED = (Service, Schedule, Location, Area, Organisation, Need, Source)


def _bump(sender, **kwargs):
    if kwargs.get("raw"):
        return
    DirectoryRevision.bump()


for model in WATCHED:
    post_save.connect(_bump, sender=model, dispatch_uid=f"revision-save-{model.__name__}")
    post_delete.connect(_bump, sender=model, dispatch_uid=f"revision-delete-{model.__name__}")


@receiver(m2m_changed, dispatch_uid="revision-m2m")
def _bump_m2m(sender, action, **kwargs):
    if sender in (
        Service.needs.through,
        Service.areas_served.through,
        Service.eligible_areas.through,
    ) and action in ("post_add", "post_remove", "post_clear"):
        DirectoryRevision.bump()
