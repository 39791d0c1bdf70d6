"""The vendored ORUK 3.0 schemas, loaded once: what the importer and the feed's tests check with.

The schemas refer to each other by their published addresses (SCHEMA_BASE); the registry serves
our copies under those addresses, so nothing is fetched from the internet.
"""

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


@lru_cache(maxsize=1)
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT202012)
        for uri in (path.name, SCHEMA_BASE + path.name, SCHEMA_BASE + "compiled/" + path.name):
            resources.append((uri, resource))
    return Registry().with_resources(resources)


@lru_cache(maxsize=8)
def validator(name: str) -> Draft202012Validator:
    """A validator for one vendored schema file ("service.json")."""
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=registry())


def problem(document, name: str) -> str | None:
    """The first way a document breaks the schema, naming the field, or None."""
    error = next(iter(validator(name).iter_errors(document)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "(the document)"
    return f"{where}: {error.message[:300]}"
