"""The pure engine: no database here."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.engine import AreaRef, Criteria, Patient, Place, Verdict, decide, verdicts

SUTTON = Place("E09000029", "Sutton", "QWE", "South West London ICB")
CROYDON = Place("E09000008", "Croydon", "QWE", "South West London ICB")
EPSOM = Place("E07000208", "Epsom and Ewell", "QXU", "Surrey Heartlands ICB")
SWL = AreaRef("QWE", "South West London ICB")
SURREY = AreaRef("QXU", "Surrey Heartlands ICB")
SUTTON_AREA = AreaRef("E09000029", "Sutton")


def test_a_sutton_resident_meets_a_sutton_rule():
    decision = decide(Criteria(areas=(SUTTON_AREA,)), Patient(home=SUTTON))
    assert decision.verdict == Verdict.ELIGIBLE
    assert [r.text for r in decision.reasons] == ["Lives in Sutton (South West London ICB)"]


def test_an_icb_rule_is_met_by_any_of_its_boroughs():
    decision = decide(Criteria(areas=(SWL,)), Patient(home=CROYDON))
    assert decision.verdict == Verdict.ELIGIBLE


def test_gp_registration_opens_a_service_to_someone_living_outside():
    decision = decide(
        Criteria(areas=(SWL,), via=frozenset({"lives", "gp"})), Patient(home=EPSOM, gp=SUTTON)
    )
    assert decision.verdict == Verdict.ELIGIBLE
    assert decision.reasons[0].text == "Registered with a GP in Sutton (South West London ICB)"


def test_an_out_of_area_patient_is_told_why_not():
    decision = decide(Criteria(areas=(SURREY,), via=frozenset({"lives"})), Patient(home=CROYDON))
    assert decision.verdict == Verdict.NOT_ELIGIBLE
    assert decision.reasons[0].text == (
        "Only for people who live in Surrey Heartlands ICB; the patient lives in Croydon"
    )


def test_a_gp_only_rule_with_no_gp_given_is_check():
    decision = decide(Criteria(areas=(SWL,), via=frozenset({"gp"})), Patient(home=SUTTON))
    assert decision.verdict == Verdict.CHECK
    assert decision.reasons[0].text == (
        "Only for people who are registered with a GP in South West London ICB; no GP was given"
    )


WORK_RULE = Criteria(areas=(SUTTON_AREA,), via=frozenset({"lives", "works"}))


def test_someone_working_in_the_area_meets_a_work_rule():
    decision = decide(WORK_RULE, Patient(home=CROYDON, work=SUTTON, works=True))
    assert decision.verdict == Verdict.ELIGIBLE
    assert decision.reasons[0].text == "Works in Sutton (South West London ICB)"


def test_someone_who_does_not_work_does_not_meet_a_work_rule():
    decision = decide(WORK_RULE, Patient(home=CROYDON, works=False))
    assert decision.verdict == Verdict.NOT_ELIGIBLE
    assert decision.reasons[0].text == (
        "Only for people who live in or work in Sutton; the patient lives in Croydon and "
        "does not work"
    )


def test_a_work_rule_is_check_when_it_is_not_known_whether_they_work():
    decision = decide(WORK_RULE, Patient(home=CROYDON))
    assert decision.verdict == Verdict.CHECK
    assert decision.reasons[0].text == (
        "Only for people who live in or work in Sutton; the patient lives in Croydon; "
        "no work postcode was given"
    )


def test_a_work_rule_is_check_for_someone_who_works_somewhere_not_given():
    decision = decide(WORK_RULE, Patient(home=CROYDON, works=True))
    assert decision.verdict == Verdict.CHECK


def test_not_working_leaves_other_connections_deciding():
    lives_or_works = decide(WORK_RULE, Patient(home=SUTTON, works=False))
    assert lives_or_works.verdict == Verdict.ELIGIBLE
    gp_unknown = Criteria(areas=(SUTTON_AREA,), via=frozenset({"works", "gp"}))
    decision = decide(gp_unknown, Patient(home=CROYDON, works=False))
    assert decision.verdict == Verdict.CHECK
    assert decision.reasons[0].text == (
        "Only for people who work in or are registered with a GP in Sutton; the patient does "
        "not work; no GP was given"
    )


def test_age_limits():
    older = Criteria(min_age=65)
    assert decide(older, Patient(home=SUTTON, age=70)).verdict == Verdict.ELIGIBLE
    young = decide(older, Patient(home=SUTTON, age=54))
    assert young.verdict == Verdict.NOT_ELIGIBLE
    assert young.reasons[1].text == "Only for people aged 65 and over; the patient is 54"
    unknown = decide(Criteria(min_age=18, max_age=25), Patient(home=SUTTON))
    assert unknown.verdict == Verdict.CHECK
    assert unknown.reasons[1].text == "Only for people aged 18 to 25; no age was given"


def test_carers_only():
    carers = Criteria(only_for=("carer",))
    assert decide(carers, Patient(groups=frozenset({"carer"}))).verdict == Verdict.ELIGIBLE
    no = decide(carers, Patient(groups=frozenset()))
    assert (no.verdict, no.reasons[1].text) == (Verdict.NOT_ELIGIBLE, "Only for carers")
    assert decide(carers, Patient(groups=None)).verdict == Verdict.CHECK


def test_not_eligible_outweighs_check():
    criteria = Criteria(areas=(SURREY,), via=frozenset({"lives"}), min_age=65)
    assert decide(criteria, Patient(home=SUTTON)).verdict == Verdict.NOT_ELIGIBLE


def test_unpublished_eligibility_is_check_first_naming_the_source_whatever_the_areas():
    unpublished = Criteria(areas_published=False, source_name="Sutton Council ORUK feed")
    decision = decide(unpublished, Patient(home=SUTTON, gp=SUTTON))
    assert decision.verdict == Verdict.CHECK
    assert [r.text for r in decision.reasons] == [
        "Eligibility not published by Sutton Council ORUK feed"
    ]
    # Areas an import left behind say nothing while unpublished, either way.
    elsewhere = Criteria(areas=(SURREY,), areas_published=False)
    decision = decide(elsewhere, Patient(home=SUTTON, gp=SUTTON))
    assert (decision.verdict, decision.reasons[0].text) == (
        Verdict.CHECK,
        "Eligibility not published by its source",
    )
    published = replace(elsewhere, areas_published=True)
    assert decide(published, Patient(home=SUTTON, gp=SUTTON)).verdict == Verdict.NOT_ELIGIBLE


def test_unpublished_areas_leave_the_age_rule_standing():
    criteria = Criteria(min_age=65, areas_published=False, source_name="A feed")
    assert decide(criteria, Patient(home=SUTTON, age=40)).verdict == Verdict.NOT_ELIGIBLE
    assert decide(criteria, Patient(home=SUTTON, age=70)).verdict == Verdict.CHECK


PLACES = [SUTTON, CROYDON, EPSOM, Place("E09000024", "Merton", "QWE", "South West London ICB"),
          Place("S12000049", "S12000049")]  # fmt: skip
AREAS = [SWL, SURREY, SUTTON_AREA, AreaRef("E09000024", "Merton"), AreaRef("E07000208", "Epsom")]
places = st.one_of(st.none(), st.sampled_from(PLACES))
patients = st.builds(
    Patient,
    home=places,
    work=places,
    gp=places,
    age=st.one_of(st.none(), st.integers(0, 110)),
    groups=st.one_of(st.none(), st.frozensets(st.sampled_from(["carer", "women", "veterans"]))),
    works=st.one_of(st.none(), st.booleans()),
)
criteria = st.builds(
    Criteria,
    areas=st.lists(st.sampled_from(AREAS), unique=True, max_size=3).map(tuple),
    via=st.frozensets(st.sampled_from(["lives", "works", "gp"]), min_size=1),
    min_age=st.one_of(st.none(), st.integers(0, 70)),
    max_age=st.one_of(st.none(), st.integers(70, 110)),
    only_for=st.lists(st.sampled_from(["carer", "women"]), unique=True, max_size=2).map(tuple),
    areas_published=st.booleans(),
    source_name=st.one_of(st.none(), st.just("Sutton Council feed")),
)


@given(criteria, patients, st.sampled_from(AREAS))
def test_adding_an_area_never_makes_an_eligible_patient_not_eligible(crit, patient, extra):
    if not crit.areas or extra in crit.areas:
        return  # no restriction is already the widest rule
    before = decide(crit, patient).verdict
    wider = replace(crit, areas=crit.areas + (extra,))
    after = decide(wider, patient).verdict
    if before == Verdict.ELIGIBLE:
        assert after == Verdict.ELIGIBLE
    if before == Verdict.CHECK:
        assert after != Verdict.NOT_ELIGIBLE


@given(criteria, patients)
def test_an_unknown_fact_never_makes_its_criterion_not_eligible(crit, patient):
    reasons = {r.criterion: r.verdict for r in decide(crit, patient).reasons}
    facts = {"lives": patient.home, "works": patient.work, "gp": patient.gp}
    unknown = {c for c in crit.via if facts[c] is None}
    if patient.works is False:
        unknown.discard("works")  # known: the patient does not work
    if crit.areas and unknown:
        assert reasons["area"] != Verdict.NOT_ELIGIBLE
    if patient.age is None and "age" in reasons:
        assert reasons["age"] == Verdict.CHECK
    if patient.groups is None and "group" in reasons:
        assert reasons["group"] == Verdict.CHECK


@given(criteria, patients)
def test_the_decision_is_the_worst_of_its_reasons(crit, patient):
    decision = decide(crit, patient)
    verdicts = {r.verdict for r in decision.reasons}
    if Verdict.NOT_ELIGIBLE in verdicts:
        assert decision.verdict == Verdict.NOT_ELIGIBLE
    elif Verdict.CHECK in verdicts:
        assert decision.verdict == Verdict.CHECK
    else:
        assert decision.verdict == Verdict.ELIGIBLE
    assert all(r.text for r in decision.reasons)


@settings(max_examples=2000)
@given(criteria, patients)
def test_the_verdicts_matching_ranks_on_are_decides(crit, patient):
    """verdicts() is decide() without the words, for every candidate of a search."""
    decision = decide(crit, patient)
    area = next(r.verdict for r in decision.reasons if r.criterion == "area")
    assert verdicts(crit, patient) == (decision.verdict, area)
