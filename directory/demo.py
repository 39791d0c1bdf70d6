"""A reproducible demo directory: fictional organisations at real postcodes.

About 200 services across the six South West London boroughs, four neighbouring Surrey
districts, ICB-wide services and national phone or online services. Eligibility is realistic
(borough-only, ICB-wide, GP-registration-only, age-limited, carers-only), some reviews are stale,
some services have waiting lists or are closed, and some borough x need pairs are left empty on
purpose (DELIBERATE_GAPS) so that the gap reports have something true to find.
Every service goes through the same validator and writer as a spreadsheet import.
"""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from directory import actions
from directory.importers.base import ImportFileError
from directory.models import Postcode, Source
from directory.service_data import ServiceValidator

SOUTH_WEST_LONDON = {
    "E09000008": "Croydon",
    "E09000021": "Kingston",
    "E09000024": "Merton",
    "E09000027": "Richmond",
    "E09000029": "Sutton",
    "E09000032": "Wandsworth",
}
SURREY = {
    "E07000208": "Epsom and Ewell",
    "E07000211": "Reigate and Banstead",
    "E07000210": "Mole Valley",
    "E07000207": "Elmbridge",
}
# Needs that only borough services meet in the demo (no ICB-wide or national service covers them),
# so leaving a borough without one makes a real gap.
BOROUGH_NEEDS = [
    "housing",
    "healthy-eating",
    "sleep",
    "structure-routine",
    "meaningful-activity",
    "social-support",
    "employment",
    "physical-activity",
    "relaxation",
]
OTHER_NEEDS = [
    "isolation",
    "financial",
    "debt",
    "benefits",
    "bereavement",
    "mental-wellbeing",
    "carers",
    "digital-inclusion",
    "pain-self-management",
]
DELIBERATE_GAPS = {
    ("E09000029", "housing"),
    ("E09000008", "sleep"),
    ("E09000021", "healthy-eating"),
    ("E09000032", "employment"),
    ("E09000027", "structure-routine"),
    ("E07000208", "social-support"),
    ("E07000211", "relaxation"),
}
SERVICE_KINDS = {
    "isolation": ["Befriending service", "Friendship calls", "Lunch club"],
    "social-support": ["Peer support group", "Community connectors", "Coffee and chat"],
    "financial": ["Money advice", "Cost of living help", "Budgeting support"],
    "debt": ["Debt advice clinic", "Debt casework"],
    "benefits": ["Benefits advice", "Benefit appeals help"],
    "housing": ["Housing advice", "Tenancy support"],
    "bereavement": ["Bereavement support", "Grief cafe"],
    "mental-wellbeing": ["Wellbeing group", "Talking space", "Anxiety support"],
    "physical-activity": ["Walking group", "Gentle exercise class", "Chair-based exercise"],
    "healthy-eating": ["Community kitchen", "Healthy cooking course"],
    "sleep": ["Sleep well course", "Better sleep workshop"],
    "relaxation": ["Relaxation and breathing class", "Mindfulness group"],
    "meaningful-activity": ["Arts and crafts group", "Volunteering hub", "Community garden"],
    "structure-routine": ["Goal setting coaching", "Daily routine support"],
    "carers": ["Carers support", "Carers' wellbeing group"],
    "employment": ["Back to work support", "Skills and training"],
    "digital-inclusion": ["Digital skills drop-in", "Get online helpline"],
    "pain-self-management": ["Living well with pain course", "Pain peer support"],
}
ORG_WORDS = [
    "Community",
    "Neighbours",
    "Together",
    "Connect",
    "Wellbeing",
    "Action",
    "Hub",
    "Trust",
]


def _postcodes_by_area(codes) -> dict[str, list[str]]:
    """Return each area's postcodes that have a grid reference of their own.

    Many ONS postcodes (about one in seven in KT, mostly old or large-user ones) share one
    grid reference with hundreds of others; a service placed at one would look 0 km from them.
    """
    rows = list(
        Postcode.objects.filter(local_authority_id__in=list(codes), latitude__isnull=False)
        .order_by("postcode")
        .values_list("local_authority_id", "postcode", "latitude", "longitude")
    )
    shared = Counter((lat, lon) for _, _, lat, lon in rows)
    by_area: dict[str, list[str]] = {code: [] for code in codes}
    for area, postcode, lat, lon in rows:
        if shared[(lat, lon)] == 1:
            by_area[area].append(postcode)
    return by_area


def demo_rows(seed: int = 1) -> list[dict]:
    """Return the demo directory as spreadsheet-shaped rows (deterministic for a seed)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    postcodes = _postcodes_by_area({**SOUTH_WEST_LONDON, **SURREY})
    missing = [code for code, pcs in postcodes.items() if not pcs]
    if missing:
        raise ImportFileError(
            "The demo directory needs the postcodes of "
            + ", ".join(missing)
            + ": run `python manage.py load_areas` and `python manage.py load_postcodes` first."
        )
    rows: list[dict] = []

    def add(*, borough, place, needs, eligible, via, served, modes, only_for="", ages=(None, None)):
        number = len(rows) + 1
        kind = rng.choice(SERVICE_KINDS[needs[0]])
        org = f"{place} {rng.choice(ORG_WORDS)} {kind.split()[0]} (demo)"
        in_person = "in_person" in modes
        stale = rng.random() < 0.18
        reviewed = today - dt.timedelta(
            days=rng.randint(400, 900) if stale else rng.randint(5, 330)
        )
        capacity = rng.choices(["open", "waiting_list", "closed"], weights=[76, 17, 7])[0]
        status = rng.choices(["published", "draft", "archived"], weights=[94, 4, 2])[0]
        has_contact = rng.random() > 0.06
        street = rng.choice(["High", "Church", "Station", "Mill"])
        address = f"{rng.randint(1, 180)} {street} {rng.choice(['Street', 'Road', 'Lane'])}"
        rows.append(
            {
                "external_id": f"DEMO-{number:04d}",
                "organisation": org,
                "service": f"{place} {kind}",
                "description": f"{kind} for people in {place}. A fictional service for the demo.",
                "needs": ";".join(needs),
                "delivery_modes": ";".join(modes),
                "address": address if in_person else "",
                "postcode": rng.choice(postcodes[borough]) if in_person else "",
                "areas_served": ";".join(served),
                "eligible_areas": ";".join(eligible),
                "eligible_via": ";".join(via),
                "min_age": "" if ages[0] is None else str(ages[0]),
                "max_age": "" if ages[1] is None else str(ages[1]),
                "only_for": only_for,
                "referral_route": rng.choice(["self", "professional", "both", "both"]),
                "phone": f"01632 96{number:04d}" if has_contact else "",
                "email": f"hello{number}@example.org" if has_contact and rng.random() < 0.6 else "",
                "website": f"https://example.org/demo-{number}" if has_contact else "",
                "capacity": capacity,
                "status": status,
                "last_reviewed": reviewed.isoformat(),
            }
        )

    def borough_services(code, place, needs, icb, extra):
        for need in needs:
            if (code, need) in DELIBERATE_GAPS:
                continue
            secondary = [
                n
                for n in rng.sample(BOROUGH_NEEDS + OTHER_NEEDS, 2)
                if n != need and (code, n) not in DELIBERATE_GAPS
            ][:1]
            pattern = rng.choices(
                ["borough", "borough-lives", "icb", "gp-only", "older", "open", "works"],
                weights=[40, 12, 14, 10, 8, 8, 8],
            )[0]
            eligible, via, ages, only_for = [code], ["lives", "gp"], (None, None), ""
            if pattern == "borough-lives":
                via = ["lives"]
            elif pattern == "icb":
                eligible = [icb]
            elif pattern == "gp-only":
                via = ["gp"]
            elif pattern == "older":
                ages = (65, None)
            elif pattern == "open":
                eligible, via = [], []
            elif pattern == "works":
                via = ["lives", "works", "gp"]
            if need == "carers":
                only_for = "carer"
            modes = ["in_person"] + rng.sample(["phone", "online", "home_visit"], rng.randint(0, 2))
            add(
                borough=code,
                place=place,
                needs=[need, *secondary],
                eligible=eligible,
                via=via,
                served=[code],
                modes=modes,
                only_for=only_for,
                ages=ages,
            )
        for _ in range(extra):
            need = rng.choice([n for n in OTHER_NEEDS if (code, n) not in DELIBERATE_GAPS])
            add(
                borough=code,
                place=place,
                needs=[need],
                eligible=[code],
                via=["lives", "gp"],
                served=[code],
                modes=["in_person", "phone"],
                ages=(18, 25) if rng.random() < 0.3 else (None, None),
            )

    for code, place in SOUTH_WEST_LONDON.items():
        borough_services(code, place, BOROUGH_NEEDS + OTHER_NEEDS, "QWE", extra=2)
    for code, place in SURREY.items():
        chosen = BOROUGH_NEEDS[:6] + OTHER_NEEDS[:5]
        borough_services(code, place, chosen, "QXU", extra=1)
    for i, need in enumerate(
        [
            "pain-self-management",
            "mental-wellbeing",
            "carers",
            "isolation",
            "bereavement",
            "benefits",
            "pain-self-management",
            "digital-inclusion",
            "debt",
            "mental-wellbeing",
        ]
    ):
        home = list(SOUTH_WEST_LONDON)[i % 6]
        add(
            borough=home,
            place="South West London",
            needs=[need],
            eligible=["QWE"],
            via=["gp"] if i % 3 == 0 else ["lives", "gp"],
            served=["QWE"],
            modes=["in_person", "phone", "online"],
            only_for="carer" if need == "carers" else ("chronic-pain" if i == 6 else ""),
        )
    for i, need in enumerate(
        [
            "mental-wellbeing",
            "isolation",
            "carers",
            "bereavement",
            "financial",
            "pain-self-management",
        ]
    ):
        home = list(SURREY)[i % 4]
        add(
            borough=home,
            place="Surrey",
            needs=[need],
            eligible=["QXU"],
            via=["lives", "gp"],
            served=["QXU"],
            modes=["in_person", "phone"],
            only_for="carer" if need == "carers" else "",
        )
    national = [
        "isolation",
        "bereavement",
        "debt",
        "benefits",
        "mental-wellbeing",
        "carers",
        "digital-inclusion",
        "pain-self-management",
        "financial",
        "isolation",
        "bereavement",
        "mental-wellbeing",
        "debt",
        "carers",
        "isolation",
        "pain-self-management",
    ]
    for i, need in enumerate(national):
        add(
            borough="E09000029",
            place="National",
            needs=[need],
            eligible=[],
            via=[],
            served=["national"],
            modes=["phone", "online"] if i % 2 else ["phone"],
            only_for="carer" if need == "carers" else ("older-people" if i == 14 else ""),
            ages=(60, None) if i == 14 else (None, None),
        )
    return rows


DEMO_SOURCE = "Demo directory (made-up services)"


def load_demo_directory(seed: int = 1):
    """Validate and write the demo directory; running it again changes nothing."""
    rows = demo_rows(seed)
    validator = ServiceValidator()
    validator.prefetch_postcodes(r["postcode"] for r in rows)
    records = []
    for row in rows:
        record, problems = validator.validate(row)
        if problems:  # a bug in the generator, never bad user input
            raise ImportFileError(f"demo row {row['external_id']}: {problems}")
        records.append(record)
    source = actions.source_for(Source.Kind.SPREADSHEET, DEMO_SOURCE)
    return actions.save_services(records, source=source)
