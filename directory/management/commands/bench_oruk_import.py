import json
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from directory.importers.feed_server import FeedServer, normalise
from directory.importers.openreferral import PER_PAGE, import_openreferral
from directory.openreferral import publish
from directory.openreferral.publish import service_full, service_summary


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Benchmark: publish N services of this directory as an ORUK feed on a local HTTP server "
        "(as copies with new ids and names), import it, import it again unchanged, and roll back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=10_000)

    def handle(self, *args, **options):
        wanted = options["services"]
        ids = list(publish.published_services().order_by("id").values_list("id", flat=True))
        if len(ids) < wanted:
            raise CommandError(f"Only {len(ids)} published services: run generate_directory.")
        ids = ids[:: max(1, len(ids) // wanted)][:wanted]
        started = time.perf_counter()
        documents = []
        for start in range(0, len(ids), 2000):
            chunk = publish.full_services(
                publish.published_services().filter(pk__in=ids[start : start + 2000])
            )
            for service in chunk:
                documents.append((_copy(service_summary(service)), _copy(service_full(service))))
        routes = {}
        pages = [documents[i : i + PER_PAGE] for i in range(0, len(documents), PER_PAGE)]
        for number, page in enumerate(pages, start=1):
            summaries = [summary for summary, _ in page]
            body = {
                "total_items": len(documents),
                "total_pages": len(pages),
                "page_number": number,
                "size": len(page),
                "first_page": number == 1,
                "last_page": number == len(pages),
                "empty": False,
                "contents": summaries,
            }
            routes[normalise(f"/services?page={number}&per_page={PER_PAGE}")] = (
                200,
                json.dumps(body).encode(),
            )
        for _, document in documents:
            routes[normalise(f"/services/{document['id']}")] = (200, json.dumps(document).encode())
        built = time.perf_counter() - started
        self.stdout.write(f"feed of {len(documents):,} services built in {built:.1f} s")
        try:
            with transaction.atomic(), FeedServer(routes) as server:
                for label in ("first import", "second import (no change)"):
                    started = time.perf_counter()
                    result = import_openreferral(server.url)
                    seconds = time.perf_counter() - started
                    self.stdout.write(
                        f"  {label}: {seconds:.1f} s, {len(documents) / seconds:,.0f} services/s "
                        f"({result.summary}; {len(result.warnings)} notes)"
                    )
                raise Rollback
        except Rollback:
            self.stdout.write("  rolled back: the benchmark directory is as it was")


def _copy(document: dict) -> dict:
    """The same service under a new id, name and organisation: a feed another council runs."""
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "bench-feed/" + document["id"]))
    document["id"] = new_id
    document["name"] = f"Feed copy of {document['name']}"
    organisation = document["organization"]
    organisation["name"] = f"Feed copy of {organisation['name']}"
    organisation["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "bench-org/" + organisation["id"]))
    for sal in document.get("service_at_locations") or []:
        sal["service_id"] = new_id
        location = sal["location"]
        location["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "bench-loc/" + location["id"]))
    return document
