"""Three or more timepoints: a linear mixed model with a random intercept per participant (REML), and
Friedman's test on complete cases.

Two engines fit the same REML likelihood: "profile" (random_intercept.py, per-participant sums, milliseconds
on 15,000 rows) and "statsmodels" (MixedLM, a per-group Python loop: seconds to a minute on 15,000 rows).
The tests hold both to nlme's printed output and to each other."""

import warnings

import numpy as np
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .errors import NotTestable, warning
from .jsonsafe import clean
from .random_intercept import SingularDesign, fixed_effects_covariance, group_index, reml_random_intercept

METHODS = ("bfgs", "lbfgs", "powell")  # bfgs with a tight gradient tolerance reaches nlme's digits
P_VALUE_METHOD = (
    "t on nlme's df (within-participant terms: observations − participants − within columns; "
    "arm terms: participants − between columns), as nlme::lme; p_value_z is the Wald z that "
    "statsmodels' MixedLM reports"
)


def _long(values, participant, timepoint, arm=None):
    values = np.asarray(values, dtype=float)
    participant, timepoint = np.asarray(participant, dtype=object), np.asarray(timepoint, dtype=object)
    arm = None if arm is None else np.asarray(arm, dtype=object)
    if not values.shape == participant.shape == timepoint.shape or (arm is not None and arm.shape != values.shape):
        raise ValueError("values, participant, timepoint (and arm) must have the same length")
    keep = np.isfinite(values)
    return values[keep], participant[keep], timepoint[keep], None if arm is None else arm[keep]


class _Fit:
    """The pieces of a fit that the results use, whichever engine produced them."""

    def __init__(self, fe_params, cov, scale, cov_re):
        self.fe_params, self.bse_fe = np.asarray(fe_params), np.sqrt(np.diag(cov))
        self.scale, self.cov_re = float(scale), np.array([[float(cov_re)]])


def _fit(y, design, groups, engine="profile"):
    """REML fit by the chosen engine; returns the fit and the notes (warnings as codes)."""
    if _no_residual(y, design, groups):
        # the likelihood has no maximum (the optimiser wanders into NaN), and standard errors would be noise
        raise NotTestable("no_variance", what="within_participants")
    if engine == "profile":
        try:
            fit = reml_random_intercept(y, design, groups)
        except (SingularDesign, np.linalg.LinAlgError) as err:
            raise NotTestable("not_estimable", what="mixed_model") from err
        notes = []
        if not fit["converged"]:
            notes.append(warning("not_converged"))
        if fit["boundary"]:
            notes.append(warning("boundary_fit", variance=0))
        return _Fit(fit["fe_params"], fit["cov"], fit["scale"], fit["cov_re"]), notes
    if engine != "statsmodels":
        raise ValueError("engine is 'profile' or 'statsmodels'")
    result, notes = _fit_statsmodels(y, design, groups)
    cov_re = float(np.asarray(result.cov_re)[0, 0])
    # standard errors as nlme reports them, from MixedLM's variance estimates
    cov = fixed_effects_covariance(design, groups, cov_re / result.scale, result.scale)
    return _Fit(result.fe_params, cov, result.scale, cov_re), notes


def _no_residual(y, design, groups) -> bool:
    """Whether the time terms fit every participant's values exactly: no variation within participants is left."""
    index = group_index(groups)
    sizes = np.bincount(index).astype(float)

    def within(values):
        return values - (np.bincount(index, weights=values) / sizes)[index]

    y_within = within(np.asarray(y, dtype=float))
    x_within = np.column_stack([within(column) for column in np.asarray(design, dtype=float).T])
    # the normal equations (p × p; the columns constant within participants are zero here): no SVD of n rows
    coefficients, *_ = np.linalg.lstsq(x_within.T @ x_within, x_within.T @ y_within, rcond=None)
    residual = float(np.sum((y_within - x_within @ coefficients) ** 2))
    return residual <= 1e-12 * float(np.sum((y - np.mean(y)) ** 2))


def _fit_statsmodels(y, design, groups):
    """statsmodels MixedLM, REML; returns the result and the warnings raised on the way, as codes."""
    notes, result, failure = [], None, None
    for method in METHODS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = MixedLM(y, design, groups=groups).fit(reml=True, method=method, gtol=1e-10)
            except (np.linalg.LinAlgError, ValueError) as error:  # another optimiser may get through
                failure, result = error, None
                continue
        if result.converged:
            break
    if result is None:
        raise NotTestable("not_estimable", what="mixed_model", error=type(failure).__name__)
    messages = [str(w.message) for w in caught]
    if not result.converged or any(
        issubclass(w.category, ConvergenceWarning) and "boundary" not in str(w.message) for w in caught
    ):
        notes.append(warning("not_converged"))
    if any("boundary" in m for m in messages):
        notes.append(warning("boundary_fit", variance=0))
    return result, notes


def _terms(result, names, columns, df, conf_level):
    quantile = float(stats.t.ppf(0.5 + conf_level / 2, df))
    out = []
    for name, column in zip(names, columns, strict=True):
        estimate, se = float(result.fe_params[column]), float(result.bse_fe[column])
        t = estimate / se
        out.append(
            name
            | {
                "estimate": estimate,
                "se": se,
                "ci95": [estimate - quantile * se, estimate + quantile * se],
                "statistic": t,
                "df": df,
                "p_value": float(2 * stats.t.sf(abs(t), df)),
                "p_value_z": float(2 * stats.norm.sf(abs(t))),
            }
        )
    return out


def _checked(y, participant, timepoints, timepoint, n_within, n_between=1):
    present = [tp for tp in timepoints if np.any(timepoint == tp)]
    if timepoints[0] not in present or len(present) < 2:
        raise NotTestable("too_few", what="timepoints", n=len(present), minimum=2)
    n, m = len(y), int(group_index(participant).max()) + 1 if len(y) else 0
    within_df, between_df = n - m - n_within, m - n_between
    if m < 2 or within_df < 1 or between_df < 1:
        raise NotTestable("too_few", what="participants_for_model", n=n, participants=m)
    if np.ptp(y) == 0:
        raise NotTestable("no_variance", what="all_equal")
    return present, n, m, within_df, between_df


def mixed_model_time(
    values, participant, timepoint, timepoints: list, conf_level: float = 0.95, engine: str = "profile"
) -> dict:
    """nlme's `lme(y ~ factor(time), random = ~ 1 | participant)` (REML): each timepoint against the first."""
    y, participant, timepoint, _ = _long(values, participant, timepoint)
    keep = np.isin(timepoint, timepoints)
    y, participant, timepoint = y[keep], participant[keep], timepoint[keep]
    later = [tp for tp in timepoints[1:] if np.any(timepoint == tp)]
    _, n, m, within_df, _ = _checked(y, participant, timepoints, timepoint, len(later))
    design = np.column_stack([np.ones(n)] + [(timepoint == tp).astype(float) for tp in later])
    result, notes = _fit(y, design, participant, engine)
    contrasts = _terms(
        result,
        [{"timepoint": tp, "reference": timepoints[0]} for tp in later],
        range(1, 1 + len(later)),
        within_df,
        conf_level,
    )
    return clean(
        {
            "test": "mixed_model",
            "method": "Linear mixed model, random intercept per participant (REML)",
            "n_participants": m,
            "n_observations": n,
            "random_intercept_sd": float(np.sqrt(np.asarray(result.cov_re)[0, 0])),
            "residual_sd": float(np.sqrt(result.scale)),
            "contrasts": contrasts,
            "engine": engine,
            "p_value_method": P_VALUE_METHOD,
            "warnings": notes,
        }
    )


def mixed_model_arm_time(
    values, participant, timepoint, arm, timepoints: list, arms: list, conf_level: float = 0.95, engine: str = "profile"
) -> dict:
    """nlme's `lme(y ~ arm * factor(time), random = ~ 1 | participant)` (REML), control = arms[0]: the
    interaction of each arm with each later timepoint is its difference in change from the baseline."""
    y, participant, timepoint, arm = _long(values, participant, timepoint, arm)
    keep = np.isin(timepoint, timepoints) & np.isin(arm, arms)
    y, participant, timepoint, arm = y[keep], participant[keep], timepoint[keep], arm[keep]
    present_arms = [a for a in arms[1:] if np.any(arm == a)]
    if not np.any(arm == arms[0]) or not present_arms:
        raise NotTestable("too_few", what="arms", n=len(present_arms) + 1, minimum=2)
    later = [tp for tp in timepoints[1:] if np.any(timepoint == tp)]
    pairs = [(a, tp) for a in present_arms for tp in later if np.any((arm == a) & (timepoint == tp))]
    _, n, m, within_df, between_df = _checked(
        y, participant, timepoints, timepoint, len(later) + len(pairs), 1 + len(present_arms)
    )
    columns = (
        [np.ones(n)]
        + [(arm == a).astype(float) for a in present_arms]
        + [(timepoint == tp).astype(float) for tp in later]
        + [((arm == a) & (timepoint == tp)).astype(float) for a, tp in pairs]
    )
    design = np.column_stack(columns)
    if np.linalg.matrix_rank(design.T @ design) < design.shape[1]:  # the p × p cross-product: no SVD of n rows
        raise NotTestable("not_estimable", what="arms_confounded_with_timepoints")
    result, notes = _fit(y, design, participant, engine)
    first_time = 1 + len(present_arms)
    first_pair = first_time + len(later)
    return clean(
        {
            "test": "mixed_model",
            "method": "Linear mixed model, arm × time, random intercept per participant (REML)",
            "n_participants": m,
            "n_observations": n,
            "random_intercept_sd": float(np.sqrt(np.asarray(result.cov_re)[0, 0])),
            "residual_sd": float(np.sqrt(result.scale)),
            "arm_at_baseline": _terms(
                result,
                [{"arm": a, "control": arms[0]} for a in present_arms],
                range(1, first_time),
                between_df,
                conf_level,
            ),
            "time_in_control": _terms(
                result,
                [{"timepoint": tp, "reference": timepoints[0]} for tp in later],
                range(first_time, first_pair),
                within_df,
                conf_level,
            ),
            "interactions": _terms(
                result,
                [{"arm": a, "control": arms[0], "timepoint": tp, "reference": timepoints[0]} for a, tp in pairs],
                range(first_pair, first_pair + len(pairs)),
                within_df,
                conf_level,
            ),
            "engine": engine,
            "p_value_method": P_VALUE_METHOD,
            "warnings": notes,
        }
    )


def friedman(matrix) -> dict:
    """R's `friedman.test(y)`: rows are participants (complete cases only), columns are timepoints."""
    y = np.asarray(matrix, dtype=float)
    if y.ndim != 2:
        raise ValueError("a participants × timepoints matrix")
    y = y[np.all(np.isfinite(y), axis=1)]
    n, k = y.shape
    if k < 2:
        raise NotTestable("too_few", what="timepoints", n=k, minimum=2)
    if n < 1:
        raise NotTestable("too_few", what="complete_participants", n=0, minimum=1)
    ranks = stats.rankdata(y, axis=1)
    # tie groups within each row: runs of equal values once the row is sorted
    ordered = np.sort(y, axis=1)
    starts = np.ones_like(ordered, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run_ids = np.cumsum(starts.ravel())
    sizes = np.bincount(run_ids)[1:].astype(float)
    ties = float(np.sum(sizes**3 - sizes))
    denominator = n * k * (k + 1) - ties / (k - 1)
    if denominator == 0:
        raise NotTestable("no_variance", what="all_equal")
    statistic = 12 * float(np.sum((ranks.sum(axis=0) - n * (k + 1) / 2) ** 2)) / denominator
    return clean(
        {
            "test": "friedman",
            "method": "Friedman rank sum test",
            "n": n,
            "statistic_name": "Friedman chi-squared",
            "statistic": statistic,
            "df": k - 1,
            "p_value": float(stats.chi2.sf(statistic, k - 1)),
        }
    )
