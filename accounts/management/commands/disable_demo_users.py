from django.core.management.base import BaseCommand

from accounts.demo_accounts import active_demo_users


class Command(BaseCommand):
    help = (
        "Deactivate every demo user and remove its password, so that production can start "
        "(DEBUG off refuses to start while active demo users exist). Their records are kept."
    )
    requires_system_checks = []  # the check this command exists to satisfy

    def handle(self, *args, **options):
        disabled = []
        for user in active_demo_users():
            user.is_active = False
            user.set_unusable_password()
            user.save()
            disabled.append(user.get_username())
        self.stdout.write(f"Disabled {len(disabled)} demo users: {', '.join(disabled) or '-'}")
