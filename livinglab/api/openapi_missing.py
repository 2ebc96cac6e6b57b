"""The OpenAPI description of the results' missing-data figures (issue 13, item 8; analysis/missing_data.py),
merged into the results schemas by api/openapi.py."""

from .openapi import array, enum, integer, nullable, obj, string

ASSUMPTIONS = ("baseline_carried_forward", "multiple_imputation", "extreme_case_upper", "extreme_case_lower")


def missing_schemas() -> dict:
    number = nullable({"type": "number"})
    interval = nullable(array(number, min_items=2, max_items=2))
    reason = {
        "reason": nullable(string(description="Why it was not computed, in words (null when it was).")),
        "reason_code": obj(
            {"code": string()},
            description="The reason's code and numbers (`one_group`, `no_baseline`, "
            "`outcome_not_numeric`, `too_few`, `not_estimable`, ...).",
        ),
    }
    return {
        "Attrition": obj(
            {
                "variable": nullable(string(description="The primary outcome; null when no survey measures it.")),
                "timepoint": nullable(
                    string(
                        description="The primary contrast's: the protocol's `primary_timepoint`, else the last "
                        "timepoint measuring it."
                    )
                ),
                "by_arm": obj(
                    {},
                    additionalProperties=obj(
                        {
                            "randomised": integer(0, description="Allocated to the arm (`flow.allocated`)."),
                            "completed": integer(0, description="With the primary outcome at `timepoint`."),
                            "lost": integer(0, description="`randomised` − `completed`: without it (erased included)."),
                            "erased": integer(
                                0, description="Of `lost`, those who withdrew and had their answers erased."
                            ),
                            "proportion_lost": number,
                            "ci95": interval,
                        },
                        required=["randomised", "completed", "lost", "proportion_lost", "ci95"],
                    ),
                ),
                "test": obj(
                    {
                        "test": enum(("fisher_exact", "chi_square")),
                        "statistic": number,
                        "df": number,
                        "p_value": number,
                        **reason,
                    },
                    required=["p_value"],
                    description="Do the arms lose participants alike: Fisher's exact test, or the chi-square test with "
                    "Yates' correction when every expected count is at least 5, on lost × completed. One group: "
                    "`p_value` null, `reason_code` `one_group`.",
                ),
            },
            required=["variable", "timepoint", "by_arm", "test"],
            description="Attrition per arm on the primary outcome. While the study runs (`interim`), participants who "
            "have not reached `timepoint` yet count as lost until they answer.",
        ),
        "MissingDataSensitivity": obj(
            {
                "assumption": enum(
                    ASSUMPTIONS,
                    description="`baseline_carried_forward`: a missing last value is the first one (no change); "
                    "`multiple_imputation`: missing at random given the arm and the first value (statsmodels MICE, "
                    "predictive mean matching), pooled by Rubin's rules (df by Barnard & Rubin). A yes/no primary "
                    "outcome: `extreme_case_upper` and `extreme_case_lower`, each missing answer counted the way "
                    "that makes the estimate largest, then smallest (`imputed_as`); the estimate on every "
                    "participant randomised lies between the two, whatever the missing answers were.",
                ),
                "test": nullable(
                    enum(
                        ("paired_t", "welch_t", "ancova", "fisher_exact", "chi_square", "mcnemar"),
                        description="The primary analysis, repeated (yes/no: the test the completed table calls for).",
                    )
                ),
                "imputed_as": obj(
                    {},
                    additionalProperties={"type": "boolean"},
                    description="Extreme cases: the answer given to the missing ones (true = yes), by arm (between "
                    "arms) or by timepoint (before/after).",
                ),
                "odds_ratio": obj(
                    {"value": number, "ci95": interval},
                    description="Extreme cases between arms: the odds ratio of the completed table, as R's "
                    "fisher.test (null = unbounded).",
                ),
                "n_randomised": integer(
                    0, description="Randomised to the compared arms, answers not erased (never answered included)."
                ),
                "n": integer(0, description="Participants in this analysis."),
                "imputed": integer(0, description="Of `n`, those with a value carried forward or imputed."),
                "estimate": number,
                "ci95": interval,
                "statistic": number,
                "df": number,
                "p_value": number,
                "supported": nullable({"type": "boolean"}),
                "imputations": integer(0, description="Multiple imputation: how many (0 when nothing was missing)."),
                "seed": integer(0, description="Multiple imputation: the random seed, the study's id."),
                "method": enum(("mice_pmm",)),
                **reason,
            },
            required=["assumption", "test", "n_randomised", "n", "imputed", "estimate", "ci95", "p_value", "reason"],
            description="The primary analysis on every randomised participant under a stated assumption about the "
            "missing values (numeric outcomes), or under the extreme cases (yes/no outcomes).",
        ),
    }


def categorical_schema() -> dict:
    """One entry of the results' `categorical`: a choice or yes/no question, an arm against the control."""
    number = nullable({"type": "number"})
    interval = nullable(array(number, min_items=2, max_items=2))
    proportion = obj({"n": integer(0), "count": integer(0), "value": number, "ci95": interval, "ci_method": string()})
    return obj(
        {
            "variable": string(),
            "label": nullable(string()),
            "type": enum(("single_choice", "yes_no")),
            "comparison": string(),
            "timepoints": array(string()),
            "arms": array(string(), min_items=2, max_items=2, description="[control, arm]."),
            "n": integer(0),
            "table": obj({}, additionalProperties=obj({}, additionalProperties=integer(0))),
            "test": nullable(enum(("fisher_exact", "chi_square"))),
            "statistic": number,
            "df": number,
            "p_value": number,
            "estimate": {
                **number,
                "description": "Yes/no only: the risk difference arm − control (proportions of yes), as for a "
                "yes/no outcome; null when the test did not run. Absent for choice questions.",
            },
            "ci95": {
                **interval,
                "description": "Yes/no: Newcombe's hybrid score 95 % interval of `estimate`, not adjusted for "
                "multiplicity (only `p_adjusted` is).",
            },
            "ci_method": nullable(enum(("newcombe_hybrid_score",))),
            "odds_ratio": nullable(
                obj(
                    {"value": number, "ci95": interval},
                    description="Yes/no: the conditional maximum-likelihood odds ratio arm vs control and its exact "
                    "interval (R's fisher.test; null = unbounded), not adjusted for multiplicity.",
                )
            ),
            "proportions": nullable(obj({"arm": proportion, "control": proportion})),
        },
        required=["variable", "type", "comparison", "arms", "n", "table", "test", "p_value"],
    )
