import pytest
from playwright.sync_api import Page, expect

from .factories import make_service

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_a_clinician_sees_what_an_out_of_borough_patient_can_use(
    page: Page, live_server, geography, django_user_model
):
    django_user_model.objects.create_user("clinician", password="clinic-pass-123")
    make_service(
        service="SWL pain course", needs="pain-self-management", postcode="SM2 5AA",
        areas_served="QWE", eligible_areas="QWE", eligible_via="lives;gp",
    )  # fmt: skip
    make_service(
        service="Surrey living with pain", needs="pain-self-management", postcode="KT17 1AA",
        areas_served="QXU", eligible_areas="QXU", eligible_via="lives;gp",
    )  # fmt: skip

    page.goto(live_server.url + "/search/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("clinic-pass-123")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Patient's home postcode").fill("KT17 1AA")
    page.get_by_label("GP's borough").select_option(label="Epsom and Ewell")
    page.get_by_label("Living with pain").check()
    page.get_by_role("button", name="Find services").click()

    can_use = page.locator("#can-use")
    expect(can_use).to_contain_text("Surrey living with pain")
    expect(can_use).to_contain_text("Lives in Epsom and Ewell (Surrey Heartlands ICB)")
    not_open = page.locator("#not-open")
    expect(not_open).to_contain_text("SWL pain course")
    expect(not_open).to_contain_text(
        "Only for people who live in or are registered with a GP in South West London ICB"
    )
    # The same patient registered with a Sutton GP can use the South West London course.
    page.get_by_label("GP's borough").select_option(label="Sutton")
    page.get_by_role("button", name="Find services").click()
    expect(page.locator("#can-use")).to_contain_text("SWL pain course")
    expect(page.locator("#can-use")).to_contain_text(
        "Registered with a GP in Sutton (South West London ICB)"
    )
