"""The one way a statistical test declines to run, and every code the analysis speaks in.

The analysis says nothing in words: each reason (why a test did not run) and each warning is a
stable code with the numbers behind it, e.g. `{"code": "too_few_pairs", "n": 1, "minimum": 2}`.
`livinglab.results.verdict` turns them into sentences in the reader's language."""

# Why a test did not run: the `reason` of an outcome, a robustness test, a normality check, an
# alpha, a contingency test or a variable not compared. Named numbers beside each code.
REASONS = {
    # pre/post comparisons
    "too_few_pairs": ("n", "minimum"),
    "no_pairs": (),
    "no_change": (),  # every difference is zero
    "constant_change": (),  # every difference is the same, not zero
    # between arms
    "too_few_per_arm": ("arm_n", "control_n", "minimum"),
    "empty_group": ("arm_n", "control_n"),
    "all_equal_in_arms": (),
    "no_control": (),
    # the design and the variables
    "unknown_design": ("design",),
    "one_timepoint": ("timepoint",),
    "not_measured": (),
    "primary_not_measured": ("variable",),
    "primary_not_numeric": ("variable", "type"),
    # normality
    "normality_sample_size": ("n", "minimum", "maximum"),
    "all_equal": (),
    # Cronbach's alpha
    "too_few_items": ("k", "minimum"),
    "too_few_complete": ("n", "minimum"),
    "same_total": (),
    # contingency tables
    "no_answers": (),
    "too_few_arms_answered": (),
    "same_answer": (),
    # the further statistics (issue 13): coarse codes, the numbers in `n`, `minimum`, ... where known
    "too_few": (),
    "no_variance": (),
    "not_estimable": (),
    "no_discordant_pairs": (),
    "not_testable": (),
    # three or more timepoints (analysis.repeated)
    "not_for_parallel_groups": (),
    # missing data (issue 13, item 8)
    "one_group": (),  # attrition: one group, nothing to compare it with
    "no_baseline": ("variable",),  # measured once: nothing to carry forward or to impute from
    "outcome_not_numeric": ("type",),  # the sensitivity analyses cover numeric outcomes
}

# What to read with care: each warning is {"code": ..., and the numbers behind it}.
WARNINGS = {
    "no_data": (),
    "empty_arm": ("arm",),
    "primary_not_tested": ("variable",),
    "exploratory": (),
    "not_normal": ("variable", "comparison", "p_value"),
    "missing_data": ("variable", "comparison", "n"),
    "tests_disagree": ("variable", "comparison", "alpha"),
    "approximation": ("variable", "comparison", "expected_min"),
    # the further statistics (issue 13)
    "approximate_p_value": (),
    "not_converged": (),
    "boundary_fit": (),
}


class NotTestable(ValueError):
    """The data cannot support this test: a code from REASONS and the numbers that say why."""

    def __init__(self, code: str = "not_testable", **details):
        if code not in REASONS:
            raise KeyError(f"unknown reason code {code!r}")
        super().__init__(code, details)
        self.code = code
        self.details = details

    @property
    def reason(self) -> dict:
        """The reason as the results carry it: {"code": ..., **numbers}."""
        return {"code": self.code, **self.details}

    def __str__(self) -> str:
        return f"{self.code} {self.details}" if self.details else self.code


def reason(code: str, **details) -> dict:
    """A reason without an exception, for the places that decline before calling a test."""
    return NotTestable(code, **details).reason


def warning(code: str, **details) -> dict:
    if code not in WARNINGS:
        raise KeyError(f"unknown warning code {code!r}")
    return {"code": code, **details}
