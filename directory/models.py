"""Places (areas, postcodes, GP practices) and the directory of services."""

from django.db import models


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
