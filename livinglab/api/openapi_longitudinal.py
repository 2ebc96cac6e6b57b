"""The OpenAPI description of `longitudinal` in an outcome entry (issue 13 item 4, analysis.repeated): the
supportive analysis of a variable measured at three timepoints or more. Merged by api/openapi.py
(results_schemas), built from its helpers."""

from .openapi import array, enum, integer, nullable, obj, string


def longitudinal() -> dict:
    number = nullable({"type": "number"})
    interval = nullable(array(number, min_items=2, max_items=2))
    term = {
        "estimate": number,
        "se": number,
        "ci95": interval,
        "statistic": number,
        "df": number,
        "p_value": number,
        "p_value_z": number,
    }
    reasons = {
        "reason": nullable(string(description="Why it did not run, in words.")),
        "reason_code": obj({"code": string()}, description="The reason's code and numbers."),
    }
    later = {"timepoint": string(), "reference": string()}
    versus = {"arm": string(), "control": string()}
    return obj(
        {
            "role": enum(("supportive",), description="The registered contrast stays the primary analysis."),
            "timepoints": array(string(), description="The timepoints measuring the variable, in protocol order."),
            "reference": string(description="The first of them, against which each later one is compared."),
            "n_participants": integer(0, description="Participants with at least one value at these timepoints."),
            "n_complete": integer(0, description="Participants with a value at every one of them."),
            "model": obj(
                {
                    "test": enum(("mixed_model",)),
                    "method": string(),
                    "n_participants": integer(0),
                    "n_observations": integer(0),
                    "random_intercept_sd": number,
                    "residual_sd": number,
                    "contrasts": array(
                        obj(later | term),
                        description="Single group: each later timepoint minus the reference, as lme(y ~ factor(time), "
                        "random = ~ 1 | participant) (REML).",
                    ),
                    "arms": array(string(), description="Parallel groups: the arms the model was fitted on."),
                    "time_in_control": array(
                        obj(later | term), description="Parallel groups: the control arm's change from the reference."
                    ),
                    "arm_at_baseline": array(
                        obj(versus | term),
                        description="Parallel groups: this entry's arm minus the control at the reference.",
                    ),
                    "interactions": array(
                        obj(versus | later | term),
                        description="Parallel groups: this entry's arm × time terms of y ~ arm * factor(time), the arm's "
                        "change from the reference minus the control's.",
                    ),
                    "engine": string(),
                    "p_value_method": string(),
                    "p_value": {"type": "null", "description": "Null; each term carries its own p_value."},
                    "warnings": array(obj({"code": string(), "message": string()})),
                    **reasons,
                },
                required=["test"],
            ),
            "friedman": obj(
                {
                    "test": enum(("friedman",)),
                    "method": string(),
                    "n": integer(0, description="Complete cases: participants with a value at every timepoint."),
                    "statistic_name": string(),
                    "statistic": number,
                    "df": integer(1),
                    "p_value": number,
                    "timepoints": array(string()),
                    **reasons,
                },
                required=["test", "p_value"],
                description="Single group: R's friedman.test on complete cases; parallel groups: not run "
                "(reason_code not_for_parallel_groups).",
            ),
        },
        required=["role", "timepoints", "reference", "model", "friedman"],
        description="Numeric variables measured at 3 or more timepoints: the supportive analysis over every "
        "timepoint (linear mixed model, random intercept per participant, REML, t tests on nlme's df; Friedman's "
        "test on complete cases in a single group).",
    )
