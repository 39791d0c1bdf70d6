from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SignpostingConfig(AppConfig):
    name = "signposting"
    verbose_name = "Signposting"

    def ready(self):
        from signposting.roles import setup_roles

        # After every migrate (and every test database flush), so roles always exist.
        post_migrate.connect(setup_roles, sender=self, dispatch_uid="signposting-roles")
