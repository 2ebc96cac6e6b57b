"""The results as the API serves them: the cached results, with every code of the analysis given its
English sentence beside it (`message` for a warning; `reason` in words, its code in `reason_code`)."""

from flask_babel import force_locale

from . import verdict
from .verdict import PARALLEL, SINGLE  # the design's codes; analysis.comparisons would import pandas at start

# What each method note says, for API readers: the fields of the document by their names.
API_METHODS = {
    "descriptives": "sd with n − 1; quartiles by linear interpolation (R type 7); an instrument score "
    "only for participants who answered all its items; not_applicable: the participants a branching question did "
    "not apply to there (never in n, never missing; 0 for a computed score).",
    "reliability": "Cronbach's alpha of each instrument on its scored items, as its score counts them (SUS: "
    "odd items x − 1, even items 5 − x; UMUX-Lite: x − 1; WHO-5: x), on participants who "
    "answered every item; k/(k − 1) × (1 − Σ item variances / variance of the total).",
    SINGLE: "Pairs are the participants with a value at the first and the last timepoint measuring the "
    "variable; estimate = mean(last − first); paired t test; Cohen's dz = mean / sd of the "
    "differences; robustness: Wilcoxon signed-rank test (V = sum of the ranks of the positive "
    "differences last − first, zeros dropped, as R's wilcox.test(last, first, paired = TRUE)).",
    PARALLEL: "Each arm against the control (the first arm) at the last timepoint measuring the variable; "
    "estimate = mean(arm) − mean(control); Welch's t test; Hedges' g = (mean difference / "
    "pooled sd) × J, J = Γ(m/2) / (√(m/2) · Γ((m − 1)/2)), m = n1 + n2 − 2 (R's effectsize::hedges_g); "
    "robustness: Mann–Whitney test (W = U of the arm, as R's wilcox.test(arm, control)).",
    "ancova": "primary_analysis = ancova and the variable measured at the first timepoint: test = ancova, "
    "lm(outcome_last ~ arm + outcome_baseline) by OLS; estimate = the arm's coefficient, ci95, statistic (t), "
    'df (residual) and p_value from that model; adjusted_for = ["<variable>@<baseline>"]; sensitivity = the '
    "unadjusted Welch comparison at the last timepoint, in the same shape; effect_size = its Hedges' g; "
    "robustness = Mann–Whitney on the model's participants; normality = Shapiro–Wilk on the model's residuals. "
    "Secondary numeric outcomes follow the same rule.",
    "yes_no": "Yes/no outcomes: pre/post test = mcnemar (statistic = chi-square with continuity correction; "
    "exact binomial p when fewer than 25 discordant pairs, `exact`), estimate = p(last) − p(first) with "
    "Newcombe's paired score ci95; between arms test = fisher_exact or chi_square (Fisher when an expected "
    "count is below 5), estimate = risk difference arm − control with Newcombe's hybrid score ci95, "
    "odds_ratio {value, ci95} as R's fisher.test; proportions {value, ci95 (Wilson)}; means hold the "
    "proportions of yes; effect_size and robustness are null.",
    "multiarm": "More than two arms: primary_outcome.overall = Welch's ANOVA (R oneway.test; df [df1, df2]) "
    "with its robustness Kruskal–Wallis (df k − 1) at the last timepoint; primary_outcome.arm_contrasts: "
    "each arm against the control by the primary analysis, Holm-adjusted (p_adjusted); the primary contrast "
    "is the protocol's primary_arm (empty: the second arm listed).",
    "effect_sizes": "effect_size.ci95: noncentral-t interval, as R's effectsize (cohens_d paired for "
    "cohens_dz, hedges_g between arms).",
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
    "missing_data_sensitivity": "attrition: per arm, randomised (allocated, erased answers included: they are "
    "lost), completed (with the primary outcome at the last timepoint measuring it), lost, proportion_lost with "
    "its Wilson ci95; test: Fisher's exact or chi-square (Yates) on lost × completed, as for categorical "
    "outcomes (one group: reason one_group). primary_outcome.missing_data_sensitivity: the primary analysis "
    "(paired t, Welch or ANCOVA) on every participant randomised to the compared arms whose answers were not "
    "erased (n_randomised), under a stated assumption: baseline_carried_forward (the first value of the "
    "outcome stands for a missing last one: no change) and multiple_imputation (missing at random given the "
    "arm and the first value: statsmodels MICEData, predictive mean matching, 20 imputations after 10 "
    "burn-in cycles, 2 cycles apart, seeded with the study id; pooled by Rubin's rules, df by Barnard & "
    "Rubin). Numeric outcomes only.",
}

API_METHODS.update(
    {
        "primary_timepoint": "The protocol's primary_timepoint declares the timepoint of the primary contrast "
        "(primary_outcome.declared_timepoint): the primary variable is compared there instead of at the last "
        "timepoint measuring it (single group: first → declared; parallel groups: the arms at the declared "
        "timepoint, ANCOVA adjusted for the first), and so are its other arms' contrasts, the overall test, "
        "attrition and the missing-data and without-exclusions sensitivity analyses. Secondary variables keep the "
        "last timepoint; longitudinal (three timepoints or more) still models every timepoint.",
        "multiarm_contrasts": "More than two arms, a yes/no primary outcome: primary_outcome.arm_contrasts, each arm "
        "against the control by the primary analysis, Holm-adjusted (p_adjusted); no overall test (no "
        "primary_outcome.overall).",
        "attrition_test": "attrition: per arm, randomised, completed, lost, proportion_lost with its Wilson ci95; "
        "test: Fisher's exact or chi-square (Yates) on lost × completed. The primary analysis was not re-run on "
        "every participant randomised (see the reasons in primary_outcome.missing_data_sensitivity).",
        "missing_data_imputation": "primary_outcome.missing_data_sensitivity: the primary analysis on every "
        "participant randomised to the compared arms, by baseline_carried_forward and multiple_imputation (as "
        "under missing_data_sensitivity); attrition was not compared between arms (attrition.test.reason).",
    }
)

API_METHODS["data_quality"] = (
    "data_quality counts the responses flagged: straight_lining (one same answer to every item of an instrument of "
    "at least 3 items), too_fast (submitted less than 2 seconds per answer after the survey was started: the page's "
    "first display, the draft's first save, or the API's started_at; untimed responses are never flagged), "
    "out_of_range (a number outside its question's plausible_min..plausible_max). Flags exclude nothing: the "
    "registered analysis runs on all data; primary_outcome.without_exclusions is the same analysis without the "
    "responses the owner organisation or a coordinator excluded with a reason (null when none is), with "
    "excluded_responses and excluded_participants; each secondary entry's without_exclusions is its comparison "
    "run again the same way (the secondary family re-run on the kept answers, p_adjusted within it)."
)


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
        if isinstance(out.get("attrition"), dict):
            out["attrition"] = out["attrition"] | {"test": _reason(out["attrition"].get("test") or {})}
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
    if isinstance(out.get("effect_size"), dict):
        out["effect_size"] = _reason(out["effect_size"])
    if isinstance(out.get("overall"), dict):
        out["overall"] = _reason(out["overall"])
        if isinstance(out["overall"].get("robustness"), dict):
            out["overall"]["robustness"] = _reason(out["overall"]["robustness"])
    if isinstance(out.get("sensitivity"), dict):
        out["sensitivity"] = _entry(out["sensitivity"], results, names)
    if isinstance(out.get("without_exclusions"), dict):
        out["without_exclusions"] = _entry(out["without_exclusions"], results, names)
    if isinstance(out.get("longitudinal"), dict):
        out["longitudinal"] = _longitudinal(out["longitudinal"], results, names)
    if "warnings" in out:
        out["warnings"] = [_warning(w, results, names) for w in out["warnings"] or []]
    if isinstance(out.get("missing_data_sensitivity"), list):
        out["missing_data_sensitivity"] = [_reason(line) for line in out["missing_data_sensitivity"]]
    return out


def _variable(variable: dict) -> dict:
    alphas = variable.get("cronbach_alpha")
    if not alphas:
        return variable
    return variable | {"cronbach_alpha": {tp: _reason(alpha) for tp, alpha in alphas.items()}}


# --- Three or more timepoints (analysis.repeated) ----------------------------------------------------------

API_METHODS["longitudinal"] = (
    "Numeric variables measured at 3 or more timepoints: the outcome entry gains `longitudinal`, a supportive "
    "analysis (role = supportive; the registered contrast stays the primary): model = a linear mixed model, random "
    "intercept per participant, REML (nlme::lme(y ~ factor(time), random = ~ 1 | participant); parallel groups "
    "y ~ arm * factor(time), control = the first arm, fitted on every arm, the entry keeping its own arm's terms). "
    "Single group: contrasts = each later timepoint minus the first. Parallel groups: time_in_control, "
    "arm_at_baseline and interactions (the arm's change from the first timepoint minus the control's). Each term: "
    "estimate, se, ci95 (estimate ± t quantile × se), statistic (t), df and p_value on nlme's df (within-participant "
    "terms: observations − participants − within columns; arm terms: participants − between columns), p_value_z "
    "the Wald z. Every available value enters (missing at random). friedman: R's friedman.test on complete cases "
    "(n), single group only; with parallel groups reason_code not_for_parallel_groups."
)


def _longitudinal(analysis: dict, results: dict, names: dict) -> dict:
    """The supportive analysis over every timepoint, its reasons and warnings in words."""
    out = dict(analysis)
    for key in ("model", "friedman"):
        if isinstance(out.get(key), dict):
            out[key] = _reason(out[key])
            if "warnings" in out[key]:
                out[key]["warnings"] = [_warning(w, results, names) for w in out[key]["warnings"] or []]
    return out


# --- issue 13, item 5: intervals of the descriptives, Benjamini–Hochberg for the secondary families ---
API_METHODS.update(
    {
        "secondary_benjamini_hochberg": "Secondary outcomes are exploratory: p_adjusted is the Benjamini–Hochberg "
        "adjustment across them (R's p.adjust(p, \"BH\")), as the protocol's secondary_adjustment registered; "
        "adjustment names it; supported_after_adjustment follows p_adjusted, supported_after_holm follows Holm's "
        "adjustment of the same family.",
        "categorical_benjamini_hochberg": "Choice and yes/no questions by arm (parallel groups only): Pearson's "
        "chi-square with Yates' correction on 2 × 2 tables, or Fisher's exact test (two-sided, as R) when an "
        "expected count is below 5; exploratory, Benjamini–Hochberg-adjusted among themselves (p_adjusted, "
        "adjustment). Multiple-choice and text answers are described, never tested.",
        "descriptive_intervals": "median_ci95: distribution-free interval of the median from order statistics, "
        'k = qbinom(0.025, n, 1/2), [x(k), x(n − k + 1)] (DescTools::MedianCI(method = "exact")), reaching '
        "median_ci_level ≥ 0.95; null below 6 values. nps.ci95: adjusted Wald (Rocks 2016: n + 3, ¾ added to "
        "promoters and detractors), in NPS points. cronbach_alpha.<timepoint>.ci95: Feldt, 1 − (1 − α)·F on "
        "n − 1 and (n − 1)(k − 1) df.",
    }
)

# --- issue 13, items 2 and 8: yes/no effect sizes in `categorical`, the extreme cases of a yes/no primary ---
_EXTREME_CASES = (
    "primary_outcome.missing_data_sensitivity of a yes/no primary outcome: the primary analysis on every "
    "participant randomised to the compared arms whose answers were not erased (n_randomised), each missing answer "
    "counted the way that makes the estimate largest (assumption extreme_case_upper: between arms yes in the arm "
    "and no in the control; pre/post no at the first timepoint and yes at the last), then smallest "
    "(extreme_case_lower: the reverse); imputed_as gives each arm's or timepoint's imputed answer (true = yes), "
    "imputed the participants with an answer imputed; test is the primary test on the completed table "
    "(fisher_exact or chi_square with odds_ratio, or mcnemar); estimate and ci95 as for the primary outcome. "
    "Whatever the missing answers were, the estimate on every participant randomised lies between the two."
)
API_METHODS.update(
    {
        "categorical_yes_no": "Each yes/no entry of categorical also gives estimate = the risk difference arm − "
        "control (proportions of yes) with Newcombe's hybrid score ci95 (ci_method), odds_ratio {value, ci95} as "
        "R's fisher.test (conditional MLE, exact interval; null = unbounded) and proportions {arm, control} with "
        "Wilson intervals, as a yes/no outcome; null when the test did not run. Only p_adjusted is adjusted for "
        "multiplicity: the intervals are not.",
        "missing_data_extreme_cases": "attrition: per arm, randomised, completed, lost, proportion_lost with its "
        "Wilson ci95; test: Fisher's exact or chi-square (Yates) on lost × completed. " + _EXTREME_CASES,
        "extreme_cases": _EXTREME_CASES + " Attrition was not compared between arms (attrition.test.reason).",
    }
)
