"""Bump the directory revision whenever the ORM changes what matching indexes.

Bulk writers (the importer, the synthetic generator, load_areas) call
DirectoryRevision.bump() themselves, since bulk operations send no signals.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from directory.models import Area, DirectoryRevision, Location, Organisation, Service

WATCHED = (Service, Location, Area, Organisation)


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
