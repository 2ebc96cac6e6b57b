"""The results as the API serves them: the cached results, with every code of the analysis given its
English sentence beside it (`message` for a warning; `reason` in words, its code in `reason_code`)."""

from flask_babel import force_locale

from ..analysis.comparisons import PARALLEL, SINGLE
from . import verdict

# What each method note says, for API readers: the fields of the document by their names.
API_METHODS = {
    "descriptives": "sd with n − 1; quartiles by linear interpolation (R type 7); an instrument score "
    "only for participants who answered all its items.",
    "reliability": "Cronbach's alpha of each instrument on its scored items, as its score counts them (SUS: "
    "odd items x − 1, even items 5 − x; UMUX-Lite: x − 1; WHO-5: x), on participants who "
    "answered every item; k/(k − 1) × (1 − Σ item variances / variance of the total).",
    SINGLE: "Pairs are the participants with a value at the first and the last timepoint measuring the "
    "variable; estimate = mean(last − first); paired t test; Cohen's dz = mean / sd of the "
    "differences; robustness: Wilcoxon signed-rank test (V = sum of the ranks of the positive "
    "differences last − first, zeros dropped, as R's wilcox.test(last, first, paired = TRUE)).",
    PARALLEL: "Each arm against the control (the first arm) at the last timepoint measuring the variable; "
    "estimate = mean(arm) − mean(control); Welch's t test; Hedges' g = (mean difference / "
    "pooled sd) × (1 − 3 / (4(n1 + n2) − 9)); robustness: Mann–Whitney test (W = U of the "
    "arm, as R's wilcox.test(arm, control)).",
    "rank_tests": "Exact p when n < 50 with no ties (and, for signed ranks, no zero differences); "
    "otherwise the normal approximation with continuity and tie corrections (R's default).",
    "normality": "Shapiro–Wilk on the paired differences or on the residuals within arms (3 ≤ n ≤ 5000); "
    "when p < 0.05 a warning points to the robustness test.",
    "secondary": "Secondary outcomes are exploratory: p_adjusted is Holm's adjustment across them; "
    "supported follows p_value as for the primary outcome, supported_after_holm follows p_adjusted.",
    "categorical": "Choice and yes/no questions by arm (parallel groups only): Pearson's chi-square with "
    "Yates' correction on 2 × 2 tables, or Fisher's exact test (two-sided, as R) when an "
    "expected count is below 5; exploratory, Holm-adjusted among themselves. "
    "Multiple-choice and text answers are described, never tested.",
    "missing_data": "dropped_missing counts participants who answered something in the study (in the "
    "compared arms) but lack the variable where the comparison needs it.",
}


def served(results: dict) -> dict:
    """A copy of the results with words for every code, in English."""
    with force_locale("en"):
        out = {key: value for key, value in results.items() if key != "format"}
        names = {
            key: verdict.variable_name(key, variable) for key, variable in (results.get("variables") or {}).items()
        }
        out["warnings"] = [_warning(w, results, names) for w in results.get("warnings") or []]
        if out.get("primary_outcome"):
            out["primary_outcome"] = _entry(out["primary_outcome"], results, names)
        for key in ("secondary", "categorical", "not_compared"):
            out[key] = [_entry(entry, results, names) for entry in out.get(key) or []]
        out["variables"] = {key: _variable(variable) for key, variable in (out.get("variables") or {}).items()}
        out["methods"] = {key: API_METHODS[key] for key in results.get("methods") or () if key in API_METHODS}
        return out


def _warning(warning: dict, results: dict, names: dict) -> dict:
    found = {key: value for key, value in warning.items() if key != "reason"}
    return found | {"message": verdict.warning_text(warning, results, names)}


def _reason(holder: dict) -> dict:
    """`reason` in words (null when there is none), its code and numbers beside it."""
    reason = holder.get("reason")
    if not isinstance(reason, dict):
        return holder
    return holder | {"reason": verdict.reason_text(reason), "reason_code": reason}


def _entry(entry: dict, results: dict, names: dict) -> dict:
    out = _reason(entry)
    if isinstance(out.get("robustness"), dict):
        out["robustness"] = _reason(out["robustness"])
    if isinstance(out.get("normality"), dict):
        out["normality"] = _reason(out["normality"])
    if "warnings" in out:
        out["warnings"] = [_warning(w, results, names) for w in out["warnings"] or []]
    return out


def _variable(variable: dict) -> dict:
    alphas = variable.get("cronbach_alpha")
    if not alphas:
        return variable
    return variable | {"cronbach_alpha": {tp: _reason(alpha) for tp, alpha in alphas.items()}}
