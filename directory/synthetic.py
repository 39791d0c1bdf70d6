"""A synthetic national directory for benchmarks: real postcodes, random services.

Services are placed at postcodes drawn from the loaded ONS table (so density follows where
people live), with the same kinds of eligibility as the demo directory. External ids start
"SYN-", and a new run replaces the previous synthetic services and leaves all others alone.
It runs only on a benchmark database: before writing it sends `generating`, and signposting's
guard refuses a database holding records people made (directory cannot see them itself). It
never deletes a service that anything recorded refers to.
"""

import datetime as dt
import logging
import uuid

import numpy as np
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from directory.bulk import insert_rows
from directory.deletion import protected_references
from directory.models import (
    Area,
    DirectoryRevision,
    Location,
    Need,
    Organisation,
    Postcode,
    Service,
)

log = logging.getLogger(__name__)
PREFIX = "SYN-"
BATCH = 5000
# Sent by every benchmark generator before it writes; a receiver raises ValueError to refuse.
generating = Signal()


def delete_synthetic() -> int:
    """Remove every synthetic service with its needs, areas and locations, unless anything
    recorded refers to one (then raise ValueError and remove nothing)."""
    ids = Service.objects.filter(external_id__startswith=PREFIX).values("id")
    referred = protected_references(Service.objects.filter(pk__in=ids))
    if referred:
        listed = ", ".join(f"{count:,} {name}" for name, count in referred.items())
        raise ValueError(
            f"The synthetic services have {listed} recorded against them, and generators never "
            "delete those: generate the directory on a new benchmark database (`make bench` "
            "builds a new one each run)."
        )
    for through in (
        Service.needs.through,
        Service.areas_served.through,
        Service.eligible_areas.through,
    ):
        through.objects.filter(service_id__in=ids)._raw_delete(connection.alias)
    Location.objects.filter(service_id__in=ids)._raw_delete(connection.alias)
    count = Service.objects.filter(external_id__startswith=PREFIX)._raw_delete(connection.alias)
    Organisation.objects.filter(name__startswith="Synthetic organisation ")._raw_delete(
        connection.alias
    )
    return count


@transaction.atomic
def generate_directory(*, services: int, seed: int) -> int:
    """Replace the synthetic services with `services` new ones; return how many were made."""
    generating.send(sender="generate_directory")
    rng = np.random.default_rng(seed)
    rows = list(
        Postcode.objects.filter(latitude__isnull=False, local_authority__isnull=False).values_list(
            "postcode", "latitude", "longitude", "local_authority_id"
        )
    )
    if not rows:
        raise ValueError("No postcodes are loaded: run load_areas and load_postcodes --all first.")
    icb_of = dict(Area.objects.filter(kind=Area.Kind.LOCAL_AUTHORITY).values_list("code", "icb_id"))
    need_ids = list(Need.objects.values_list("pk", flat=True))
    if not need_ids:
        raise ValueError("No needs are loaded: run load_needs first.")
    delete_synthetic()

    org_count = max(1, services // 10)
    Organisation.objects.bulk_create(
        [Organisation(name=f"Synthetic organisation {seed}-{i}") for i in range(org_count)],
        batch_size=BATCH,
    )
    org_ids = list(
        Organisation.objects.filter(name__startswith="Synthetic organisation ")
        .order_by("id")
        .values_list("id", flat=True)
    )
    today = timezone.localdate()
    picks = rng.integers(0, len(rows), services)
    kinds = rng.random(services)
    via_roll = rng.random(services)
    age_roll = rng.random(services)
    group_roll = rng.random(services)
    capacity_roll = rng.random(services)
    review_days = rng.integers(0, 900, services)
    need_counts = rng.integers(1, 4, services)

    objects, plans = [], []
    for i in range(services):
        postcode, lat, lon, la = rows[picks[i]]
        icb = icb_of.get(la)
        national = kinds[i] < 0.04
        icb_wide = not national and icb is not None and kinds[i] < 0.14
        via = ("lives", "gp")
        if via_roll[i] < 0.15:
            via = ("lives",)
        elif via_roll[i] < 0.25:
            via = ("gp",)
        elif via_roll[i] < 0.40:
            via = ("lives", "works", "gp")
        min_age = max_age = None
        if age_roll[i] < 0.10:
            min_age = 65
        elif age_roll[i] < 0.15:
            min_age, max_age = 18, 25
        only_for = (
            ["carer"] if group_roll[i] < 0.05 else (["women"] if group_roll[i] < 0.07 else [])
        )
        capacity = (
            "open"
            if capacity_roll[i] < 0.8
            else ("waiting_list" if capacity_roll[i] < 0.95 else "closed")
        )
        objects.append(
            Service(
                organisation_id=org_ids[i % len(org_ids)],
                name=f"Synthetic service {i}",
                external_id=f"{PREFIX}{seed}-{i}",
                in_person=not national,
                by_phone=True,
                online=national,
                serves_nationally=national,
                capacity=capacity,
                status=Service.Status.PUBLISHED,
                last_reviewed=today - dt.timedelta(days=int(review_days[i])),
                phone=f"01632 {i % 1000000:06d}",
                eligible_if_lives="lives" in via,
                eligible_if_works="works" in via,
                eligible_if_gp="gp" in via,
                min_age=min_age,
                max_age=max_age,
                only_for=only_for,
            )
        )
        served = [] if national else [icb if icb_wide else la]
        eligible = [] if national else ([icb] if icb_wide else ([la] if kinds[i] < 0.85 else []))
        needs = rng.choice(need_ids, size=int(need_counts[i]), replace=False).tolist()
        plans.append((served, eligible, needs, None if national else (postcode, lat, lon, la)))

    Service.objects.bulk_create(objects, batch_size=BATCH)
    needs_rows, served_rows, eligible_rows, locations = [], [], [], []
    # Rows go in without model instances, so each location's uuid is made here, in the form the
    # database stores it (hex text on SQLite, a uuid on PostgreSQL).
    uuid_field = Location._meta.get_field("uuid")
    for service, (served, eligible, needs, place) in zip(objects, plans, strict=True):
        needs_rows += [(service.pk, n) for n in needs]
        served_rows += [(service.pk, a) for a in served]
        eligible_rows += [(service.pk, a) for a in eligible]
        if place:
            stored_uuid = uuid_field.get_db_prep_value(uuid.uuid4(), connection)
            locations.append(
                (service.pk, stored_uuid, "", "", place[0], place[1], place[2], place[3])
            )
    _insert(Service.needs.through, ("service_id", "need_id"), needs_rows)
    _insert(Service.areas_served.through, ("service_id", "area_id"), served_rows)
    _insert(Service.eligible_areas.through, ("service_id", "area_id"), eligible_rows)
    _insert(
        Location,
        (
            "service_id",
            "uuid",
            "name",
            "address",
            "postcode",
            "latitude",
            "longitude",
            "local_authority_id",
        ),
        locations,
    )
    DirectoryRevision.bump()
    log.info("generate_directory services=%s seed=%s", services, seed)
    return services


def _insert(model, columns, rows) -> None:
    insert_rows(model._meta.db_table, tuple(columns), rows)
