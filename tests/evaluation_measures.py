"""Per-patient data with the St George's figures of the source evaluation (seed 001).

The evaluation publishes only summaries (sections 4.1.1.4 and 4.3.1.1, Table 9); these lists are
one set of whole-number patients that has exactly those summaries, so tests can record them
through the app and check that the reports print the evaluation's figures.

How they were found (a scratch search, not kept): for each MYCaW score, every multiset of
whole numbers 0 to 6 with the reported n, sum (mean x n) and sample SD (rounded to 2 places) was
enumerated, and baseline and follow-up multisets were paired by shuffling until the counts of
improved, same and worse matched. PSEQ totals (0 to 60) were drawn at random with the baseline
sum fixed, then 11 rises, 1 no change and 1 fall were drawn until the follow-up matched. Sessions
were drawn as 21 patients without a did-not-attend, 3 who booked one session and missed it, and 6
who missed 7 between them, until the totals, ranges, medians and linear IQRs matched.

Choices the evaluation leaves open, made here to be coherent:
- Patients are numbered 0 to 29, an index into SESSIONS. A did-not-attend is a booked session
  not attended (no cancellations), so booked = attended + dna.
- The 20 patients with a MYCaW at baseline attended at least one session; the 13 followed up
  attended at least three. The seven with a second concern are among the 13, and Table 9's 27
  concerns are these 20 first and 7 second concerns.
- Patient 14 both scored the first concern the same and wellbeing the same (the evaluation gives
  worse pain as the reason for each) and is the one whose PSEQ fell.
- The 7 patients with a MYCaW at baseline only are given a PSEQ at baseline too (the evaluation
  does not say how many had a baseline PSEQ); their scores do not enter any published figure.
"""

from signposting.measures import PSEQ_ITEMS

# (delivery, booked, attended, did not attend) per patient. "in_person" or "phone_or_video".
SESSIONS = [
    ("in_person", 1, 0, 1),
    ("phone_or_video", 2, 2, 0),
    ("in_person", 2, 2, 0),
    ("phone_or_video", 3, 2, 1),
    ("in_person", 4, 3, 1),
    ("phone_or_video", 1, 1, 0),
    ("in_person", 4, 4, 0),
    ("phone_or_video", 8, 7, 1),
    ("in_person", 10, 10, 0),
    ("phone_or_video", 7, 7, 0),
    ("in_person", 6, 6, 0),
    ("phone_or_video", 6, 6, 0),
    ("in_person", 2, 2, 0),
    ("phone_or_video", 1, 0, 1),
    ("in_person", 7, 7, 0),
    ("phone_or_video", 3, 1, 2),
    ("in_person", 1, 1, 0),
    ("phone_or_video", 1, 1, 0),
    ("in_person", 1, 1, 0),
    ("phone_or_video", 1, 1, 0),
    ("in_person", 7, 6, 1),
    ("phone_or_video", 6, 6, 0),
    ("in_person", 1, 1, 0),
    ("phone_or_video", 14, 14, 0),
    ("in_person", 1, 0, 1),
    ("phone_or_video", 3, 3, 0),
    ("in_person", 6, 6, 0),
    ("phone_or_video", 9, 9, 0),
    ("in_person", 2, 1, 1),
    ("phone_or_video", 2, 2, 0),
]

# MYCaW first concern: (patient, category, baseline, follow-up or None). Lower is better.
MYCAW_CONCERN_1 = [
    (4, "physical", 6, 4),
    (6, "mental_emotional", 6, 4),
    (7, "practical", 6, 4),
    (8, "mental_emotional", 6, 0),
    (9, "wellbeing", 6, 3),
    (10, "physical", 6, 4),
    (11, "practical", 6, 4),
    (14, "physical", 3, 3),
    (20, "mental_emotional", 6, 0),
    (21, "practical", 6, 4),
    (23, "wellbeing", 5, 2),
    (26, "mental_emotional", 4, 0),
    (27, "physical", 6, 4),
    (1, "mental_emotional", 6, None),
    (2, "practical", 5, None),
    (3, "wellbeing", 6, None),
    (5, "physical", 4, None),
    (12, "mental_emotional", 5, None),
    (15, "practical", 6, None),
    (29, "wellbeing", 3, None),
]

# MYCaW second concern: (patient, category, baseline, follow-up).
MYCAW_CONCERN_2 = [
    (4, "mental_emotional", 6, 3),
    (6, "practical", 6, 1),
    (7, "physical", 6, 1),
    (8, "mental_emotional", 6, 3),
    (9, "physical", 4, 3),
    (10, "practical", 4, 3),
    (11, "mental_emotional", 3, 2),
]

# MYCaW wellbeing: (patient, baseline, follow-up or None). Lower is better.
MYCAW_WELLBEING = [
    (4, 5, 3),
    (6, 5, 4),
    (7, 5, 4),
    (8, 5, 4),
    (9, 5, 4),
    (10, 5, 4),
    (11, 4, 3),
    (14, 4, 4),
    (20, 4, 3),
    (21, 3, 1),
    (23, 3, 2),
    (26, 2, 0),
    (27, 1, 0),
    (1, 4, None),
    (2, 3, None),
    (3, 5, None),
    (5, 2, None),
    (12, 4, None),
    (15, 3, None),
    (29, 5, None),
]

# PSEQ total: (patient, baseline, follow-up or None). Higher is better.
PSEQ_TOTAL = [
    (4, 26, 31),
    (6, 38, 50),
    (7, 4, 13),
    (8, 41, 44),
    (9, 2, 13),
    (10, 51, 52),
    (11, 31, 36),
    (14, 30, 18),
    (20, 47, 56),
    (21, 29, 37),
    (23, 21, 33),
    (26, 31, 31),
    (27, 49, 51),
    (1, 22, None),
    (2, 35, None),
    (3, 18, None),
    (5, 41, None),
    (12, 27, None),
    (15, 30, None),
    (29, 12, None),
]

# What the evaluation reports, to the precision it prints.
TABLE_9 = {"mental_emotional": 9, "physical": 7, "practical": 7, "wellbeing": 4}


def pseq_form(total: int) -> dict[str, int]:
    """Return a complete PSEQ form with this total, spread as evenly as the items allow."""
    base, extra = divmod(total, len(PSEQ_ITEMS))
    return {item: base + (i < extra) for i, item in enumerate(PSEQ_ITEMS)}


def mycaw_form(patient: int, followup: bool = False) -> dict | None:
    """Return the patient's MYCaW form at baseline or follow-up, or None if there was none."""
    which = 3 if followup else 2
    first = [row for row in MYCAW_CONCERN_1 if row[0] == patient]
    if not first or first[0][which] is None:
        return None
    form = {"concern_1": {"category": first[0][1], "score": first[0][which]}}
    for row in MYCAW_CONCERN_2:
        if row[0] == patient:
            form["concern_2"] = {"category": row[1], "score": row[which]}
    wellbeing = next(row for row in MYCAW_WELLBEING if row[0] == patient)
    form["wellbeing"] = wellbeing[which - 1]
    return form
