"""Missing data in the results (issue 13, item 8): attrition per arm on the primary outcome, and the primary
analysis repeated on every randomised participant under a stated assumption, as sensitivity analyses.

- `baseline_carried_forward`: a participant without the last value is assumed not to have changed (their
  value at the first timepoint measuring the outcome stands for the last one).
- `multiple_imputation`: missing values are assumed missing at random given the arm and the baseline value
  (MAR); they are imputed by chained equations (statsmodels MICE, predictive mean matching) `IMPUTATIONS`
  times and the primary analysis of each completed data set is pooled with Rubin's rules. The random draws
  are seeded with the study's id, so the same data always give the same figures (and the cached results
  stay stable).

"All randomised" counts every participant allocated to the compared arms whose answers were not erased
(`kept_by_arm` of the flow's tallies): those who never answered anything too (multiple imputation fills
both their values; carrying the baseline forward cannot, so they stay out of it). Those whose answers
were erased at their request are lost (attrition counts them) but never analysed."""

import numpy as np
import pandas as pd

from . import not_applicable
from .ancova import ancova
from .binary import compare_proportions, mcnemar
from .comparisons import PARALLEL, SINGLE, supported
from .errors import NotTestable, reason
from .missing import attrition, baseline_carried_forward, mice_ancova, mice_t
from .paired import paired_t
from .two_groups import welch_t
from .variables import column_at, is_numeric

BCF, MI = "baseline_carried_forward", "multiple_imputation"
UPPER, LOWER = "extreme_case_upper", "extreme_case_lower"  # a yes/no primary outcome: see `extreme_cases`
IMPUTATIONS, BURN_IN, BETWEEN = 20, 10, 2  # imputations; chained-equation cycles before the first, and between two
FIGURES = ("estimate", "ci95", "statistic", "df", "p_value")


def attrition_of(panels, who: pd.Series, variables: dict, primary: dict, plan, counts: dict | None) -> dict:
    """Per arm: randomised (allocated), with the primary outcome at the last timepoint measuring it
    (`completed`), lost; a test of difference between arms (Fisher's exact or chi-square)."""
    key = primary.get("variable")
    variable = variables.get(key) or {}
    arms = plan.arms
    timepoints = variable.get("timepoints") or []
    panel = panels[1] if variable.get("type") == "yes_no" else panels[0]
    counts = counts or {}
    allocated, kept = counts.get("allocated") or {}, counts.get("kept_by_arm") or {}
    if timepoints and (is_numeric(variable) or variable.get("type") == "yes_no"):
        values = column_at(panel, str(key), timepoints[-1])
        in_arm = _arms_of(panel)
        completed = {a: int(np.sum((in_arm == a) & np.isfinite(values))) for a in arms}
    else:  # nothing to count against: no one has the primary outcome
        completed = dict.fromkeys(arms, 0)
    present = who.value_counts() if len(who) else pd.Series(dtype=int)
    randomised = {a: max(int(allocated.get(a, 0)), int(present.get(a, 0)), completed[a]) for a in arms}
    # those to whom the outcome did not apply (branching) had no value to give: neither completed nor lost
    skipped = _did_not_apply(who, plan, variable, timepoints).value_counts()
    randomised = {a: randomised[a] - int(skipped.get(a, 0)) for a in arms}
    out = attrition(randomised, completed)
    for a in arms:
        out["by_arm"][a]["erased"] = max(0, int(allocated.get(a, 0)) - int(kept.get(a, allocated.get(a, 0))))
        out["by_arm"][a]["not_applicable"] = int(skipped.get(a, 0))
    if plan.design != PARALLEL or len(arms) < 2:
        out["test"] = {"p_value": None, "reason": reason("one_group")}
    return {"variable": key if variable else None, "timepoint": timepoints[-1] if timepoints else None} | out


def sensitivity(panels, who: pd.Series, variables: dict, primary: dict, plan, counts: dict | None, seed) -> list:
    """The primary analysis on all randomised participants: baseline carried forward, then multiple imputation."""
    variable = variables.get(primary.get("variable")) or {}
    if variable.get("type") == "yes_no":  # the extreme cases instead (yes/no: nothing to carry forward or pool)
        return extreme_cases(panels[1], who, variable, primary, plan, counts)
    if not variable or not is_numeric(variable):
        refusal = reason("outcome_not_numeric", type=variable["type"]) if variable else reason("not_measured")
        return [_declined(BCF, primary, refusal), _declined(MI, primary, refusal)]
    timepoints = variable["timepoints"]
    if len(timepoints) < 2:  # nothing to carry forward, nor to predict the missing values from but the arm
        refusal = reason("no_baseline", variable=variable["key"])
        return [_declined(BCF, primary, refusal), _declined(MI, primary, refusal)]
    arms = _compared_arms(primary, plan)
    if arms is None:
        refusal = reason("no_control")
        return [_declined(BCF, primary, refusal), _declined(MI, primary, refusal)]
    skipped = _did_not_apply(who, plan, variable, timepoints)
    last, baseline, arm, everyone = _randomised(panels[0], who, variable, arms, counts, skipped)
    test = "paired_t" if plan.design == SINGLE else primary.get("test")
    return [
        _carried_forward(primary, test, last, baseline, arm, arms, everyone),
        _imputed(primary, test, last, baseline, arm, arms, everyone, _seed(seed)),
    ]


def _compared_arms(primary: dict, plan) -> list | None:
    """The arms the primary analysis uses, the primary contrast's arm second (ANCOVA: every arm, one model)."""
    if plan.design == SINGLE:
        return plan.arms[:1] or ["intervention"]
    if plan.design != PARALLEL or len(plan.arms) < 2:
        return None
    if primary.get("test") == "ancova":
        return plan.arms
    return list(primary["arms"]) if len(primary.get("arms") or []) == 2 else plan.arms[:2]  # the declared contrast


def _randomised(
    panel: pd.DataFrame, who: pd.Series, variable: dict, arms: list, counts: dict | None, skipped: pd.Series
):
    """First and last values of everyone randomised to these arms, in participant-code order (the database's
    row order varies; the imputation must not), then a row of nothing for each who has no value at all; not
    those to whom the outcome did not apply at its last timepoint (`skipped`): nothing to impute for them."""
    key, timepoints = variable["key"], variable["timepoints"]
    if len(skipped) and len(panel):
        panel = panel[~panel.index.get_level_values("participant_code").astype(str).isin(skipped.index.astype(str))]
    if len(panel):
        order = np.argsort(panel.index.get_level_values("participant_code").astype(str).to_numpy(), kind="stable")
        panel = panel.iloc[order]
    counts = counts or {}
    kept = counts["kept_by_arm"] if "kept_by_arm" in counts else counts.get("allocated") or {}
    if len(arms) == 1:  # one group: everyone, whatever their arm's name
        in_arm = np.full(len(panel), arms[0], dtype=object)
        wanted = {arms[0]: max(sum(int(n) for n in kept.values()), len(who)) - len(skipped)}
    else:
        in_arm = _arms_of(panel)
        present = who.value_counts() if len(who) else pd.Series(dtype=int)
        gone = skipped.value_counts() if len(skipped) else pd.Series(dtype=int)
        wanted = {a: max(int(kept.get(a, 0)), int(present.get(a, 0))) - int(gone.get(a, 0)) for a in arms}
    rows = np.isin(in_arm, arms)
    last = column_at(panel, key, timepoints[-1])[rows]
    baseline = column_at(panel, key, timepoints[0])[rows]
    arm = in_arm[rows]
    extra = [a for a in arms for _ in range(max(0, wanted[a] - int(np.sum(arm == a))))]
    blank = np.full(len(extra), np.nan)
    everyone = int(sum(np.sum(arm == a) for a in arms[:2])) + sum(1 for a in extra if a in arms[:2])
    return (
        np.concatenate([last, blank]),
        np.concatenate([baseline, blank]),
        np.concatenate([np.asarray(arm, dtype=object), np.asarray(extra, dtype=object)]),
        everyone,
    )


def _carried_forward(primary, test, last, baseline, arm, arms, everyone) -> dict:
    filled = np.asarray(baseline_carried_forward(baseline, last)["values"], dtype=float)
    usable = np.isfinite(filled) & np.isin(arm, arms[:2])
    if test != "welch_t":
        usable &= np.isfinite(baseline)  # the model and the pairs need the first value too
    imputed = int(np.sum(usable & ~np.isfinite(last)))
    entry = _entry(BCF, test, everyone) | {"imputed": imputed}
    try:
        if test == "paired_t":
            fit = paired_t(filled, baseline)
        elif test == "ancova":
            fit = ancova(filled, baseline, arm, arms)
        else:
            fit = welch_t(filled[arm == arms[1]], filled[arm == arms[0]])
    except NotTestable as refusal:
        return entry | {"reason": refusal.reason}
    return _filled(entry, primary, fit, int(usable.sum()))


def _imputed(primary, test, last, baseline, arm, arms, everyone, seed: int) -> dict:
    incomplete = ~np.isfinite(last) | ~np.isfinite(baseline)
    missing = int(np.sum(incomplete & np.isin(arm, arms[:2])))
    entry = _entry(MI, test, everyone) | {
        "imputed": missing,
        "imputations": IMPUTATIONS,
        "seed": seed,
        "method": "mice_pmm",
    }
    try:
        if not incomplete.any():  # nothing to impute: every imputation is the data themselves
            if test == "paired_t":
                fit = paired_t(last, baseline)
            elif test == "ancova":
                fit = ancova(last, baseline, arm, arms)
            else:
                fit = welch_t(last[arm == arms[1]], last[arm == arms[0]])
            return _filled(entry | {"imputations": 0}, primary, fit, everyone)
        options = {"imputations": IMPUTATIONS, "burn_in": BURN_IN, "iterations": BETWEEN, "seed": seed}
        if test == "ancova":
            fit = mice_ancova(last, baseline, arm, arms, **options)
        else:
            fit = mice_t(last, baseline, arm, arms, paired=test == "paired_t", **options)
    except NotTestable as refusal:
        return entry | {"reason": refusal.reason}
    except (ValueError, np.linalg.LinAlgError):  # the chained equations cannot be fitted to these data
        return entry | {"reason": reason("not_estimable", what="imputation")}
    return _filled(entry, primary, fit, everyone)


def _entry(assumption: str, test, everyone: int) -> dict:
    return {
        "assumption": assumption,
        "test": test,
        "n_randomised": everyone,
        "n": 0,
        "imputed": 0,
        "estimate": None,
        "ci95": None,
        "statistic": None,
        "df": None,
        "p_value": None,
        "supported": None,
        "reason": None,
    }


def _filled(entry: dict, primary: dict, fit: dict, n: int) -> dict:
    entry = entry | {k: fit[k] for k in FIGURES} | {"n": n}
    entry["supported"] = supported(
        entry["p_value"], entry["estimate"], primary.get("hypothesis") or "change", primary.get("alpha") or 0.05
    )
    return entry


def _declined(assumption: str, primary: dict, refusal: dict) -> dict:
    return _entry(assumption, primary.get("test"), 0) | {"reason": refusal}


def _arms_of(panel: pd.DataFrame) -> np.ndarray:
    return panel.index.get_level_values("arm").to_numpy().astype(object) if len(panel) else np.array([], object)


def _seed(seed) -> int:
    """The study's id as the seed (0 for a study without one)."""
    try:
        return max(0, int(seed or 0))
    except (TypeError, ValueError):
        return 0


def _did_not_apply(who: pd.Series, plan, variable: dict, timepoints: list) -> pd.Series:
    """Participant → arm of those to whom the outcome did not apply at its last timepoint."""
    if not variable or not timepoints:
        return who.iloc[0:0]
    return not_applicable.did_not_apply(who, getattr(plan, "not_applicable", None), variable, timepoints[-1])


def extreme_cases(panel: pd.DataFrame, who: pd.Series, variable: dict, primary: dict, plan, counts) -> list:
    """A yes/no primary outcome on every randomised participant, each missing answer counted the way that makes
    the estimate largest (`extreme_case_upper`), then smallest (`extreme_case_lower`), the primary test re-run on
    each completed table (Fisher's exact or chi-square between arms, McNemar before/after). Whatever the missing
    answers were, the risk difference of all randomised lies between the two estimates (the extreme-case, or
    best-case/worst-case, analysis: Horowitz & Manski 2000; Jakobsen et al. 2017): it assumes nothing about why
    answers are missing. Between arms: missing answers are yes in the arm and no in the control, then the
    reverse; before/after: no at first and yes at the last timepoint, then the reverse."""
    timepoints = variable["timepoints"]
    if plan.design == SINGLE:
        if len(timepoints) < 2:
            refusal = reason("no_baseline", variable=variable["key"])
            return [_declined(UPPER, primary, refusal), _declined(LOWER, primary, refusal)]
        arms = plan.arms[:1] or ["intervention"]
    elif plan.design == PARALLEL and len(primary.get("arms") or []) == 2:
        arms = list(primary["arms"])  # [control, the primary contrast's arm]
    else:
        return [_declined(UPPER, primary, reason("no_control")), _declined(LOWER, primary, reason("no_control"))]
    skipped = _did_not_apply(who, plan, variable, timepoints)
    last, first, arm, everyone = _randomised(panel, who, variable, arms, counts, skipped)
    return [
        _extreme(assumption, primary, plan.design, arms, timepoints, first, last, arm, everyone)
        for assumption in (UPPER, LOWER)
    ]


def _extreme(assumption, primary, design, arms, timepoints, first, last, arm, everyone) -> dict:
    high = assumption == UPPER  # the estimate (arm − control, or last − first) at its largest
    if design == SINGLE:
        given = {timepoints[0]: not high, timepoints[-1]: high}
        missing = ~np.isfinite(first) | ~np.isfinite(last)
    else:
        control, treated = arm == arms[0], arm == arms[1]
        given = {arms[1]: high, arms[0]: not high}
        missing = ~np.isfinite(last) & (control | treated)
    entry = _entry(assumption, None, everyone) | {"imputed": int(missing.sum()), "imputed_as": given}
    try:
        if design == SINGLE:
            before = np.where(np.isfinite(first), first, float(not high))
            fit = mcnemar(before, np.where(np.isfinite(last), last, float(high)))
        else:
            filled = np.where(np.isfinite(last), last, np.where(treated, float(high), float(not high)))
            yes, n = (int(filled[treated].sum()), int(filled[control].sum())), (int(treated.sum()), int(control.sum()))
            fit = compare_proportions(yes[0], n[0], yes[1], n[1])
    except NotTestable as refusal:
        return entry | {"test": primary.get("test"), "reason": refusal.reason}
    entry = entry | {"test": fit["test"]} | ({"odds_ratio": fit["odds_ratio"]} if "odds_ratio" in fit else {})
    return _filled(entry, primary, fit, everyone)
