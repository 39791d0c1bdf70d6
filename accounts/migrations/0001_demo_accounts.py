"""Demo accounts, and two steps for databases made before them.

- Users that load_demo_users made before demo users were marked (its usernames, still with the
  published password) are marked now, so they are refused with DEBUG off.
- DRF's authtoken table, which kept API tokens in clear, is dropped with its migration records:
  tokens are now django-rest-knox's, stored as hashes (docs/security.md). Old tokens stop
  working; their users make new ones.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import migrations, models

DEMO_PASSWORD = "signpost-demo-2026"  # noqa: S105 - the published one, to find it
DEMO_USERNAMES = ["linkworker", "coach", "clinician", "sutton.linkworker", "lead", "editor",
                  "admin"]  # fmt: skip


def mark_seeded_demo_users(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    DemoAccount = apps.get_model("accounts", "DemoAccount")
    for user in User.objects.filter(username__in=DEMO_USERNAMES):
        if check_password(DEMO_PASSWORD, user.password):
            DemoAccount.objects.get_or_create(user=user)


def drop_authtoken(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute("DROP TABLE authtoken_token")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="DemoAccount",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="demo_account",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("marked_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.RunPython(mark_seeded_demo_users, migrations.RunPython.noop),
        migrations.RunPython(drop_authtoken, migrations.RunPython.noop),
    ]
