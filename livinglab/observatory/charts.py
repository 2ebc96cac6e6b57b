"""The observatory's charts: plain numbers and labels in, SVG text out.

Pure: no Flask, no database. matplotlib's object API (no pyplot, no global figure); the style is
matplotlib's global rcParams, so one chart is drawn at a time (a lock) in threaded servers. Text
stays text in the SVG, so it is sharp and searchable. matplotlib is imported by the first chart drawn,
not with the module (README, "Startup")."""

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..results.charts import drawing

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

INK, MUTED, GRID = "#1c2430", "#5a6472", "#d9dee5"
# One colour per series, distinguishable by colour-blind readers where possible (Okabe–Ito based).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8a94a3", "#1c2430"]
STYLE: dict["RcKeyType", Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "livinglab",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 10,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDE, NARROW = 7.2, 3.8  # inches: a desktop column, a phone screen


def _legend_columns(labels: Sequence[str], width: float) -> int:
    """As many columns as fit across the figure (about 5.5 pt a character at 9 pt, plus the key)."""
    column = 28 + 5.5 * max((len(label) for label in labels), default=0)
    return max(1, min(4, len(labels), int(width * 72 // column)))


def _height(rows: float, width: float, legend: Sequence[str] = ()) -> float:
    legend_rows = -(-len(legend) // _legend_columns(legend, width)) if legend else 0
    return 1.0 + 0.5 * max(rows, 1) + 0.22 * legend_rows


def _figure(rows: float, width: float, legend: Sequence[str] = ()) -> tuple["Figure", "Axes"]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, _height(rows, width, legend)), layout="constrained")
    return fig, fig.add_subplot()


EMPTY_HEIGHT = 1.0


def stacked_bars_size(categories: list[str], series: list[tuple[str, list[int]]], width: float = WIDE) -> tuple:
    """The size in inches `stacked_bars` draws at, for the page's width and height attributes."""
    if not categories or not any(v for _label, values in series for v in values):
        return width, EMPTY_HEIGHT
    return width, _height(len(categories), width, [label for label, values in series if any(values)])


def grouped_bars_size(categories: list[str], series: list[tuple[str, list[int]]], width: float = WIDE) -> tuple:
    if not categories or not any(v for _label, values in series for v in values):
        return width, EMPTY_HEIGHT
    return width, _height(len(categories) * max(1, len(series)) * 0.6, width, [label for label, _v in series])


def box_plot_size(groups: list[tuple[str, list[float]]], width: float = WIDE) -> tuple:
    filled = [values for _label, values in groups if values]
    return (width, _height(len(filled), width)) if filled else (width, EMPTY_HEIGHT)


def _legend(fig: "Figure", ax, width: float) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncols=_legend_columns(labels, width), frameon=False, fontsize=9
        )


def _svg(fig: "Figure", title: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    return buffer.getvalue()


def _empty(message: str, width: float) -> str:
    with drawing(STYLE):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, EMPTY_HEIGHT))
        fig.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, fontsize=11)
        return _svg(fig, message)


def stacked_bars(
    categories: list[str],
    series: list[tuple[str, list[int]]],
    *,
    title: str,
    xlabel: str,
    empty: str,
    colours: list[str] | None = None,
    width: float = WIDE,
) -> str:
    """Horizontal bars, one per category, stacked by series (label, one value per category)."""
    if not categories or not any(v for _label, values in series for v in values):
        return _empty(empty, width)
    colours = colours or PALETTE
    shown = [(index, label, values) for index, (label, values) in enumerate(series) if any(values)]
    with drawing(STYLE):
        fig, ax = _figure(len(categories), width, [label for _index, label, _values in shown])
        left = [0] * len(categories)
        positions = list(range(len(categories)))
        for index, label, values in shown:  # a state nobody is in needs no legend entry
            colour = colours[index % len(colours)]
            bars = ax.barh(
                positions, values, left=left, color=colour, label=label, height=0.6, edgecolor="white", linewidth=0.8
            )
            ax.bar_label(
                bars,
                labels=[str(v) if v else "" for v in values],
                label_type="center",
                color=_text_on(colour),
                fontsize=9,
            )
            left = [a + b for a, b in zip(left, values, strict=True)]
        _finish(ax, positions, categories, xlabel, integers=True)
        _legend(fig, ax, width)
        return _svg(fig, title)


def grouped_bars(
    categories: list[str],
    series: list[tuple[str, list[int]]],
    *,
    title: str,
    xlabel: str,
    empty: str,
    colours: list[str] | None = None,
    width: float = WIDE,
) -> str:
    """Horizontal bars side by side within each category, one per series, the first on top."""
    if not categories or not any(v for _label, values in series for v in values):
        return _empty(empty, width)
    colours = colours or PALETTE
    with drawing(STYLE):
        fig, ax = _figure(len(categories) * max(1, len(series)) * 0.6, width, [label for label, _values in series])
        height = 0.8 / max(1, len(series))
        positions = list(range(len(categories)))
        for index, (label, values) in enumerate(series):
            offsets = [p - 0.4 + height * (index + 0.5) for p in positions]  # the y axis is inverted
            bars = ax.barh(offsets, values, height=height * 0.92, color=colours[index % len(colours)], label=label)
            ax.bar_label(bars, labels=[str(v) for v in values], padding=3, color=INK, fontsize=9)
        _finish(ax, positions, categories, xlabel, integers=True)
        ax.margins(x=0.12)
        _legend(fig, ax, width)
        return _svg(fig, title)


def box_plot(groups: list[tuple[str, list[float]]], *, title: str, xlabel: str, empty: str, width: float = WIDE) -> str:
    """A horizontal box per group (median, quartiles, whiskers at 1.5 IQR) with every value shown
    as a dot, since review rounds are few."""
    groups = [(label, values) for label, values in groups if values]
    if not groups:
        return _empty(empty, width)
    with drawing(STYLE):
        fig, ax = _figure(len(groups), width)
        positions = list(range(len(groups)))
        ax.boxplot(
            [values for _label, values in groups],
            positions=positions,
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": "#e3f4e8", "edgecolor": "#0b6e4f"},
            medianprops={"color": "#08543c", "linewidth": 2},
            whiskerprops={"color": MUTED},
            capprops={"color": MUTED},
        )
        for position, (_label, values) in zip(positions, groups, strict=True):
            jitter = [position + 0.18 * ((i * 0.618) % 1 - 0.5) for i in range(len(values))]
            ax.scatter(values, jitter, s=14, color=PALETTE[0], alpha=0.7, zorder=3, linewidths=0)
        _finish(ax, positions, [label for label, _values in groups], xlabel)
        ax.set_xlim(left=0)
        return _svg(fig, title)


def _finish(ax, positions: list[int], labels: list[str], xlabel: str, integers: bool = False) -> None:
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # the first category at the top, as in the tables
    ax.set_xlabel(xlabel)
    ax.xaxis.grid(True, color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    if integers:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _text_on(colour: str) -> str:
    """Black or white, whichever reads better on this fill (WCAG relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]
    return "#000000" if luminance > 0.179 else "#ffffff"
