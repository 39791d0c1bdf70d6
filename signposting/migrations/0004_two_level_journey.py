"""Two levels: intake outcomes of the referral, and one path of events per need (ADR 5).

Every existing event is kept. The append-only triggers are lifted for this migration only, in
its own transaction, and put back before it commits:
- SQLite rebuilds the table to add NOT NULL columns (and a rebuilt table has no triggers), so the
  UPDATE trigger is dropped first and created again at the end;
- PostgreSQL adds columns in place (DDL fires no row trigger), and the trigger is disabled only
  while existing rows are assigned to their need; deferred foreign-key checks are run before it
  is enabled again, since PostgreSQL cannot alter a table with pending trigger events.

What the data step does, referral by referral:
- an event naming a service goes to the path of each of the referral's needs that the service
  covers (the event itself on the first, a copy naming it in `copied_from` on each further one),
  or, where the service covers none, stays on no need ("unassigned", for the team to review);
- "no service available" stays on its need;
- events today's rules would refuse are kept with `excluded_reason` and left out of states and
  reports: an intake outcome recorded on a service ("could not contact", "declined" without
  saying by whom), a service's answer with no referral to it first, a service not published;
- the referral's intake outcome is derived from its old events and recorded as a new event
  marked `by_migration`: accepted if any standing event accepted, otherwise its latest standing
  decline, could not contact or not eligible;
- each referral and referral need gets a random record key, and their states are derived anew.
"""

import random
from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "signposting_outcomeevent"
MESSAGE = "outcome events are append-only: record a correction instead"
SQLITE_TRIGGER = f"""CREATE TRIGGER outcome_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""

PATH_KINDS = {
    "signposted", "referred", "accepted", "declined_by_service", "declined_by_patient",
    "not_eligible", "service_full", "started", "completed", "did_not_attend",
    "no_service_available",
}  # fmt: skip
CONNECTS = {"referred", "signposted"}
FOLLOWS_REFERRAL = {
    "accepted", "started", "completed", "did_not_attend", "service_full",
    "declined_by_service", "not_eligible",
}  # fmt: skip
INTAKE_FROM_OLD = {"declined", "unable_to_contact", "not_eligible"}
INTAKE_REASONS = {
    "declined": {"need_out_of_scope", "not_ready", "not_interested", "other"},
    "not_eligible": {"out_of_area", "age", "criteria", "other"},
    "unable_to_contact": {"other"},
}
NOT_ON_A_PATH = {
    "unable_to_contact": "could not contact is an intake outcome now (see the referral's intake)",
    "declined": "recorded before the path said who declined (see the referral's intake)",
}


def lift_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS outcome_event_no_update")
    elif vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER outcome_event_no_change")


def restore_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS outcome_event_no_update")
        schema_editor.execute(SQLITE_TRIGGER)
    elif vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER outcome_event_no_change")


def _flag(event, needs_connected) -> str:
    """Why today's rules would refuse this migrated path event ("" if they would not)."""
    if event.need_id is None:
        return "unassigned: the service covers none of the referral's needs; review it"
    if event.kind not in PATH_KINDS:
        return NOT_ON_A_PATH.get(event.kind, f"'{event.kind}' is not a path event")
    if event.service_id is None:
        return "" if event.kind == "no_service_available" else "names no service"
    if event._service_status != "published":
        return f"the service was {event._service_status}, not published"
    if event.kind in FOLLOWS_REFERRAL and (event.need_id, event.service_id) not in needs_connected:
        return "the patient was not referred or signposted to this service for this need first"
    return ""


def to_two_levels(apps, schema_editor):
    from signposting.journey import intake_state, path_states

    Event = apps.get_model("signposting", "OutcomeEvent")
    Referral = apps.get_model("signposting", "Referral")
    ReferralNeed = apps.get_model("signposting", "ReferralNeed")
    Service = apps.get_model("directory", "Service")
    keys = random.SystemRandom()

    needs_of = defaultdict(set)
    for referral_id, need_id in ReferralNeed.objects.values_list("referral_id", "need_id"):
        needs_of[referral_id].add(need_id)
    service_needs = defaultdict(set)
    for service_id, need_id in Service.needs.through.objects.values_list("service_id", "need_id"):
        service_needs[service_id].add(need_id)
    status_of = dict(Service.objects.values_list("id", "status"))

    by_referral = defaultdict(list)
    for event in Event.objects.order_by("referral_id", "recorded_at", "id"):
        by_referral[event.referral_id].append(event)

    changed, copies, intake = [], [], []
    for referral_id, events in by_referral.items():
        needs = needs_of[referral_id]
        placed = []  # (event, need) in time order, the originals and their copies
        for event in events:
            event.stage = "path"
            if event.kind == "no_service_available" or event.service_id is None:
                targets = [event.need_id] if event.need_id in needs else [None]
            else:
                targets = sorted(needs & service_needs[event.service_id]) or [None]
            event.need_id = targets[0]
            placed.append(event)
            changed.append(event)
            for need_id in targets[1:]:
                copy = Event(
                    referral_id=referral_id, stage="path", kind=event.kind,
                    service_id=event.service_id, need_id=need_id, reason=event.reason,
                    note=event.note, recorded_by_id=event.recorded_by_id,
                    recorded_at=event.recorded_at, corrects_id=event.corrects_id,
                    copied_from_id=event.id,
                )  # fmt: skip
                placed.append(copy)
                copies.append(copy)
        corrected = {e.corrects_id for e in events if e.corrects_id}
        connected = set()
        for event in placed:
            event._service_status = status_of.get(event.service_id, "")
            event.excluded_reason = _flag(event, connected)
            if not event.excluded_reason and event.kind in CONNECTS and event.id not in corrected:
                connected.add((event.need_id, event.service_id))
        standing = [e for e in events if e.id not in corrected]
        accepted = [e for e in standing if e.kind == "accepted" and not e.excluded_reason]
        others = [e for e in standing if e.kind in INTAKE_FROM_OLD]
        source = accepted[0] if accepted else (others[-1] if others else None)
        if source is not None:
            reason = source.reason if source.reason in INTAKE_REASONS.get(source.kind, ()) else ""
            intake.append(
                Event(
                    referral_id=referral_id,
                    stage="intake",
                    kind=source.kind,
                    reason=reason,
                    note=f"Derived from event {source.id} when referrals got two levels.",
                    recorded_by_id=source.recorded_by_id,
                    recorded_at=source.recorded_at,
                    by_migration=True,
                )  # fmt: skip
            )
    Event.objects.bulk_update(changed, ["stage", "need", "excluded_reason"], batch_size=1000)
    Event.objects.bulk_create(copies, batch_size=1000)
    # A copy of a correction corrects the event (or the copy) on its own need.
    on_need = {(e.copied_from_id or e.id, e.need_id): e.id for e in [*changed, *copies]}
    fixed = []
    for copy in copies:
        if copy.corrects_id:
            copy.corrects_id = on_need.get((copy.corrects_id, copy.need_id), copy.corrects_id)
            fixed.append(copy)
    Event.objects.bulk_update(fixed, ["corrects"], batch_size=1000)
    Event.objects.bulk_create(intake, batch_size=1000)

    # Record keys, then every state derived anew from the events.
    all_events = defaultdict(list)
    for event in Event.objects.all():
        all_events[event.referral_id].append(event)
    referrals = list(Referral.objects.all())
    key_of = {}
    for referral in referrals:
        referral.record_key = key_of[referral.id] = keys.randrange(256)
        state = intake_state(all_events[referral.id])
        referral.state, referral.ever_accepted = state.state, state.accepted
    Referral.objects.bulk_update(
        referrals, ["record_key", "state", "ever_accepted"], batch_size=1000
    )
    links = list(ReferralNeed.objects.all())
    states = {
        referral_id: path_states(all_events[referral_id], needs)
        for referral_id, needs in needs_of.items()
    }
    for link in links:
        path = states[link.referral_id][link.need_id]
        link.record_key = key_of[link.referral_id]
        link.state, link.taken_up, link.unmet = path.state, path.taken_up, path.unmet
    ReferralNeed.objects.bulk_update(
        links, ["record_key", "state", "taken_up", "unmet"], batch_size=1000
    )


def back_to_one_level(apps, schema_editor):
    """Remove what the migration added (its intake events and copies); the columns go next."""
    Event = apps.get_model("signposting", "OutcomeEvent")
    Event.objects.exclude(copied_from=None).delete()
    Event.objects.filter(by_migration=True).delete()
    Event.objects.filter(stage="intake").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_directory_revision"),
        ("signposting", "0003_report_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers),
        migrations.AddField(
            model_name="outcomeevent",
            name="by_migration",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="copied_from",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="copies",
                to="signposting.outcomeevent",
            ),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="excluded_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="outcomeevent",
            name="stage",
            field=models.CharField(
                choices=[
                    ("intake", "Intake (the referral to the team)"),
                    ("path", "Path (a need, connected to services)"),
                ],
                default="path",
                max_length=8,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="referral",
            name="record_key",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="referralneed",
            name="record_key",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="referralneed",
            name="taken_up",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="referralneed",
            name="unmet",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="outcomeevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("unable_to_contact", "Could not contact"),
                    ("not_eligible", "Not eligible"),
                    ("closed", "Closed or discharged"),
                    ("signposted", "Signposted to a service"),
                    ("referred", "Referred to a service"),
                    ("declined_by_service", "Declined by the service"),
                    ("declined_by_patient", "Declined by the patient"),
                    ("service_full", "Service full or waiting list"),
                    ("started", "Started"),
                    ("completed", "Completed"),
                    ("did_not_attend", "Did not attend"),
                    ("no_service_available", "No service available"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="outcomeevent",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("need_out_of_scope", "Need outside the link worker's scope"),
                    ("not_ready", "Not ready"),
                    ("not_interested", "Not interested"),
                    ("out_of_area", "Out of area"),
                    ("age", "Outside the service's age range"),
                    ("criteria", "Does not meet the service's criteria"),
                    ("too_unwell", "Too unwell"),
                    ("away", "Away or abroad"),
                    ("bereavement", "Bereavement"),
                    ("advice_by_email", "Advice given by email instead"),
                    ("support_completed", "Support completed"),
                    ("moved_away", "Moved away"),
                    ("other", "Other"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddIndex(
            model_name="outcomeevent",
            index=models.Index(
                fields=["referral", "need", "recorded_at"], name="signposting_referra_3f1649_idx"
            ),
        ),
        migrations.RunPython(to_two_levels, back_to_one_level),
        migrations.RunPython(restore_triggers, lift_triggers),
    ]
