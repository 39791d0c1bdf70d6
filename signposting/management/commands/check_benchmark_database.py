from django.core.management.base import BaseCommand, CommandError

from signposting.generated import NotABenchmarkDatabase, refuse_real_records


class Command(BaseCommand):
    help = (
        "Succeed if every team and user in this database was made by a generator (a benchmark "
        "database that `make bench` may replace); otherwise say what people recorded in it."
    )

    def handle(self, *args, **options):
        try:
            refuse_real_records("make bench")
        except NotABenchmarkDatabase as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("A benchmark database: every team and user in it is a generator's.")
