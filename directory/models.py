"""Places (areas, postcodes, GP practices) and the directory of services."""

import uuid

from django.db import models
from django.utils import timezone


class Area(models.Model):
    """An ONS local authority (GSS code) or an NHS integrated care board (ODS code)."""

    class Kind(models.TextChoices):
        LOCAL_AUTHORITY = "la", "Local authority"
        ICB = "icb", "Integrated care board"

    code = models.CharField(primary_key=True, max_length=12)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    # A local authority belongs to at most one ICB (ICBs are built from whole local authorities,
    # with the Farnham caveat noted in fixtures/areas/README.md).
    icb = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        limit_choices_to={"kind": "icb"},
    )

    class Meta:
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self):
        return self.name

    @property
    def short_name(self) -> str:
        """The name people say: "South West London ICB" for an ICB, else the name."""
        if self.kind != self.Kind.ICB:
            return self.name
        return short_icb_name(self.name)


def short_icb_name(name: str) -> str:
    short = name.removeprefix("NHS ").replace("Integrated Care Board", "ICB")
    return short.strip()


class Postcode(models.Model):
    """A UK postcode from the ONS Postcode Directory, normalised as "SW19 1AA"."""

    postcode = models.CharField(primary_key=True, max_length=8)
    # About 24 thousand ONS postcodes have no grid reference: both are then null.
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    local_authority = models.ForeignKey(
        Area, null=True, on_delete=models.PROTECT, related_name="postcodes", db_constraint=False
    )

    def __str__(self):
        return self.postcode

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class GPPractice(models.Model):
    """A GP practice from the NHS ODS epraccur file."""

    code = models.CharField(primary_key=True, max_length=10)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=8)
    local_authority = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="gp_practices"
    )
    status = models.CharField(
        max_length=1, blank=True, help_text="ODS status: A active, C closed, D dormant, P proposed"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "GP practice"

    def __str__(self):
        return f"{self.name} ({self.code})"


class DataImport(models.Model):
    """A record of one run of an importer: what was read and what it did."""

    source = models.CharField(max_length=60)
    file = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class Need(models.Model):
    """A reason for referral: a small, stable taxonomy with synonyms for search and import."""

    slug = models.SlugField(unique=True, max_length=40)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    # Semicolon-separated alternative words ("lonely; loneliness; social isolation").
    synonyms = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(";") if s.strip()]


class Organisation(models.Model):
    """A voluntary, community or social enterprise body (HSDS: organization)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PatientGroup(models.TextChoices):
    """Who a service may be only for (an eligibility criterion)."""

    CARER = "carer", "Carers"
    CHRONIC_PAIN = "chronic-pain", "People with chronic pain"
    WOMEN = "women", "Women"
    MEN = "men", "Men"
    OLDER_PEOPLE = "older-people", "Older people"
    YOUNG_ADULTS = "young-adults", "Young adults"
    VETERANS = "veterans", "Armed forces veterans"
    BEREAVED = "bereaved", "People who have been bereaved"
    LONG_TERM_CONDITION = "long-term-condition", "People with a long-term condition"


class DeliveryMode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    ONLINE = "online", "Online"
    HOME_VISIT = "home_visit", "Home visit"


class Service(models.Model):
    """A service an organisation offers (HSDS: service), with its eligibility criteria as data."""

    class ReferralRoute(models.TextChoices):
        SELF = "self", "Self-referral"
        PROFESSIONAL = "professional", "Professional referral"
        BOTH = "both", "Self or professional referral"

    class Capacity(models.TextChoices):
        OPEN = "open", "Open"
        WAITING_LIST = "waiting_list", "Waiting list"
        CLOSED = "closed", "Closed to new referrals"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The identifier in the source spreadsheet or feed"
    )
    description = models.TextField(blank=True)
    needs = models.ManyToManyField(Need, related_name="services")
    # Delivery modes as flags: they filter in SQL on every database.
    in_person = models.BooleanField(default=False)
    by_phone = models.BooleanField(default=False)
    online = models.BooleanField(default=False)
    home_visit = models.BooleanField(default=False)
    areas_served = models.ManyToManyField(Area, blank=True, related_name="services_serving")
    serves_nationally = models.BooleanField(default=False)
    referral_route = models.CharField(
        max_length=12, choices=ReferralRoute.choices, default=ReferralRoute.BOTH
    )
    cost = models.CharField(max_length=200, default="Free", blank=True)
    opening_times = models.CharField(max_length=300, blank=True)
    capacity = models.CharField(max_length=12, choices=Capacity.choices, default=Capacity.OPEN)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    last_reviewed = models.DateField(null=True, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)

    # Eligibility criteria, evaluated by the eligibility app. An empty set of eligible areas
    # means no geographic restriction; otherwise a patient qualifies through any connection
    # ticked below to any of the areas (an ICB counts for all its local authorities).
    eligible_areas = models.ManyToManyField(Area, blank=True, related_name="services_eligible")
    eligible_if_lives = models.BooleanField(default=True)
    eligible_if_works = models.BooleanField(default=False)
    eligible_if_gp = models.BooleanField(default=True)
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    only_for = models.JSONField(
        default=list, blank=True, help_text="Patient groups (slugs) the service is only for"
    )

    # A fingerprint of the imported row, so that re-importing an unchanged row does nothing.
    import_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="service_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="service_age_range_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "capacity"]),
            models.Index(fields=["last_reviewed"]),
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})" if self.organisation_id else self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("service-detail", args=[self.pk])

    @property
    def delivery_modes(self) -> list[str]:
        flags = [
            (DeliveryMode.IN_PERSON, self.in_person),
            (DeliveryMode.PHONE, self.by_phone),
            (DeliveryMode.ONLINE, self.online),
            (DeliveryMode.HOME_VISIT, self.home_visit),
        ]
        return [mode.value for mode, on in flags if on]

    @property
    def eligible_via(self) -> list[str]:
        flags = [
            ("lives", self.eligible_if_lives),
            ("works", self.eligible_if_works),
            ("gp", self.eligible_if_gp),
        ]
        return [name for name, on in flags if on]

    @property
    def eligible_via_text(self) -> str:
        """The connections that count, as words: "live or are registered with a GP"."""
        words = {"lives": "live", "works": "work", "gp": "are registered with a GP"}
        parts = [words[v] for v in self.eligible_via]
        if len(parts) < 2:
            return "".join(parts)
        return ", ".join(parts[:-1]) + " or " + parts[-1]


# Delivery mode name -> the Service flag that holds it.
DELIVERY_MODE_FIELDS = {
    DeliveryMode.IN_PERSON.value: "in_person",
    DeliveryMode.PHONE.value: "by_phone",
    DeliveryMode.ONLINE.value: "online",
    DeliveryMode.HOME_VISIT.value: "home_visit",
}


class Location(models.Model):
    """Where a service is delivered in person (HSDS: location with service_at_location)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8)
    # Copied from the postcode table when the location is saved through an action or import.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    local_authority = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )

    class Meta:
        ordering = ["service_id", "id"]
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self):
        return ", ".join(part for part in [self.name, self.address, self.postcode] if part)


class DirectoryRevision(models.Model):
    """A token replaced by every change to services, locations or areas.

    Matching keeps an in-memory index of the directory per process and rebuilds it when the
    token changes: one single-row read per request instead of a scan. A random token rather than
    a counter, so that a rolled-back change can never reuse a number an index was built for.
    """

    token = models.UUIDField(default=uuid.uuid4)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"directory revision {self.token}"

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(token=uuid.uuid4(), changed_at=timezone.now())
        if not updated:
            cls.objects.get_or_create(pk=1)

    @classmethod
    def current(cls) -> str:
        token = cls.objects.filter(pk=1).values_list("token", flat=True).first()
        return str(token) if token else ""
