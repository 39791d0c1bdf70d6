import logging

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import RequestFactory
from rest_framework.test import APIClient

from directory.models import Need
from signposting.actions import create_referral, record_intake_outcome, record_path_event
from signposting.matching import MatchError
from signposting.models import OutcomeEvent, Referral, ReferralNeed

from .factories import make_service


@pytest.fixture
def service(geography):
    return make_service(service="Sutton befriending", needs="isolation;debt", postcode="SM1 1AA")


def refer(user, **overrides):
    fields = dict(
        referrer=user, source="ward", home_postcode="SM2 6AA", needs=["isolation"],
        gp_area="E09000029", age=70,
    )  # fmt: skip
    fields.update(overrides)
    return create_referral(**fields)


def referred(referral, user, service):
    """Record a referral to the service on the referral's isolation path."""
    return record_path_event(
        referral=referral, recorded_by=user, need=Need.objects.get(slug="isolation"),
        kind="referred", service=service,
    )  # fmt: skip


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_referral_keeps_only_a_minimal_profile(personas, service):
    referral = refer(personas["lw"], work_postcode="KT17 1AA", sex="female", ethnic_group="white")
    assert referral.postcode_sector == "SM2 6"
    assert (referral.home_area_id, referral.gp_area_id, referral.work_area_id) == (
        "E09000029",
        "E09000029",
        "E07000208",
    )
    assert referral.age_band == "65+"
    assert referral.team.name == "Epsom and St Helier pain clinic"


def test_bad_input_creates_nothing(personas, service):
    with pytest.raises(MatchError) as error:
        refer(personas["lw"], source="pigeon", home_postcode="SM1 XYZ", needs=["unicorns"])
    assert set(error.value.errors) == {"source", "home_postcode", "needs"}
    assert Referral.objects.count() == 0


def test_the_intake_state_is_the_latest_uncorrected_intake_event(personas, service):
    referral = refer(personas["lw"])
    referred(referral, personas["lw"], service)
    wrong = record_intake_outcome(referral=referral, recorded_by=personas["lw"], kind="accepted")
    assert (Referral.objects.get().state, Referral.objects.get().ever_accepted) == (
        "accepted",
        True,
    )
    record_intake_outcome(
        referral=referral, recorded_by=personas["teammate"], kind="declined",
        reason="need_out_of_scope", corrects=wrong,
    )  # fmt: skip
    stored = Referral.objects.get()
    assert (stored.state, stored.ever_accepted) == ("declined", False)
    assert referral.events.count() == 3
    # the need's own path is untouched by the referral's intake
    assert list(ReferralNeed.objects.filter(referral=referral).values_list("state", flat=True)) == [
        "referred"
    ]


def test_events_cannot_be_changed_or_deleted_through_the_orm(personas, service):
    referral = refer(personas["lw"])
    event = referred(referral, personas["lw"], service)
    event.kind = "completed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        OutcomeEvent.objects.filter(pk=event.pk).update(kind="completed")
    with pytest.raises(PermissionError):
        OutcomeEvent.objects.all().delete()
    assert OutcomeEvent.objects.get(pk=event.pk).kind == "referred"


def test_the_database_itself_refuses_to_change_an_event(personas, service):
    referral = refer(personas["lw"])
    event = referred(referral, personas["lw"], service)
    table = OutcomeEvent._meta.db_table
    update = f"UPDATE {table} SET kind = 'completed' WHERE id = %s"  # noqa: S608
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(update, [event.pk])
    # One row, and the whole table (which SQLite would otherwise empty without visiting rows).
    one = f"DELETE FROM {table} WHERE id = %s"  # noqa: S608
    every = f"DELETE FROM {table}"  # noqa: S608
    for delete, params in ((one, [event.pk]), (every, [])):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(delete, params)
    assert OutcomeEvent.objects.get(pk=event.pk).kind == "referred"


def test_the_admin_offers_no_way_to_change_or_delete_events(personas, service, admin_user):
    referral = refer(personas["lw"])
    referred(referral, personas["lw"], service)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[OutcomeEvent]
    event = OutcomeEvent.objects.get()
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert not model_admin.has_add_permission(request)


def test_the_api_refuses_to_change_or_delete_events(personas, service, client, admin_user):
    referral = refer(personas["lw"])
    event = referred(referral, personas["lw"], service)
    api = api_for(personas["lw"])
    url = f"/api/v1/referrals/{referral.pk}/outcomes/{event.pk}/"
    assert api.get(url).status_code == 200
    assert api.put(url, {"kind": "completed"}, format="json").status_code == 405
    assert api.patch(url, {"kind": "completed"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    client.force_login(admin_user)
    response = client.post(f"/admin/signposting/outcomeevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert OutcomeEvent.objects.get(pk=event.pk).kind == "referred"


def test_the_api_creates_lists_and_records_both_levels(personas, service):
    api = api_for(personas["lw"])
    created = api.post(
        "/api/v1/referrals/",
        {"source": "ward", "home_postcode": "sm2 6aa", "gp_area": "E09000029", "age": 54,
         "needs": ["isolation", "lonely", "debt"], "sex": "female"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["postcode_sector"] == "SM2 6"
    assert body["needs"] == ["debt", "isolation"]
    assert body["age_band"] == "18-64"
    assert body["events"] == []
    assert body["intake"] == {"state": "", "accepted": False, "events": []}
    base = f"/api/v1/referrals/{body['id']}"
    assert api.get("/api/v1/referrals/?status=waiting").json()["count"] == 1
    # The team's decision names no service.
    intake = api.post(f"{base}/outcomes/", {"kind": "accepted"}, format="json")
    assert intake.status_code == 201, intake.content
    assert intake.json()["stage"] == "intake"
    assert intake.json()["service"] is None
    # Isolation: referred, then accepted by the service. Debt: no service available.
    path = f"{base}/needs/isolation/events/"
    referred_ = api.post(path, {"kind": "referred", "service": service.pk}, format="json")
    assert referred_.status_code == 201, referred_.content
    assert referred_.json()["service"] == {"id": service.pk, "name": "Sutton befriending"}
    assert referred_.json()["need"] == "isolation"
    assert (
        api.post(path, {"kind": "accepted", "service": service.pk}, format="json").status_code
        == 201
    )
    none = api.post(f"{base}/needs/debt/events/", {"kind": "no_service_available"}, format="json")
    assert none.status_code == 201, none.content
    listing = api.get("/api/v1/referrals/?status=accepted").json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]
    assert listing["results"][0]["state"] == "accepted"
    assert sorted(listing["results"][0]["paths"], key=lambda p: p["need"]) == [
        {"need": "debt", "state": "no_service_available", "taken_up": False, "unmet": True},
        {"need": "isolation", "state": "accepted", "taken_up": True, "unmet": False},
    ]
    assert api.get("/api/v1/referrals/?status=declined").json()["count"] == 0
    assert api.get("/api/v1/referrals/?status=waiting").json()["count"] == 0
    assert api.get("/api/v1/referrals/?need=housing").json()["count"] == 0
    detail = api.get(f"{base}/").json()
    assert detail["intake"]["state"] == "accepted"
    assert detail["reference"] == Referral.objects.get(pk=body["id"]).reference
    assert detail["snomed"] == {
        "code": "871731000000106",
        "term": "Referral to social prescribing service",
    }
    assert [e["kind"] for e in detail["intake"]["events"]] == ["accepted"]
    paths = {p["need"]: p for p in detail["paths"]}
    assert [e["kind"] for e in paths["isolation"]["events"]] == ["referred", "accepted"]
    assert [e["kind"] for e in paths["debt"]["events"]] == ["no_service_available"]
    assert paths["debt"]["unmet"] and not paths["isolation"]["unmet"]
    assert [e["kind"] for e in api.get(f"{base}/outcomes/").json()] == ["accepted"]
    one = api.get(path).json()
    assert (one["need"], one["state"]) == ("isolation", "accepted")
    assert [e["kind"] for e in one["events"]] == ["referred", "accepted"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("outcomes", {"kind": "teleported"}, "kind"),
        ("outcomes", {"kind": "referred"}, "kind"),
        ("outcomes", {"kind": "accepted", "service": "SERVICE"}, "service"),
        ("outcomes", {"kind": "accepted", "need": "isolation"}, "need"),
        ("outcomes", {"kind": "declined"}, "reason"),
        ("outcomes", {"kind": "declined", "reason": "bereavement"}, "reason"),
        ("outcomes", {"kind": "accepted", "corrects": 999999}, "corrects"),
        ("needs/isolation/events", {"kind": "teleported", "service": "SERVICE"}, "kind"),
        ("needs/isolation/events", {"kind": "referred", "service": 999999}, "service"),
        ("needs/isolation/events", {"kind": "referred", "service": "abc"}, "service"),
        ("needs/isolation/events", {"kind": "referred"}, "service"),
        ("needs/isolation/events", {"kind": "accepted", "service": "SERVICE"}, "service"),
        (
            "needs/isolation/events",
            {"kind": "no_service_available", "service": "SERVICE"},
            "service",
        ),
        ("needs/isolation/events", {"kind": "declined_by_patient", "service": "SERVICE"}, "reason"),
        ("needs/isolation/events", {"kind": "closed"}, "kind"),
        ("needs/isolation/events", {"kind": "no_service_available", "need": "debt"}, "need"),
    ],
)
def test_a_bad_event_is_a_400_naming_the_field_and_stores_nothing(
    personas, service, url, body, field
):
    referral = refer(personas["lw"])
    body = {k: service.pk if v == "SERVICE" else v for k, v in body.items()}
    response = api_for(personas["lw"]).post(
        f"/api/v1/referrals/{referral.pk}/{url}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert referral.events.count() == 0


def test_a_need_the_referral_does_not_have_is_a_404(personas, service):
    referral = refer(personas["lw"])
    response = api_for(personas["lw"]).post(
        f"/api/v1/referrals/{referral.pk}/needs/debt/events/",
        {"kind": "no_service_available"},
        format="json",
    )
    assert response.status_code == 404
    assert "not one of this referral's needs" in response.json()["detail"]
    assert referral.events.count() == 0


def test_accepted_by_a_draft_or_unreferred_service_is_refused_through_the_api(personas, service):
    referral = refer(personas["lw"])
    draft = make_service(service="Draft befriending", needs="isolation", postcode="SM1 1AA")
    draft.status = draft.Status.DRAFT
    draft.save()
    api = api_for(personas["lw"])
    path = f"/api/v1/referrals/{referral.pk}/needs/isolation/events/"
    for target in (draft, service):
        response = api.post(path, {"kind": "accepted", "service": target.pk}, format="json")
        assert response.status_code == 400
        assert "service" in response.json()
    assert referral.events.count() == 0


def test_one_team_cannot_see_or_touch_another_teams_referrals(personas, service, client):
    referral = refer(personas["lw"])
    outsider = api_for(personas["outsider"])
    assert outsider.get("/api/v1/referrals/").json()["count"] == 0
    assert outsider.get(f"/api/v1/referrals/{referral.pk}/").status_code == 404
    response = outsider.post(
        f"/api/v1/referrals/{referral.pk}/needs/isolation/events/",
        {"kind": "referred", "service": service.pk},
        format="json",
    )
    assert response.status_code == 404
    assert referral.events.count() == 0
    teammate = api_for(personas["teammate"])
    assert teammate.get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    client.force_login(personas["outsider"])
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404
    assert f"#{referral.pk}" not in client.get("/referrals/").content.decode()


def test_a_network_lead_sees_no_individual_referrals(personas, service, client):
    refer(personas["lw"])
    assert api_for(personas["lead"]).get("/api/v1/referrals/").status_code == 403
    client.force_login(personas["lead"])
    assert client.get("/referrals/").status_code == 403


def test_anonymous_users_are_refused(personas, service):
    assert APIClient().get("/api/v1/referrals/").status_code in (401, 403)


def test_a_user_without_a_team_cannot_refer(service, django_user_model):
    loner = django_user_model.objects.create_user("loner", password="loner-pass-123")
    loner.groups.add(Group.objects.get(name="Link worker"))
    response = api_for(loner).post(
        "/api/v1/referrals/",
        {"source": "ward", "home_postcode": "SM2 6AA", "needs": ["isolation"]},
        format="json",
    )
    assert response.status_code == 403
    assert "belongs to no team" in response.json()["detail"]


def test_a_superuser_can_do_everything(personas, service, admin_user):
    referral = refer(personas["lw"])
    api = api_for(admin_user)
    assert api.get(f"/api/v1/referrals/{referral.pk}/").status_code == 200
    response = api.post(
        f"/api/v1/referrals/{referral.pk}/needs/isolation/events/",
        {"kind": "referred", "service": service.pk},
        format="json",
    )
    assert response.status_code == 201


class RawRecords(logging.Handler):
    """Keeps each record's text as logged: first on the root logger, before any handler's
    postcode redaction (config/logs.py) rewrites it, so that what Signpost itself logs is seen."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def raw_log():
    raw = RawRecords()
    logging.getLogger().handlers.insert(0, raw)
    yield raw
    logging.getLogger().removeHandler(raw)


def test_no_full_postcode_is_stored_by_any_path(personas, service, client, caplog, raw_log):
    """Create referrals through the action, the API and the pages; then scan every table."""
    caplog.set_level("DEBUG")
    used = ["SM2 6AA", "SM2 6AB", "SM2 6AD"]
    refer(personas["lw"], home_postcode=used[0], work_postcode="SM2 6AE")
    api_for(personas["lw"]).post(
        "/api/v1/referrals/",
        {"source": "gp", "home_postcode": used[1].lower().replace(" ", ""), "needs": ["debt"]},
        format="json",
    )
    client.force_login(personas["lw"])
    response = client.post(
        "/referrals/record/",
        {"home_postcode": used[2], "needs": ["isolation"], "service": service.pk,
         "source": "ward", "kind": "referred", "confirm": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Referral.objects.count() == 3
    searched = used + ["SM2 6AE"]
    variants = {v for pc in searched for v in (pc, pc.replace(" ", ""), pc.lower())}
    skip = {"directory_postcode"}  # the public ONS table holds every postcode by design
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in skip:
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                text = " ".join(str(cell) for cell in row)
                for variant in variants:
                    assert variant not in text, f"{variant} found in {table}"
    assert raw_log.lines, "nothing was logged"
    assert not any(v in line for v in variants for line in raw_log.lines)
    assert not any(v in caplog.text for v in variants)


def test_a_failed_request_leaves_nothing_half_written(personas, service):
    api = api_for(personas["lw"])
    before = (Referral.objects.count(), Referral.needs.through.objects.count())
    response = api.post(
        "/api/v1/referrals/",
        {"source": "ward", "home_postcode": "SM2 6AA", "needs": ["isolation"], "sex": "robot"},
        format="json",
    )
    assert response.status_code == 400
    assert (Referral.objects.count(), Referral.needs.through.objects.count()) == before
    assert Need.objects.exists()
