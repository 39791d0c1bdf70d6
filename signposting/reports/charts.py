"""Charts as small inline SVG, drawn only from a report's own rows.

Each function takes the frame a report returned (published figures for a network lead, exact
for a team's own reports) and nothing else, so a chart can never show more than its table.
Every mark carries its figure in a <title> and a data-value attribute; the table below each
chart holds the same figures. Plain SVG elements: a few KB, no JavaScript, drawn in a
millisecond or two. Sizes and colours are SVG attributes, never inline styles, so the strict
Content-Security-Policy (no inline style) draws them as they are; signpost.css shrinks a chart
wider than the page (max-width: 100%, height: auto).
"""

from html import escape

import pandas as pd

from signposting.reports.gaps import OTHER_AREAS
from signposting.vocabulary import WAITING, Kind

NHS_BLUE = "#005eb8"
TEXT = "#212b32"  # NHS.UK text colour
WHITE = "#ffffff"
PALETTE = ["#005eb8", "#41b6e6", "#ffb81c", "#d5281b", "#768692", "#330072", "#009639"]
BOLD = ' font-weight="bold"'
FONT = 'font-family="Frutiger W01, Arial, sans-serif" font-size="12"'

# The gap heatmap's fills, all from the NHS identity colour palette: NHS pale grey for no open
# service, then NHS light blue, bright blue, blue and dark blue as open services grow; NHS
# red for a gap (demand and no open service); white, outlined in NHS mid grey, for demand from
# other areas. The text on each is chosen by contrast (text_colour), never by position.
HEAT_SCALE = ["#e8edee", "#41b6e6", "#0072ce", "#005eb8", "#003087"]
GAP_FILL = "#d5281b"
OTHER_FILL = WHITE
OTHER_STROKE = "#768692"
HEATMAP_FILLS = (*HEAT_SCALE, GAP_FILL, OTHER_FILL)


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f"{FONT}><title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _number(value) -> str:
    return f"{int(value):,}"


def luminance(colour: str) -> float:
    """The relative luminance of a "#rrggbb" colour (WCAG 2.2)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(fill: str) -> str:
    """White or the NHS text colour on fill: whichever contrasts more."""
    return WHITE if contrast(fill, WHITE) >= contrast(fill, TEXT) else TEXT


def heat_fill(services: int, top: int) -> str:
    """The scale's colour for a count of open services, the largest shown being top."""
    if services <= 0:
        return HEAT_SCALE[0]
    steps = len(HEAT_SCALE) - 1
    return HEAT_SCALE[1 + min(steps - 1, (steps * services - 1) // max(1, top))]


HEATMAP_BOROUGHS = 20


def gap_heatmap(gaps: pd.DataFrame) -> str | None:
    """Boroughs by needs: the services open to residents; "gap" only where there is demand and
    no service. Cells with no demand and no service show 0, not "gap". A last row, "Other
    areas", shows the demand from patients living outside these boroughs. At most 20 boroughs:
    those with the most demand (the table and downloads have them all)."""
    if gaps.empty:
        return None
    title = "Services open to each borough's residents, by need"
    other = gaps[gaps["borough"] == OTHER_AREAS]
    gaps = gaps[gaps["borough"] != OTHER_AREAS]
    boroughs = sorted(gaps["borough"].unique())
    if len(boroughs) > HEATMAP_BOROUGHS:
        demand = gaps.groupby("borough")["demand"].sum().sort_values(ascending=False)
        boroughs = sorted(demand.index[:HEATMAP_BOROUGHS])
        gaps = gaps[gaps["borough"].isin(boroughs)]
        title += f" (the {HEATMAP_BOROUGHS} boroughs with the most demand)"
    needs = sorted(set(gaps["need"]) | set(other["need"]))
    rows = boroughs + ([OTHER_AREAS] if len(other) else [])
    cells = pd.concat([gaps, other]).set_index(["borough", "need"])
    top = max(1, int(gaps["services_open"].max())) if len(gaps) else 1
    notes = [
        "Number: open services residents may use (darker blue: more).",
        '"gap" (red): demand and no open service.',
    ]
    if len(other):
        notes.append("Other areas: demand from patients living outside these boroughs.")
    left, head, size_w, size_h = 150, 150, 44, 24
    # Wide enough for the grid and for the notes below it (about 6.5 px a character).
    width = max(left + size_w * len(needs) + 10, left + round(6.5 * max(map(len, notes))))
    height = head + size_h * len(rows) + 18 * len(notes) + 16
    body = []
    for j, need in enumerate(needs):
        x = left + j * size_w + size_w / 2
        body.append(
            f'<text x="{x}" y="{head - 6}" transform="rotate(-55 {x} {head - 6})" '
            f'fill="{TEXT}">{escape(need)}</text>'
        )
    for i, borough in enumerate(rows):
        y = head + i * size_h
        body.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
            f"{escape(borough)}</text>"
        )
        for j, need in enumerate(needs):
            if (borough, need) not in cells.index:
                continue
            row = cells.loc[(borough, need)]
            demand = int(row["demand"])
            x = left + j * size_w
            stroke = ""
            if borough == OTHER_AREAS:
                fill, text, value = OTHER_FILL, str(demand), demand
                stroke = f' stroke="{OTHER_STROKE}"'
                tip = f"Other areas, {need}: demand {demand} from patients living elsewhere"
            else:
                services = int(row["services_open"])
                gap = services == 0 and demand > 0
                fill = GAP_FILL if gap else heat_fill(services, top)
                text, value = ("gap" if gap else str(services)), services
                tip = f"{borough}, {need}: {services} open services, demand {demand}"
            bold = BOLD if text == "gap" else ""
            body.append(
                f'<g data-value="{value}"><title>{escape(tip)}</title>'
                f'<rect x="{x}" y="{y}" width="{size_w - 2}" height="{size_h - 2}" '
                f'fill="{fill}"{stroke}/><text x="{x + size_w / 2 - 1}" y="{y + 16}" '
                f'text-anchor="middle" fill="{text_colour(fill)}"{bold}>{text}</text></g>'
            )
    y = head + size_h * len(rows) + 18
    for k, line in enumerate(notes):
        body.append(f'<text x="{left}" y="{y + 18 * k}" fill="{TEXT}">{escape(line)}</text>')
    return _svg(width, height, title, body)


def _stacked(table: pd.DataFrame, title: str, unit: str) -> str | None:
    """Vertical stacked bars: one per row of table (index), one segment per column."""
    if table.empty or table.to_numpy().sum() == 0:
        return None
    # Room for the longest label, written at 45 degrees below its bar (about 5 px a character
    # down and to the left).
    label_room = max(50, 5 * max(len(str(label)) for label in table.index) + 14)
    left, top, bar, gap, plot_h = max(50, label_room - 20), 20, 34, 10, 180
    legend_h = 18 * len(table.columns) + 10
    width = max(360, left + (bar + gap) * len(table) + 20)
    height = top + plot_h + label_room + legend_h
    peak = max(1, int(table.sum(axis=1).max()))
    scale = plot_h / peak
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
        f'stroke="{TEXT}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="{TEXT}">'
        f"{_number(peak)}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="{TEXT}">0</text>',
    ]
    for i, (label, row) in enumerate(table.iterrows()):
        x = left + 8 + i * (bar + gap)
        base = top + plot_h
        for k, column in enumerate(table.columns):
            value = int(row[column])
            if value <= 0:
                continue
            h = value * scale
            base -= h
            body.append(
                f'<rect x="{x}" y="{base:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}" data-value="{value}"><title>'
                f"{escape(str(label))}, {escape(column)}: {_number(value)} {unit}</title></rect>"
            )
        body.append(
            f'<text x="{x + bar / 2}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-45 {x + bar / 2} {top + plot_h + 14})" fill="{TEXT}">'
            f"{escape(str(label))}</text>"
        )
    y = top + plot_h + label_room
    for k, column in enumerate(table.columns):
        body.append(
            f'<rect x="{left}" y="{y + 18 * k}" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{left + 18}" y="{y + 18 * k + 11}" '
            f'fill="{TEXT}">{escape(column)}</text>'
        )
    return _svg(width, height, title, body)


def intake_by_month(uptake: pd.DataFrame) -> str | None:
    """Each month's referrals by intake outcome (accepted, each reason not accepted, waiting),
    from the uptake report's month rows."""
    if uptake.empty:
        return None
    rows = uptake[(uptake["month"] != "all")]
    rows = rows[~rows["outcome"].isin(["all", "with_outcome", "not_accepted"])]
    if rows.empty:
        return None
    rows = rows.assign(
        series=rows["label"].str.replace("Not accepted: ", "", regex=False).str.capitalize()
    )
    order = list(dict.fromkeys(rows.sort_values("outcome", key=_outcome_order)["series"]))
    table = rows.pivot_table(index="month", columns="series", values="referrals", aggfunc="sum")
    table = table.fillna(0)[order]
    return _stacked(table, "Referrals by month referred and intake outcome", "referrals")


def _outcome_order(outcomes: pd.Series) -> pd.Series:
    first = {Kind.ACCEPTED: 0, WAITING: 9}
    return outcomes.map(lambda o: first.get(o, 1))


def non_acceptance(uptake: pd.DataFrame) -> str | None:
    """Why referrals with an intake outcome were not accepted, for the whole period, with each
    reason's share of the not accepted (the uptake report's own figures)."""
    if uptake.empty:
        return None
    rows = uptake[(uptake["month"] == "all") & uptake["percent_of_not_accepted"].notna()]
    rows = rows[rows["referrals"] > 0]
    if rows.empty:
        return None
    left, bar_h, plot_w = 170, 26, 300
    width, height = left + plot_w + 120, 30 + bar_h * len(rows) + 10
    peak = max(1, int(rows["referrals"].max()))
    body = []
    for i, row in enumerate(rows.itertuples()):
        y = 20 + i * bar_h
        label = row.label.replace("Not accepted: ", "").capitalize()
        w = plot_w * int(row.referrals) / peak
        text = f"{_number(row.referrals)} ({row.percent_of_not_accepted:.1f}%)"
        body.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
            f'{escape(label)}</text><rect x="{left}" y="{y + 2}" width="{w:.1f}" '
            f'height="{bar_h - 6}" fill="{NHS_BLUE}" data-value="{int(row.referrals)}">'
            f"<title>{escape(label)}: {text}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" fill="{TEXT}">{text}</text>'
        )
    return _svg(width, height, "Why referrals were not accepted at intake", body)


def measure_changes(measures: pd.DataFrame) -> str | None:
    """For each score, how many of those with both improved, stayed the same or got worse
    (the measures report's own figures)."""
    rows = measures[measures["measure"] != "MYCaW concern category"]
    if rows.empty:
        return None
    table = pd.DataFrame(
        {
            "Improved": rows["improved"].to_numpy(),
            "Same": rows["same"].to_numpy(),
            "Worse": rows["worse"].to_numpy(),
        },
        index=(rows["measure"] + " " + rows["score"].str.lower()).to_numpy(),
    ).fillna(0)
    return _stacked(table, "Change from baseline to follow-up, by score", "patients")


def satisfaction(feedback: pd.DataFrame) -> str | None:
    """Each satisfaction question's answers (the feedback report's own figures)."""
    from signposting.vocabulary import FEEDBACK_QUESTIONS

    texts = [f"Q{n}. {topic}" for n, (topic, _) in enumerate(FEEDBACK_QUESTIONS.values(), 1)]
    rows = feedback[feedback["question"].isin(texts)]
    if rows.empty:
        return None
    table = rows.pivot_table(index="question", columns="answer", values="responses",
                             aggfunc="sum").fillna(0)  # fmt: skip
    table = table.reindex([t for t in texts if t in table.index])
    table.index = [t.split(".")[0] for t in table.index]
    return _stacked(table, "Answers to each satisfaction question (Q1 to Q5, as in the table)",
                    "responses")  # fmt: skip


def session_attendance(sessions: pd.DataFrame) -> str | None:
    """Sessions booked: attended and not (the sessions report's own figures)."""
    figures = dict(zip(sessions["figure"], sessions["value"], strict=True))
    booked, attended = figures.get("Sessions booked") or 0, figures.get("Sessions attended") or 0
    if not booked:
        return None
    table = pd.DataFrame(
        {"Attended": [attended], "Not attended": [max(booked - attended, 0)]},
        index=["Sessions booked"],
    )
    return _stacked(table, "Sessions booked, attended and not", "sessions")
