"""The 12-week trend picture: one small panel per check, drawn with matplotlib's Agg renderer."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence

from medsos_audit.report.i18n import check_label

COLORS = {
    "promotion": "#c2410c",
    "testimonial_repost": "#7c3aed",
    "personal_mixing": "#0f766e",
    "patient_privacy": "#b91c1c",
}
WIDTH_IN, HEIGHT_IN, DPI = 7.2, 3.9, 150


def trend_png(
    weeks: Sequence[str], series: Mapping[str, Sequence[int]], lang: str, highlight: str
) -> bytes:
    """A PNG with one panel per check: flagged posts per week, ``highlight`` week shaded."""
    # Imported here: matplotlib costs ~0.4 s to import, and every command loads this package.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # A Figure with its own Agg canvas, not pyplot: no global state, safe in any thread.
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2, sharex=True)
    labels = [w.split("-")[1] for w in weeks]
    top = max((max(v) for v in series.values() if v), default=0)
    for ax, (name, values) in zip(axes.flat, series.items(), strict=True):
        color = COLORS.get(name, "#1f2937")
        xs = list(range(len(weeks)))
        if highlight in weeks:
            at = weeks.index(highlight)
            ax.axvspan(at - 0.5, at + 0.5, color="#fde68a", alpha=0.6, linewidth=0)
        ax.bar(xs, list(values), color=color, width=0.6)
        ax.set_title(check_label(name, lang), fontsize=9, loc="left", color="#111827")
        ax.set_ylim(0, max(top, 1) * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
        # Every other week is labelled, counting back from the report week so it has its label.
        shown = xs[::-2][::-1]
        ax.set_xticks(shown, [labels[i] for i in shown], fontsize=7)
        ax.set_xlim(-0.6, len(weeks) - 0.4)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if values and values[-1]:
            ax.annotate(
                str(values[-1]),
                (xs[-1], values[-1]),
                textcoords="offset points",
                xytext=(0, 2),
                ha="center",
                fontsize=7,
                color=color,
            )
    buf = io.BytesIO()
    # No timestamp or software chunk, so the same data always gives the same bytes.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """The PNG as a data: URI for a self-contained HTML file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
