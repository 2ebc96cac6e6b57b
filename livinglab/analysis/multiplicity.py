"""Holm's step-down adjustment, as R's p.adjust(p, "holm")."""


def holm(p_values: list[float | None]) -> list[float | None]:
    """Adjusted p values in the input order; None stays None and does not count in the family."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))  # cummax keeps the order of the raw p
        adjusted[i] = running
    return adjusted
