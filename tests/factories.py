"""Build test data through the same validator and writer that imports and the API use."""

import csv
from pathlib import Path

from directory import actions
from directory.models import Service
from directory.service_data import COLUMNS, ServiceValidator


def service_row(**overrides) -> dict:
    row = {
        "external_id": "",
        "organisation": "Test Befrienders (demo)",
        "service": "Test befriending",
        "description": "Weekly calls",
        "needs": "isolation",
        "delivery_modes": "in_person;phone",
        "address": "1 High Street",
        "postcode": "SM1 1AA",
        "areas_served": "Sutton",
        "eligible_areas": "Sutton",
        "eligible_via": "lives;gp",
        "min_age": "",
        "max_age": "",
        "only_for": "",
        "referral_route": "both",
        "phone": "01632 960000",
        "email": "",
        "website": "",
        "capacity": "open",
        "status": "published",
        "last_reviewed": "2026-01-01",
    }
    row.update(overrides)
    return row


def make_service(**overrides) -> Service:
    """Create (or update) one service from a row, as an import would."""
    row = service_row(**overrides)
    validator = ServiceValidator()
    validator.prefetch_postcodes([row["postcode"]])
    record, problems = validator.validate(row)
    assert not problems, problems
    return actions.save_services([record]).services[0]


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
