from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SignpostingConfig(AppConfig):
    name = "signposting"
    verbose_name = "Signposting"

    def ready(self):
        from directory.synthetic import generating
        from signposting.generated import refuse_for_signal
        from signposting.roles import setup_roles

        # Benchmark generators in directory refuse a database holding records people made.
        generating.connect(refuse_for_signal, dispatch_uid="signposting-benchmark-guard")

        # After every migrate (and every test database flush), so roles always exist.
        post_migrate.connect(setup_roles, sender=self, dispatch_uid="signposting-roles")
