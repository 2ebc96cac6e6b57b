"""The results' charts as SVG text: plain numbers and already-translated words in, an SVG document out.

No Flask, no database, no files: the pages (results.views) give it numbers and words. Every figure is drawn on its own
`Figure` (no pyplot and its global registry), under a lock because matplotlib's settings are global.
The output is reproducible: a fixed hash salt, no date in the metadata, a seeded jitter. matplotlib is
imported by the first chart drawn, not with the module (README, "Startup")."""

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Sample sizes above which individual lines or points are thinned to a reproducible random sample
# (the box, the mean and the bars always use every value): the SVG stays light on large pilots.
MAX_LINES = 200
MAX_POINTS = 400

INK, MUTED, LINE, BRAND, ACCENT = "#1c2430", "#5a6472", "#d9dee5", "#0b6e4f", "#1f5fbf"
# Okabe–Ito: told apart by everyone, colour-blind or not, for choices with no order.
QUALITATIVE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

SETTINGS: dict["RcKeyType", Any] = {
    "svg.fonttype": "none",  # real <text>: small, selectable, read by the browser's own fonts
    "svg.hashsalt": "livinglab",  # stable element ids, so the same data gives the same bytes
    "text.parse_math": False,  # a "$" in a label is a dollar, never TeX
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 10,  # points at the figure's own size, which is the size the printed report uses
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
}
CHART_LOCK = threading.Lock()  # matplotlib's settings are global: one chart at a time
SMALLEST_FONT = 9  # points: the smallest text of any chart at its own size (the report prints it at that size)


@contextmanager
def drawing(settings: dict["RcKeyType", Any]) -> Iterator[None]:
    """matplotlib with these settings, one chart at a time (the observatory's charts too)."""
    import matplotlib

    matplotlib.use("Agg")  # never a GUI backend on a server
    with CHART_LOCK, matplotlib.rc_context(settings):
        yield


# Each chart's size in inches, for its drawing and for the width and height of its <img> (the page keeps
# the chart's place before it loads). Small enough to print at their own size on A4, text included.
def paired_lines_size() -> tuple[float, float]:
    return 4.4, 3.0


def strip_by_group_size(groups: int) -> tuple[float, float]:
    return min(5.6, 2.8 + 1.0 * groups), 2.9


def _legend_columns(categories: Sequence[str]) -> int:
    # short labels (scale points) on one line, in order; longer ones (choices) three to a line
    return max(1, len(categories) if sum(len(str(c)) for c in categories) <= 40 else min(3, len(categories)))


def stacked_bars_size(rows: int, categories: Sequence[str]) -> tuple[float, float]:
    columns = _legend_columns(categories)
    return 5.6, 1.2 + 0.55 * rows + 0.25 * ((len(categories) - 1) // max(1, columns))


def grouped_bars_size(rows: int, categories: int) -> tuple[float, float]:
    return 5.6, 1.5 + 0.38 * categories * max(1, rows) ** 0.5


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    return values[np.isfinite(values)]


def _sample(count: int, limit: int) -> np.ndarray:
    """Indices of a reproducible random sample of at most `limit` of `count` items, in order."""
    if count <= limit:
        return np.arange(count)
    return np.sort(np.random.default_rng(0).choice(count, size=limit, replace=False))


def _number_format(decimal: str):
    from matplotlib.ticker import FuncFormatter

    def fmt(value, _position=None) -> str:
        text = f"{value:.10g}"
        if "e" in text:
            text = f"{value:.3g}"
        return text.replace("-", "−").replace(".", decimal)

    return FuncFormatter(fmt)


def _render(draw, width: float, height: float) -> str:
    with drawing(SETTINGS):
        from matplotlib.figure import Figure

        figure = Figure(figsize=(width, height), layout="constrained")
        draw(figure)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def paired_lines(before, after, *, labels: Sequence[str], y_label: str, mean_label: str, decimal: str = ".") -> str:
    """One grey line per participant from the first to the last timepoint, and the mean in colour."""
    before, after = np.asarray(before, dtype=float).ravel(), np.asarray(after, dtype=float).ravel()
    both = np.isfinite(before) & np.isfinite(after)
    before, after = before[both], after[both]

    def draw(figure):
        ax = figure.add_subplot()
        shown = _sample(len(before), MAX_LINES)
        alpha = 0.55 if len(shown) <= 40 else 0.3
        for i in shown:
            ax.plot(
                [0, 1], [before[i], after[i]], color="#8a94a3", alpha=alpha, linewidth=1, marker="o", markersize=3.5
            )
        if len(before):
            means = [float(before.mean()), float(after.mean())]
            ax.plot([0, 1], means, color=BRAND, linewidth=3, marker="o", markersize=7, label=mean_label, zorder=5)
            figure.legend(loc="outside lower center", fontsize=SMALLEST_FONT)
        ax.set_xticks([0, 1], list(labels))
        ax.set_xlim(-0.25, 1.25)
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_formatter(_number_format(decimal))
        ax.grid(axis="y", color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)

    return _render(draw, *paired_lines_size())


def strip_by_group(
    groups: Sequence[tuple[str, Sequence[float] | np.ndarray]], *, y_label: str, mean_label: str, decimal: str = "."
) -> str:
    """A box plot per group (median, quartiles, whiskers to 1.5 IQR) with every value as a jittered dot."""
    groups = [(label, _finite(values)) for label, values in groups]
    rng = np.random.default_rng(0)

    def draw(figure):
        ax = figure.add_subplot()
        positions = np.arange(1, len(groups) + 1)
        filled = [(p, v) for p, (_label, v) in zip(positions, groups, strict=True) if len(v)]
        if filled:
            ax.boxplot(
                [v for _p, v in filled],
                positions=[p for p, _v in filled],
                widths=0.5,
                showfliers=False,
                patch_artist=True,
                boxprops={"facecolor": "#e3f4e8", "edgecolor": BRAND},
                medianprops={"color": BRAND, "linewidth": 2.5},
                whiskerprops={"color": BRAND},
                capprops={"color": BRAND},
            )
        for index, (position, values) in enumerate(filled):
            shown = values[_sample(len(values), MAX_POINTS)]
            jitter = rng.uniform(-0.14, 0.14, size=len(shown))
            ax.scatter(position + jitter, shown, s=16, color=ACCENT, alpha=0.6, linewidths=0, zorder=3)
            ax.scatter(
                [position],
                [values.mean()],
                marker="D",
                s=60,
                color=INK,
                zorder=4,
                label=mean_label if index == 0 else None,
            )
        ax.set_xticks(positions, [label for label, _v in groups])
        ax.set_xlim(0.4, len(groups) + 0.6)
        ax.set_ylabel(y_label)
        ax.yaxis.set_major_formatter(_number_format(decimal))
        ax.grid(axis="y", color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)
        if filled:
            figure.legend(loc="outside lower center", fontsize=SMALLEST_FONT)

    return _render(draw, *strip_by_group_size(len(groups)))


def _palette(kind: str, count: int) -> list:
    if kind == "ordered":  # a diverging scale for Likert points, low to high, grey in the middle
        from matplotlib.colors import LinearSegmentedColormap

        if count < 2:
            return [BRAND]
        scale = LinearSegmentedColormap.from_list("likert", ["#8c510a", "#dfc27d", "#cfd5dd", "#80cdc1", "#01665e"])
        return [scale(x) for x in np.linspace(0, 1, count)]
    return [QUALITATIVE[i % len(QUALITATIVE)] for i in range(count)]


def _luminance(colour) -> float:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ink_on(colour) -> str:
    return "#ffffff" if _luminance(colour) < 0.5 else INK


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    categories: Sequence[str],
    *,
    x_label: str,
    kind: str = "ordered",
    decimal: str = ".",
) -> str:
    """One horizontal bar per row, its label above it, split into the share (in %) of each category;
    `kind` is "ordered" (Likert points, a diverging scale) or "nominal" (choices, distinct colours)."""
    rows = [(label, np.nan_to_num(np.asarray(shares, dtype=float))) for label, shares in rows]
    colours = _palette(kind, len(categories))
    columns = _legend_columns(categories)

    def draw(figure):
        ax = figure.add_subplot()
        y = np.arange(len(rows))[::-1].astype(float)
        left = np.zeros(len(rows))
        for index, category in enumerate(categories):
            widths = np.array([shares[index] if index < len(shares) else 0.0 for _label, shares in rows])
            bars = ax.barh(
                y,
                widths,
                left=left,
                color=colours[index],
                edgecolor="#ffffff",
                linewidth=0.8,
                label=category,
                height=0.5,
            )
            for bar, width in zip(bars, widths, strict=True):
                if width >= 7:
                    ax.text(
                        bar.get_x() + width / 2,
                        bar.get_y() + bar.get_height() / 2,
                        f"{width:.0f}",
                        ha="center",
                        va="center",
                        fontsize=SMALLEST_FONT,
                        color=_ink_on(colours[index]),
                    )
            left += widths
        for position, (label, _shares) in zip(y, rows, strict=True):
            ax.text(0, position + 0.3, label, ha="left", va="bottom", fontsize=10, color=INK)
        ax.set_yticks([])
        ax.set_ylim(-0.45, len(rows) - 0.1)
        ax.set_xlim(0, 100)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_formatter(_number_format(decimal))
        ax.spines["left"].set_visible(False)
        if rows and len(categories):
            figure.legend(
                loc="outside lower center", ncols=columns, fontsize=SMALLEST_FONT, handlelength=1.2, columnspacing=1.2
            )

    return _render(draw, *stacked_bars_size(len(rows), categories))


def grouped_bars(
    rows: Sequence[tuple[str, Sequence[float]]], categories: Sequence[str], *, x_label: str, decimal: str = "."
) -> str:
    """Horizontal bars, one per category and row, for answers where one person may pick several
    (the shares need not add up to 100 %)."""
    rows = [(label, np.nan_to_num(np.asarray(shares, dtype=float))) for label, shares in rows]
    colours = _palette("nominal", len(rows))

    def draw(figure):
        from matplotlib.ticker import MaxNLocator

        ax = figure.add_subplot()
        height = 0.8 / max(1, len(rows))
        y = np.arange(len(categories))[::-1]
        for index, (label, shares) in enumerate(rows):
            values = [shares[i] if i < len(shares) else 0.0 for i in range(len(categories))]
            ax.barh(
                y + (len(rows) / 2 - index - 0.5) * height,
                values,
                height=height * 0.92,
                color=colours[index],
                label=label,
            )
        ax.set_yticks(y, list(categories))
        ax.set_xlim(0, 100)
        ax.set_xlabel(x_label)
        ax.xaxis.set_major_formatter(_number_format(decimal))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(axis="x", color=LINE, linewidth=0.8)
        ax.set_axisbelow(True)
        if rows and len(categories):
            figure.legend(loc="outside lower center", ncols=min(len(rows), 3), fontsize=SMALLEST_FONT)

    return _render(draw, *grouped_bars_size(len(rows), len(categories)))
