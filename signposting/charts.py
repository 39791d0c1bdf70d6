"""Server-side charts as inline SVG (matplotlib, no JavaScript, no network)."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

plt.rcParams.update({"font.family": "sans-serif", "font.size": 9, "svg.fonttype": "none"})
NHS_BLUE = "#005eb8"


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def gap_heatmap(gaps: pd.DataFrame) -> str | None:
    """Boroughs by needs, coloured by the number of open services residents may use."""
    if gaps.empty:
        return None
    table = gaps.pivot_table(index="borough", columns="need", values="services_open", aggfunc="sum")
    figure, axes = plt.subplots(figsize=(max(6, 0.55 * len(table.columns)), 0.45 * len(table) + 2))
    image = axes.imshow(table.to_numpy(dtype=float), cmap="Blues", aspect="auto", vmin=0)
    axes.set_xticks(range(len(table.columns)), table.columns, rotation=60, ha="right")
    axes.set_yticks(range(len(table.index)), table.index)
    for (row, column), value in np.ndenumerate(table.to_numpy()):
        axes.text(
            column,
            row,
            "gap" if value == 0 else int(value),
            ha="center",
            va="center",
            color="#d5281b" if value == 0 else "#212b32",
            fontweight="bold" if value == 0 else "normal",
        )
    figure.colorbar(image, ax=axes, label="Open services residents may use")
    axes.set_title("Services open to each borough's residents, by need")
    return _svg(figure)


def outcomes_over_time(counts: pd.DataFrame, threshold: int) -> str | None:
    """Stacked monthly outcomes; counts under the threshold are left out, as in the tables."""
    if counts.empty:
        return None
    table = counts.pivot_table(index="month", columns="outcome", values="referrals", aggfunc="sum")
    table = table.fillna(0)
    table = table.where(table >= threshold, 0)
    figure, axes = plt.subplots(figsize=(8, 3.5))
    bottom = np.zeros(len(table))
    colours = plt.get_cmap("tab20").colors
    for i, column in enumerate(table.columns):
        axes.bar(table.index, table[column], bottom=bottom, label=column, color=colours[i % 20])
        bottom += table[column].to_numpy()
    axes.set_ylabel("Referrals")
    axes.set_title(
        f"Current outcome of referrals, by month referred (counts under {threshold} left out)"
    )
    axes.tick_params(axis="x", rotation=45)
    axes.legend(fontsize=7, ncol=2, bbox_to_anchor=(1.01, 1), loc="upper left")
    return _svg(figure)


def non_acceptance(uptake: pd.DataFrame) -> str | None:
    """Horizontal bars of the reasons referrals were not accepted (suppressed rows left out)."""
    rows = uptake[~uptake["outcome"].isin(["all", "accepted"])]
    rows = rows[pd.to_numeric(rows["referrals"], errors="coerce").notna()]
    if rows.empty:
        return None
    figure, axes = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    labels = rows["label"].str.replace("Not accepted: ", "", regex=False).str.capitalize()
    axes.barh(labels, rows["referrals"].astype(int), color=NHS_BLUE)
    axes.invert_yaxis()
    axes.set_xlabel("Referrals")
    axes.set_title("Why referrals were not accepted")
    return _svg(figure)
