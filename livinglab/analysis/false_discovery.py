"""Benjamini–Hochberg false discovery rate, as R's p.adjust(p, "BH")."""


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Adjusted p values in the input order; None stays None and does not count in the family."""
    tested = sorted(((p, i) for i, p in enumerate(p_values) if p is not None), key=lambda t: -t[0])
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 1.0
    for position, (p, i) in enumerate(tested):
        rank = m - position  # R: i <- lp:1L over p sorted decreasing; pmin(1, cummin(n / i * p[o]))
        running = min(running, m / rank * p)
        adjusted[i] = min(1.0, running)
    return adjusted


HOLM, BENJAMINI_HOCHBERG = "holm", "benjamini_hochberg"


def adjusted(p_values: list[float | None], method: str) -> list[float | None]:
    """The family's adjusted p values by the protocol's method: Holm, or Benjamini–Hochberg."""
    from .multiplicity import holm

    return benjamini_hochberg(p_values) if method == BENJAMINI_HOCHBERG else holm(p_values)
