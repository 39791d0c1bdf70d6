"""A reproducible demo directory: fictional organisations at real postcodes.

About 200 services across the six South West London boroughs, four neighbouring Surrey
districts, ICB-wide services and national phone or online services. Eligibility is realistic
(borough-only, ICB-wide, GP-registration-only, age-limited, carers-only), some reviews are stale,
some services have waiting lists or are closed, and some borough x need pairs are left empty on
purpose (DELIBERATE_GAPS) so that the gap reports have something true to find.

It has to be believable to a link worker who knows the area: a service's name says every need
it meets and no other ("Sutton money and debt advice"), a service named for a borough is at a
postcode that the ONS table puts in that borough, in a postcode district that is mostly that
borough's (a Sutton service at a KT17 postcode would look like Epsom), and about a quarter of
the services say when they are open, what they cost and how accessible they are.
Every service goes through the same validator and writer (directory.actions) as a spreadsheet
import.
"""

import datetime as dt
import random
from collections import Counter, defaultdict

from django.db.models import Q
from django.utils import timezone

from directory import actions
from directory.importers.base import ImportFileError
from directory.models import Postcode, Source
from directory.service_data import ServiceValidator

# Each borough by the name its services use ("Kingston money advice").
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
# The kinds of local service for each need, with every need each one meets: a name says all of
# its needs and nothing else, so a service that meets two needs is named for both.
SERVICE_KINDS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "isolation": [
        ("Befriending service", ("isolation",)),
        ("Friendship calls", ("isolation",)),
        ("Befriending and peer support", ("isolation", "social-support")),
    ],
    "social-support": [
        ("Peer support group", ("social-support",)),
        ("Peer support cafe", ("social-support",)),
        ("Wellbeing peer support group", ("social-support", "mental-wellbeing")),
    ],
    "financial": [
        ("Money advice", ("financial",)),
        ("Cost of living help", ("financial",)),
        ("Budgeting support", ("financial",)),
        ("Money and debt advice", ("financial", "debt")),
    ],
    "debt": [
        ("Debt advice clinic", ("debt",)),
        ("Debt casework", ("debt",)),
        ("Debt and benefits advice", ("debt", "benefits")),
    ],
    "benefits": [
        ("Benefits advice", ("benefits",)),
        ("Benefit appeals help", ("benefits",)),
        ("Money and benefits advice", ("benefits", "financial")),
    ],
    "housing": [
        ("Housing advice", ("housing",)),
        ("Tenancy support", ("housing",)),
        ("Housing and money advice", ("housing", "financial")),
    ],
    "bereavement": [
        ("Bereavement support", ("bereavement",)),
        ("Grief cafe", ("bereavement",)),
    ],
    "mental-wellbeing": [
        ("Wellbeing group", ("mental-wellbeing",)),
        ("Anxiety support", ("mental-wellbeing",)),
        ("Mental health drop-in", ("mental-wellbeing",)),
        ("Wellbeing and relaxation group", ("mental-wellbeing", "relaxation")),
    ],
    "physical-activity": [
        ("Walking group", ("physical-activity",)),
        ("Gentle exercise class", ("physical-activity",)),
        ("Chair-based exercise", ("physical-activity",)),
        ("Walk and talk befriending", ("physical-activity", "isolation")),
    ],
    "healthy-eating": [
        ("Healthy cooking course", ("healthy-eating",)),
        ("Healthy eating group", ("healthy-eating",)),
    ],
    "sleep": [
        ("Sleep well course", ("sleep",)),
        ("Better sleep workshop", ("sleep",)),
        ("Sleep and relaxation course", ("sleep", "relaxation")),
    ],
    "relaxation": [
        ("Relaxation and breathing class", ("relaxation",)),
        ("Mindfulness group", ("relaxation",)),
    ],
    "meaningful-activity": [
        ("Arts and crafts group", ("meaningful-activity",)),
        ("Volunteering hub", ("meaningful-activity",)),
        ("Community gardening", ("meaningful-activity",)),
        ("Volunteering for work skills", ("meaningful-activity", "employment")),
    ],
    "structure-routine": [
        ("Goal setting coaching", ("structure-routine",)),
        ("Daily routine support", ("structure-routine",)),
        ("Pacing and routine for people with pain", ("structure-routine", "pain-self-management")),
    ],
    "carers": [
        ("Carers support", ("carers",)),
        ("Carers drop-in", ("carers",)),
        ("Carers wellbeing group", ("carers", "mental-wellbeing")),
    ],
    "employment": [
        ("Back to work support", ("employment",)),
        ("Job club", ("employment",)),
    ],
    "digital-inclusion": [
        ("Digital skills drop-in", ("digital-inclusion",)),
        ("Computer help sessions", ("digital-inclusion",)),
        ("Digital skills for work", ("digital-inclusion", "employment")),
    ],
    "pain-self-management": [
        ("Living well with pain course", ("pain-self-management",)),
        ("Pain self-management group", ("pain-self-management",)),
        ("Gentle exercise for people with pain", ("pain-self-management", "physical-activity")),
    ],
}
# National services, by phone or online, named as such services are: (name, needs, modes,
# only_for, (min_age, max_age)).
NATIONAL_SERVICES = [
    ("Befriending phone calls", ("isolation",), ("phone",), "", (None, None)),
    ("Bereavement helpline", ("bereavement",), ("phone", "online"), "", (None, None)),
    ("Debt advice line", ("debt",), ("phone",), "", (None, None)),
    ("Benefits advice line", ("benefits",), ("phone", "online"), "", (None, None)),
    ("Mental health listening line", ("mental-wellbeing",), ("phone",), "", (None, None)),
    ("Carers helpline", ("carers",), ("phone", "online"), "carer", (None, None)),
    ("Get online helpline", ("digital-inclusion",), ("phone",), "", (None, None)),
    (
        "Pain self-management online course",
        ("pain-self-management",),
        ("online",),
        "",
        (None, None),
    ),
    ("Money advice line", ("financial",), ("phone",), "", (None, None)),
    ("Friendship calls", ("isolation",), ("phone", "online"), "", (None, None)),
    ("Grief support line", ("bereavement",), ("phone",), "", (None, None)),
    ("Anxiety helpline", ("mental-wellbeing",), ("phone", "online"), "", (None, None)),
    ("Debt and budgeting advice line", ("debt", "financial"), ("phone",), "", (None, None)),
    ("Carers online forum", ("carers",), ("online",), "carer", (None, None)),
    ("Befriending calls for older people", ("isolation",), ("phone",), "older-people", (60, None)),
    ("Pain support helpline", ("pain-self-management",), ("phone", "online"), "", (None, None)),
]
# Neutral organisation names: an organisation runs services for several needs.
ORG_NAMES = [
    "{place} Community Trust",
    "{place} Voluntary Action",
    "{place} Neighbours Together",
    "{place} Community Action",
    "{place} Good Neighbours",
    "{place} Community Network",
]
NATIONAL_ORGS = ["Helplines UK", "Talk It Through UK", "UK Community Lines"]
STREETS = ["High Street", "Church Road", "Station Road", "Mill Lane", "Park Road", "London Road"]
# Opening times in the spreadsheet's own form (docs/import.md).
LOCAL_HOURS = [
    "Mon 10:00-12:00",
    "Tue 13:30-15:30; Thu 13:30-15:30",
    "Wed 18:00-20:00",
    "Mon-Fri 09:30-16:30",
    "Tue 10:00-12:00, 13:00-15:00",
    "Sat 10:00-12:00",
    "Mon-Thu 09:30-16:30; by appointment",
    "by appointment",
]
PHONE_HOURS = [
    "Mon-Fri 09:00-20:00; Sat-Sun 10:00-16:00",
    "Mon-Fri 09:00-17:00",
    "Mon-Sun 08:00-22:00",
]
# Needs whose groups and classes commonly charge a little; advice and support stay free.
CHARGED_NEEDS = {
    "physical-activity",
    "healthy-eating",
    "relaxation",
    "meaningful-activity",
    "sleep",
}
CHARGES = [
    "£3 a session, free for people on benefits",
    "£2 a class",
    "£25 for the six-week course (bursaries available)",
    "£4 a session, including materials",
]
LANGUAGES = ["Polish", "Urdu", "Tamil", "Arabic", "Portuguese", "Somali", "Gujarati", "Korean"]
# A postcode district counts as a borough's when at least this share of its postcodes are.
MAIN_DISTRICT_SHARE = 0.8


def _postcodes_by_area(codes) -> dict[str, list[str]]:
    """Return each area's postcodes that have a grid reference of their own, in its own districts.

    Many ONS postcodes (about one in seven in KT, mostly old or large-user ones) share one
    grid reference with hundreds of others; a service placed at one would look 0 km from them.
    A borough's postcodes in a district that is mostly another's (Sutton's few in CR2, Croydon's
    district) are left out too: their address would name the other place.
    """
    rows = list(
        Postcode.objects.filter(local_authority_id__in=list(codes), latitude__isnull=False)
        .order_by("postcode")
        .values_list("local_authority_id", "postcode", "latitude", "longitude")
    )
    shared = Counter((lat, lon) for _, _, lat, lon in rows)
    share = district_shares({postcode for _, postcode, _, _ in rows})
    by_area: dict[str, list[str]] = {code: [] for code in codes}
    for area, postcode, lat, lon in rows:
        own_district = share[(district(postcode), area)] >= MAIN_DISTRICT_SHARE
        if shared[(lat, lon)] == 1 and own_district:
            by_area[area].append(postcode)
    return by_area


def district(postcode: str) -> str:
    """The postcode district (outward code) of a normalised postcode: "SM1 1AA" -> "SM1"."""
    return postcode.split(" ", 1)[0]


def district_shares(postcodes) -> dict[tuple[str, str], float]:
    """(district, local authority) -> the share of the district's loaded postcodes in it."""
    districts = sorted({district(p) for p in postcodes})
    counts: Counter = Counter()
    for start in range(0, len(districts), 50):
        ranges = Q()
        for name in districts[start : start + 50]:
            # "SM1 " sorts before every "SM1 xxx" and "SM1!" after them (and before "SM10").
            ranges |= Q(postcode__gte=f"{name} ", postcode__lt=f"{name}!")
        for postcode, area in Postcode.objects.filter(ranges).values_list(
            "postcode", "local_authority_id"
        ):
            counts[(district(postcode), area)] += 1
    totals: Counter = Counter()
    for (name, _), count in counts.items():
        totals[name] += count
    shares: dict[tuple[str, str], float] = defaultdict(float)
    for (name, area), count in counts.items():
        shares[(name, area)] = count / totals[name]
    return shares


def _details(rng, needs, modes) -> dict:
    """Opening times, cost and accessibility for about a quarter of the services each."""
    details = {}
    in_person = "in_person" in modes
    if rng.random() < 0.3:
        details["opening_times"] = rng.choice(LOCAL_HOURS if in_person else PHONE_HOURS)
    if rng.random() < 0.3:
        charged = needs[0] in CHARGED_NEEDS and rng.random() < 0.6
        details["cost"] = rng.choice(CHARGES) if charged else "free"
    if in_person and rng.random() < 0.3:
        details["step_free_access"] = rng.choice(["yes", "yes", "yes", "no"])
        details["hearing_loop"] = rng.choice(["yes", "no", ""])
        details["accessible_toilet"] = rng.choice(["yes", "yes", "no"])
        if details["step_free_access"] == "no":
            details["accessibility_note"] = (
                "Three steps at the entrance; staff can meet you outside."
            )
    if rng.random() < 0.15:
        details["languages"] = ";".join(rng.sample(LANGUAGES, rng.randint(1, 2)))
    return details


def demo_rows(seed: int = 1) -> list[dict]:
    """Return the demo directory as spreadsheet-shaped rows (deterministic for a seed)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    boroughs = {**SOUTH_WEST_LONDON, **SURREY}
    postcodes = _postcodes_by_area(boroughs)
    missing = [code for code, pcs in postcodes.items() if not pcs]
    if missing:
        raise ImportFileError(
            "The demo directory needs the postcodes of "
            + ", ".join(missing)
            + ": run `python manage.py load_areas` and `python manage.py load_postcodes` first."
        )
    rows: list[dict] = []

    def add(*, borough, org, name, description, needs, eligible, via, served, modes,
            only_for="", ages=(None, None)):  # fmt: skip
        number = len(rows) + 1
        in_person = "in_person" in modes
        stale = rng.random() < 0.18
        reviewed = today - dt.timedelta(
            days=rng.randint(400, 900) if stale else rng.randint(5, 330)
        )
        capacity = rng.choices(["open", "waiting_list", "closed"], weights=[76, 17, 7])[0]
        status = rng.choices(["published", "draft", "archived"], weights=[94, 4, 2])[0]
        has_contact = rng.random() > 0.06
        address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {boroughs[borough]}"
        rows.append(
            {
                "external_id": f"DEMO-{number:04d}",
                "organisation": f"{org} (demo)",
                "service": name,
                "description": f"{description} A fictional service for the demo.",
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
                **_details(rng, needs, modes),
            }
        )

    listed: set[tuple[str, str]] = set()  # (place, kind): each kind once in a place

    def kinds_left(need, place, excluded):
        """The kinds of service for this need not yet listed in this place, that meet none of
        the excluded needs."""
        return [
            (kind, needs)
            for kind, needs in SERVICE_KINDS[need]
            if not set(needs) & excluded and (place, kind) not in listed
        ]

    def add_local(*, borough, place, need, excluded, only_for="", **criteria):
        kind, needs = rng.choice(kinds_left(need, place, excluded))
        listed.add((place, kind))
        add(
            borough=borough,
            org=rng.choice(ORG_NAMES).format(place=place),
            name=f"{place} {kind[0].lower()}{kind[1:]}",
            description=f"{kind} for people in {place}.",
            needs=list(needs),
            only_for="carer" if "carers" in needs else only_for,
            **criteria,
        )

    def borough_services(code, place, needs, icb, extra):
        gaps = {n for area, n in DELIBERATE_GAPS if area == code}
        for need in needs:
            if need in gaps:
                continue
            pattern = rng.choices(
                ["borough", "borough-lives", "icb", "gp-only", "older", "open", "works"],
                weights=[40, 12, 14, 10, 8, 8, 8],
            )[0]
            eligible, via, ages = [code], ["lives", "gp"], (None, None)
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
            modes = ["in_person"] + rng.sample(["phone", "online", "home_visit"], rng.randint(0, 2))
            add_local(
                borough=code, place=place, need=need, excluded=gaps, eligible=eligible, via=via,
                served=[code], modes=modes, ages=ages,
            )  # fmt: skip
        for _ in range(extra):
            need = rng.choice([n for n in OTHER_NEEDS if kinds_left(n, place, gaps)])
            add_local(
                borough=code, place=place, need=need, excluded=gaps, eligible=[code],
                via=["lives", "gp"], served=[code], modes=["in_person", "phone"],
                ages=(18, 25) if rng.random() < 0.3 else (None, None),
            )  # fmt: skip

    for code, place in SOUTH_WEST_LONDON.items():
        borough_services(code, place, BOROUGH_NEEDS + OTHER_NEEDS, "QWE", extra=2)
    for code, place in SURREY.items():
        chosen = BOROUGH_NEEDS[:6] + OTHER_NEEDS[:5]
        borough_services(code, place, chosen, "QXU", extra=1)
    # ICB-wide services, each at one place in a borough of the ICB. None of them meets a need
    # that only borough services meet (BOROUGH_NEEDS), so the deliberate gaps stay gaps.
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
        add_local(
            borough=list(SOUTH_WEST_LONDON)[i % 6],
            place="South West London",
            need=need,
            excluded=set(BOROUGH_NEEDS),
            eligible=["QWE"],
            via=["gp"] if i % 3 == 0 else ["lives", "gp"],
            served=["QWE"],
            modes=["in_person", "phone", "online"],
            only_for="chronic-pain" if i == 6 else "",
        )
    for i, need in enumerate(
        ["mental-wellbeing", "isolation", "carers", "bereavement", "financial",
         "pain-self-management"]
    ):  # fmt: skip
        add_local(
            borough=list(SURREY)[i % 4],
            place="Surrey",
            need=need,
            excluded=set(BOROUGH_NEEDS),
            eligible=["QXU"],
            via=["lives", "gp"],
            served=["QXU"],
            modes=["in_person", "phone"],
        )
    for name, needs, modes, only_for, ages in NATIONAL_SERVICES:
        how = " and ".join({"phone": "by phone", "online": "online"}[m] for m in modes)
        who = "anyone in the UK" + (f" aged {ages[0]} or over" if ages[0] else "")
        add(
            borough="E09000029",
            org=rng.choice(NATIONAL_ORGS),
            name=name,
            description=f"{name} for {who}, {how}.",
            needs=list(needs),
            eligible=[],
            via=[],
            served=["national"],
            modes=list(modes),
            only_for=only_for,
            ages=ages,
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
