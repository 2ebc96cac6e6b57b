"""The intervals of what the variables table reports (issue 13, item 5), each beside the value it qualifies:
the median's (`median_ci95`), the Net Promoter Score's (`nps.ci95`) and each instrument's Cronbach's alpha's
(`cronbach_alpha.<timepoint>.ci95`). Null where the data cannot give one (a median of fewer than 6 values)."""

from .errors import NotTestable
from .intervals import cronbach_alpha_interval, median_interval, nps_interval


def median_ci(values) -> dict:
    """The median's distribution-free interval and the level it reaches (at least 95 %), as
    DescTools::MedianCI(method = "exact"); null below 6 values, where no order statistic reaches 95 %."""
    try:
        found = median_interval(values)
    except NotTestable:
        return {"median_ci95": None, "median_ci_level": None}
    return {"median_ci95": found["ci95"], "median_ci_level": found["conf_level"]}


def nps_ci(values) -> dict:
    """The Net Promoter Score's adjusted-Wald interval (Rocks 2016), in NPS points (−100..100)."""
    try:
        found = nps_interval(values)
    except NotTestable:
        return {"ci95": None, "ci_method": "adjusted_wald"}
    return {"ci95": found["ci95"], "ci_method": found["ci_method"]}


def alpha_ci(alpha: dict) -> dict:
    """descriptives.cronbach_alpha's entry with Feldt's interval beside its value (null with no value)."""
    if alpha.get("value") is None:
        return alpha | {"ci95": None, "ci_method": "feldt"}
    return alpha | {"ci95": cronbach_alpha_interval(alpha["value"], alpha["n"], alpha["k"]), "ci_method": "feldt"}
