"""Baseline-adjusted comparison of arms: ANCOVA by ordinary least squares (statsmodels OLS)."""

import numpy as np
import statsmodels.api as sm
from scipy import stats

from .errors import NotTestable
from .jsonsafe import clean


def ancova(last, baseline, arm, arms: list, conf_level: float = 0.95) -> dict:
    """R's `summary(lm(last ~ arm + baseline))` and `confint`: each arm's coefficient against the control
    (arms[0], treatment contrasts); the top-level fields are those of arms[1], the primary contrast."""
    last, baseline = np.asarray(last, dtype=float), np.asarray(baseline, dtype=float)
    arm = np.asarray(arm, dtype=object)
    if not last.shape == baseline.shape == arm.shape:
        raise ValueError("outcome, baseline and arm must have the same length")
    if len(arms) < 2:
        raise ValueError("ANCOVA compares at least two arms")
    keep = np.isfinite(last) & np.isfinite(baseline) & np.isin(arm, arms)  # R drops incomplete rows
    last, baseline, arm = last[keep], baseline[keep], arm[keep]
    sizes = {str(a): int(np.sum(arm == a)) for a in arms}
    if sizes[str(arms[0])] == 0 or sizes[str(arms[1])] == 0:
        raise NotTestable("too_few", what="measured_at_baseline_and_end", n_by_arm=sizes, minimum=1)
    present = [a for a in arms[1:] if sizes[str(a)] > 0]
    design = np.column_stack([np.ones(len(last))] + [(arm == a).astype(float) for a in present] + [baseline])
    n, p = design.shape
    if n - p < 1:
        raise NotTestable("too_few", what="participants_for_model", n=n, coefficients=p)
    if np.ptp(baseline) == 0:
        raise NotTestable("not_estimable", what="baseline_all_equal")
    if np.linalg.matrix_rank(design) < p:
        raise NotTestable("not_estimable", what="arms_confounded_with_baseline")
    fit = sm.OLS(last, design).fit()
    df = int(fit.df_resid)
    # R's summary.lm warns of an "essentially perfect fit" below (mean(f)^2 + var(f)) * 1e-30; the
    # pseudo-inverse leaves rounding noise near 1e-29 there, so the line is drawn at 1e-20
    fitted = fit.fittedvalues
    if fit.scale <= (fitted.mean() ** 2 + fitted.var(ddof=1)) * 1e-20:
        raise NotTestable("no_variance", what="no_residual_variance")
    quantile = float(stats.t.ppf(0.5 + conf_level / 2, df))
    contrasts = []
    for i, a in enumerate(present, start=1):
        estimate, se = float(fit.params[i]), float(fit.bse[i])
        t = estimate / se
        contrasts.append(
            {
                "arm": a,
                "control": arms[0],
                "estimate": estimate,
                "se": se,
                "ci95": [estimate - quantile * se, estimate + quantile * se],
                "statistic": t,
                "df": df,
                "p_value": float(2 * stats.t.sf(abs(t), df)),
                "n": sizes[str(a)] + sizes[str(arms[0])],
            }
        )
    slope, slope_se = float(fit.params[-1]), float(fit.bse[-1])
    primary = contrasts[0]
    return clean(
        {
            "test": "ancova",
            "method": "ANCOVA: lm(outcome_last ~ arm + outcome_baseline)",
            "n": n,
            "n_by_arm": sizes,
            "residual_sd": float(np.sqrt(fit.scale)),
            "estimate": primary["estimate"],
            "se": primary["se"],
            "ci95": primary["ci95"],
            "statistic": primary["statistic"],
            "df": df,
            "p_value": primary["p_value"],
            "baseline_coefficient": {
                "estimate": slope,
                "se": slope_se,
                "ci95": [slope - quantile * slope_se, slope + quantile * slope_se],
            },
            "contrasts": contrasts,
        }
    )
