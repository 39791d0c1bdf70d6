"""The one write path for the directory: every change to a listing goes through here.

The admin, the API, the spreadsheet and Open Referral UK importers, the review queue and the
demo loader all call these functions, so a listing means the same whichever way it arrives and
every change moves the directory revision (which matching's index follows).

Ownership. Each service has one owning source (a spreadsheet or a feed) or none (the editors'
own). An import compares its records with the services its source owns *as they are now*: a
stray edit is corrected by the file, but a decision an editor took from the review queue
(Service.editor_decision_at) stands, and the import reports the difference as a conflict until
the source agrees with the service again. A service owned by one source and claimed by another
is refused with a message.
"""

import logging
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from directory.importers.base import ImportResult
from directory.models import (
    DELIVERY_MODE_FIELDS,
    DirectoryRevision,
    Location,
    Organisation,
    Schedule,
    Service,
    Source,
)
from directory.service_data import ServiceData

log = logging.getLogger(__name__)

# Fields a simple change (a review decision, a status) may set without a whole new record.
SIMPLE_FIELDS = frozenset(
    {"status", "capacity", "last_reviewed", "editor_decision_at", "eligibility_published"}
)

# Service columns a record sets (the relations are written separately).
SERVICE_FIELDS = [
    "organisation",
    "name",
    "external_id",
    "description",
    *DELIVERY_MODE_FIELDS.values(),
    "serves_nationally",
    "referral_route",
    "capacity",
    "status",
    "last_reviewed",
    "phone",
    "email",
    "website",
    "eligible_if_lives",
    "eligible_if_works",
    "eligible_if_gp",
    "min_age",
    "max_age",
    "only_for",
    "opening_times",
    "is_free",
    "cost",
    "step_free_access",
    "hearing_loop",
    "accessible_toilet",
    "languages",
    "accessibility_note",
    "eligibility_published",
    "source",
    "fetched_at",
    "import_fingerprint",
]


class DirectoryWriteError(ValueError):
    """A change the directory refuses; nothing was written."""


@dataclass
class WriteResult(ImportResult):
    services: list[Service | None] = field(default_factory=list)


def with_relations(services):
    """A queryset of services with everything ServiceData.from_service reads."""
    return services.select_related("organisation", "source").prefetch_related(
        "needs",
        "areas_served",
        "eligible_areas",
        Prefetch("locations", queryset=Location.objects.order_by("id")),
        "schedules",
    )


def find_existing(records: Sequence[ServiceData]) -> list[Service | None]:
    """Match each record to its service: by external_id, else organisation + service name."""
    external = [r.external_id for r in records if r.external_id]
    by_external = {}
    for start in range(0, len(external), 5000):
        chunk = external[start : start + 5000]
        for s in with_relations(Service.objects.filter(external_id__in=chunk)):
            by_external[s.external_id] = s
    by_name = {}
    names = sorted({r.name for r in records})
    for start in range(0, len(names), 5000):
        chunk = names[start : start + 5000]
        for s in with_relations(Service.objects.filter(name__in=chunk)).order_by("id"):
            by_name.setdefault((s.organisation.name.lower(), s.name.lower()), s)
    matches = []
    for r in records:
        found = by_external.get(r.external_id) if r.external_id else None
        if found is None:
            candidate = by_name.get((r.organisation.lower(), r.name.lower()))
            # A service already known by another external id is a different service.
            if candidate is not None and (not r.external_id or not candidate.external_id):
                found = candidate
        matches.append(found)
    return matches


def owner_problem(target: Service, source: Source | None) -> str | None:
    """Why this source may not write this service, or None when it may."""
    if source is None or target.source_id == source.pk:
        return None  # editors may correct any listing; a source may rewrite its own
    if target.source_id is None:
        if target.import_fingerprint:
            return None  # imported before sources were kept: the first source claims it
        return (
            f"'{target.name}' is the directory editors' own listing; "
            "a spreadsheet or feed cannot take it over"
        )
    return (
        f"'{target.name}' is already listed by {target.source}; "
        "a service can have only one source (remove it from one of them)"
    )


@transaction.atomic
def save_services(
    records: Sequence[ServiceData],
    *,
    source: Source | None = None,
    targets: Sequence[Service | None] | None = None,
    labels: Sequence[str] | None = None,
    archive_missing: bool = False,
    still_listed: Sequence[str] = (),
) -> WriteResult:
    """Create or update services in bulk, as their source or the editors say.

    `labels` name each record in messages ("row 7"). A record that a different source owns is
    rejected; an unchanged one is skipped; one that differs from an editor's review decision
    is kept as the editor decided and reported. With `archive_missing` (a feed), the source's
    services that the records no longer contain are archived, never deleted.
    """
    result = WriteResult()
    targets = list(targets) if targets is not None else find_existing(records)
    labels = list(labels) if labels is not None else [f"'{r.name}'" for r in records]
    now = timezone.now()
    orgs = {
        o.name.lower(): o
        for o in Organisation.objects.filter(name__in={r.organisation for r in records})
    }
    new_orgs = {}
    for r in records:
        if r.organisation.lower() not in orgs and r.organisation.lower() not in new_orgs:
            new_orgs[r.organisation.lower()] = Organisation(name=r.organisation)
    Organisation.objects.bulk_create(new_orgs.values(), batch_size=1000)
    orgs.update(new_orgs)

    to_create, to_update, written, seen_ids, released = [], [], [], set(), []
    taken_uuids = _taken_uuids(
        [r.uuid for r, t in zip(records, targets, strict=True) if r.uuid and t is None]
    )
    for record, target, label in zip(records, targets, labels, strict=True):
        if target is not None:
            problem = owner_problem(target, source)
            if problem:
                result.rejected += 1
                result.errors.append(f"{label}, service: {problem}")
                result.services.append(None)
                continue
            seen_ids.add(target.pk)
            current = ServiceData.from_service(target)
            differences = current.differences(record)
            owner_changes = source is not None and target.source_id != source.pk
            if not differences and not owner_changes:
                result.unchanged += 1
                result.services.append(target)
                if target.editor_decision_at is not None and source is not None:
                    released.append(target.pk)  # the source agrees with the editor again
                continue
            if source is not None and target.editor_decision_at is not None:
                result.conflicts += 1
                result.warnings.append(
                    f"{label}, service: '{target.name}' differs from the file in "
                    f"{', '.join(differences)}; kept as an editor decided on "
                    f"{timezone.localtime(target.editor_decision_at):%d %B %Y}"
                )
                result.services.append(target)
                continue
        service = target or Service()
        _apply(service, record, orgs[record.organisation.lower()])
        if source is not None:
            service.source = source
            service.fetched_at = now
            service.import_fingerprint = record.fingerprint()
        if target is None and record.uuid and record.uuid not in taken_uuids:
            service.uuid = record.uuid
            taken_uuids.add(record.uuid)
        (to_update if target is not None else to_create).append(service)
        written.append((service, record))
        result.services.append(service)

    Service.objects.bulk_create(to_create, batch_size=1000)
    for service in to_update:
        service.updated_at = now
    Service.objects.bulk_update(to_update, [*SERVICE_FIELDS, "updated_at"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)
    _write_relations(written, [s.pk for s in to_update])
    if released:
        Service.objects.filter(pk__in=released).update(editor_decision_at=None)
    if source is not None:
        touched = [s.pk for s in result.services if s is not None]
        for start in range(0, len(touched), 5000):
            Service.objects.filter(pk__in=touched[start : start + 5000]).update(fetched_at=now)
        if archive_missing:
            missing = Service.objects.filter(source=source).exclude(pk__in=seen_ids)
            missing = missing.exclude(status=Service.Status.ARCHIVED)
            missing = missing.exclude(pk__in=[s.pk for s, _ in written])
            missing = missing.exclude(external_id__in=[e for e in still_listed if e])
            result.archived = missing.update(status=Service.Status.ARCHIVED, updated_at=now)
        Source.objects.filter(pk=source.pk).update(last_imported_at=now)
    if written or result.archived:
        DirectoryRevision.bump()
    log.info("save_services %s", result.summary)
    return result


def _taken_uuids(wanted: list[str]) -> set[str]:
    """Of these service identifiers, those already in use (or not identifiers at all)."""
    valid, taken = [], set()
    for value in wanted:
        try:
            valid.append(str(uuid_module.UUID(str(value))))
        except ValueError:
            taken.add(value)
    for start in range(0, len(valid), 5000):
        chunk = valid[start : start + 5000]
        taken |= {
            str(u) for u in Service.objects.filter(uuid__in=chunk).values_list("uuid", flat=True)
        }
    return taken


def _write_relations(written: list[tuple[Service, ServiceData]], updated_ids: list[int]) -> None:
    """Replace the needs, areas, locations and schedules of every written service."""
    old_locations = {}
    for loc in Location.objects.filter(service_id__in=updated_ids):
        old_locations[(loc.service_id, loc.name, loc.address, loc.postcode)] = loc.uuid
    for relation in (Service.needs, Service.areas_served, Service.eligible_areas):
        relation.through.objects.filter(service_id__in=updated_ids).delete()
    Location.objects.filter(service_id__in=updated_ids).delete()
    Schedule.objects.filter(service_id__in=updated_ids).delete()
    # A location keeps the identifier its source gave it, unless another location has it.
    wanted = [loc.uuid for _, record in written for loc in record.locations if loc.uuid]
    taken = set()
    for start in range(0, len(wanted), 5000):
        taken |= {
            str(u)
            for u in Location.objects.filter(uuid__in=wanted[start : start + 5000]).values_list(
                "uuid", flat=True
            )
        }
    needs_rows, served_rows, eligible_rows, locations, schedules = [], [], [], [], []
    for service, record in written:
        needs_rows += [
            Service.needs.through(service_id=service.pk, need_id=n) for n in record.need_ids
        ]
        served_rows += [
            Service.areas_served.through(service_id=service.pk, area_id=a)
            for a in record.areas_served
        ]
        eligible_rows += [
            Service.eligible_areas.through(service_id=service.pk, area_id=a)
            for a in record.eligible_areas
        ]
        for loc in record.locations:
            kept = old_locations.get((service.pk, loc.name, loc.address, loc.postcode))
            locations.append(
                Location(
                    service_id=service.pk,
                    uuid=kept
                    or (loc.uuid if loc.uuid and loc.uuid not in taken else None)
                    or uuid_module.uuid4(),
                    name=loc.name,
                    address=loc.address,
                    postcode=loc.postcode,
                    latitude=loc.latitude,
                    longitude=loc.longitude,
                    local_authority_id=loc.local_authority,
                )
            )
        schedules += [
            Schedule(
                service_id=service.pk,
                weekday=o.weekday,
                opens_at=o.opens_at,
                closes_at=o.closes_at,
                by_appointment=o.by_appointment,
            )
            for o in record.openings
        ]
    Service.needs.through.objects.bulk_create(needs_rows, batch_size=2000)
    Service.areas_served.through.objects.bulk_create(served_rows, batch_size=2000)
    Service.eligible_areas.through.objects.bulk_create(eligible_rows, batch_size=2000)
    Location.objects.bulk_create(locations, batch_size=2000)
    Schedule.objects.bulk_create(schedules, batch_size=2000)


def _apply(service: Service, r: ServiceData, organisation: Organisation) -> None:
    service.organisation = organisation
    service.name = r.name
    service.external_id = r.external_id
    service.description = r.description
    for mode, flag in DELIVERY_MODE_FIELDS.items():
        setattr(service, flag, mode in r.delivery_modes)
    service.serves_nationally = r.serves_nationally
    service.referral_route = r.referral_route
    service.capacity = r.capacity
    service.status = r.status
    service.last_reviewed = r.last_reviewed
    service.phone, service.email, service.website = r.phone, r.email, r.website
    service.eligible_if_lives = "lives" in r.eligible_via
    service.eligible_if_works = "works" in r.eligible_via
    service.eligible_if_gp = "gp" in r.eligible_via
    service.min_age, service.max_age = r.min_age, r.max_age
    service.only_for = r.only_for
    service.opening_times = r.opening_notes
    service.is_free, service.cost = r.is_free, r.cost
    service.step_free_access = r.step_free_access
    service.hearing_loop = r.hearing_loop
    service.accessible_toilet = r.accessible_toilet
    service.languages = r.languages
    service.accessibility_note = r.accessibility_note
    service.eligibility_published = r.eligibility_published


def save_service(record: ServiceData, target: Service | None = None) -> Service:
    """Create or replace one service as the editors say (the API and the demo loader)."""
    if target is None and any(find_existing([record])):
        raise DirectoryWriteError(
            "a service with this external_id, or this organisation and name, exists"
        )
    written = save_services([record], targets=[target])
    return written.services[0]


def source_for(kind: str, name: str) -> Source:
    """The source of this name, made on first use; a name already used by another kind fails."""
    source, _ = Source.objects.get_or_create(name=name[:200], defaults={"kind": kind})
    if source.kind != kind:
        raise DirectoryWriteError(
            f"'{name}' is already the name of another kind of source "
            f"({source.get_kind_display()}): choose another name"
        )
    return source


@transaction.atomic
def update_service(service: Service, **changes) -> Service:
    """Change a few plain fields of one service, checked as the model checks them."""
    unknown = set(changes) - SIMPLE_FIELDS
    if unknown:
        raise ValueError(f"update_service cannot set {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(service, name, value)
    service.full_clean(exclude=["organisation", "source", "needs"], validate_unique=False)
    service.updated_at = timezone.now()
    service.save(update_fields=[*changes, "updated_at"])
    DirectoryRevision.bump()
    log.info("directory service %s updated: %s", service.pk, ", ".join(sorted(changes)))
    return service


def archive_service(service: Service) -> Service:
    """Take a listing out of search and feeds; it is never deleted (outcomes refer to it)."""
    return update_service(service, status=Service.Status.ARCHIVED)


@transaction.atomic
def save_edited(instance, *, created: bool) -> None:
    """Save an object the admin has validated (a service, location, organisation or need)."""
    if isinstance(instance, Service) and not created:
        instance.updated_at = timezone.now()
    instance.save()
    DirectoryRevision.bump()


def directory_changed() -> None:
    """Say that the directory changed (after the admin saved relations or inlines)."""
    DirectoryRevision.bump()


__all__ = [
    "DirectoryWriteError",
    "ValidationError",
    "archive_service",
    "directory_changed",
    "find_existing",
    "owner_problem",
    "save_edited",
    "save_service",
    "save_services",
    "source_for",
    "update_service",
]
