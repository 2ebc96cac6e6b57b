"""The OpenAPI description of issue 13, item 5 (merged by api/openapi.py): the intervals added to the
results' descriptives, the secondary families' `adjustment`, and correlations on request."""

from .openapi import (
    NOT_APPROVED,
    RESULTS_READERS,
    array,
    enum,
    errors,
    integer,
    nullable,
    obj,
    operation,
    query,
    ref,
    string,
    study_path,
)

ADJUSTMENTS = ("holm", "benjamini_hochberg")


def _interval(description: str) -> dict:
    return nullable(array({"type": "number"}, min_items=2, max_items=2, description=description))


def extended(schemas: dict) -> dict:
    """The results' schemas with the keys this item adds (nothing else changes)."""
    summary = schemas["Summary"]["properties"]
    summary["median_ci95"] = _interval(
        "Numeric variables: the median's distribution-free 95 % interval, order statistics k and n − k + 1 with "
        'k = qbinom(0.025, n, 1/2) (DescTools::MedianCI, method "exact"); null below 6 values.'
    )
    summary["median_ci_level"] = nullable(
        {"type": "number", "description": "The level `median_ci95` reaches (at least 0.95)."}
    )
    summary["nps"] = obj(
        {
            "score": {"type": ["number", "null"]},
            "promoters": integer(0),
            "passives": integer(0),
            "detractors": integer(0),
            "ci95": _interval("The NPS's adjusted-Wald 95 % interval (Rocks 2016), in NPS points (−100..100)."),
            "ci_method": enum(("adjusted_wald",)),
        },
        description="NPS questions: the Net Promoter Score (% promoters − % detractors) and its interval.",
    )
    alpha = schemas["VariableResults"]["properties"]["cronbach_alpha"]["additionalProperties"]["properties"]
    alpha["k"] = integer(0)
    alpha["ci95"] = _interval("Feldt's 95 % interval: 1 − (1 − α)·F on n − 1 and (n − 1)(k − 1) df.")
    alpha["ci_method"] = enum(("feldt",))
    schemas["SecondaryOutcome"] = {
        "allOf": [
            ref("Outcome"),
            obj(
                {
                    "p_adjusted": {"type": ["number", "null"]},
                    "adjustment": enum(
                        ADJUSTMENTS,
                        description="The protocol's `secondary_adjustment`: Holm (R's p.adjust \"holm\") or "
                        'Benjamini–Hochberg ("BH").',
                    ),
                    "supported_after_holm": nullable({"type": "boolean"}),
                    "supported_after_adjustment": nullable(
                        {"type": "boolean", "description": "As `supported`, from `p_adjusted`."}
                    ),
                    "without_exclusions": {
                        "anyOf": [ref("SecondaryWithoutExclusions"), {"type": "null"}],
                        "description": "This comparison run again without the responses excluded with a reason "
                        "(data quality): the secondary family re-run on the kept answers, `p_adjusted` within it; "
                        "null when none is excluded. The values above always use every response.",
                    },
                },
                required=["p_adjusted"],
            ),
        ],
        "description": "Exploratory; `p_adjusted` is the adjustment named in `adjustment` across them "
        "(Holm unless the protocol registered Benjamini–Hochberg).",
    }
    schemas["SecondaryWithoutExclusions"] = {
        "allOf": [
            ref("Outcome"),
            obj(
                {
                    "p_adjusted": {"type": ["number", "null"]},
                    "excluded_responses": integer(1),
                    "excluded_participants": integer(1),
                },
                required=["p_adjusted", "excluded_responses", "excluded_participants"],
            ),
        ],
    }
    schemas["Results"]["properties"]["categorical"]["description"] += (
        " Each carries `p_adjusted` and `adjustment`, as the secondary outcomes."
    )
    schemas.update(correlation_schemas())
    return schemas


def correlation_schemas() -> dict:
    number = {"type": ["number", "null"]}
    measure = obj(
        {
            "measure": string(description="`<variable>@<timepoint>`"),
            "variable": string(),
            "timepoint": string(),
            "label": string(),
        },
        required=["measure", "variable", "timepoint"],
    )
    reason = {
        "reason": nullable(string(description="Why it could not be computed (too few pairs, no variation).")),
        "reason_code": obj({"code": string()}, description="The reason's code and numbers, when there is one."),
    }
    return {
        "Correlation": obj(
            {
                "study_id": integer(),
                "x": measure,
                "y": measure,
                "n": integer(0, description="Participants with both measures (all arms together)."),
                "exploratory": {"type": "boolean", "const": True},
                "pearson": obj(
                    {
                        "test": enum(("pearson",)),
                        "estimate": number,
                        "ci95": _interval("Fisher's z interval, as R's cor.test (from 4 pairs)."),
                        "statistic": number,
                        "df": number,
                        "p_value": number,
                        "n": integer(0),
                        **reason,
                    },
                    required=["test", "estimate", "p_value"],
                ),
                "spearman": obj(
                    {
                        "test": enum(("spearman",)),
                        "estimate": number,
                        "statistic": {**number, "description": "S = (n³ − n)(1 − rho)/6, as R prints it."},
                        "exact": {"type": "boolean", "description": "R's exact p (AS 89): no ties and n ≤ 1290."},
                        "ties": {"type": "boolean"},
                        "p_value": number,
                        "n": integer(0),
                        **reason,
                    },
                    required=["test", "estimate", "p_value"],
                ),
            },
            required=["study_id", "x", "y", "n", "exploratory", "pearson", "spearman"],
        )
    }


def paths() -> dict:
    measure = string(
        200, description="`<variable>@<timepoint>`: a numeric variable or instrument score at a timepoint."
    )
    return {
        "/studies/{study_id}/results/correlation": study_path(
            get=operation(
                "get_results_correlation",
                "Correlation of two numeric measures, on request (exploratory)",
                tag="results",
                ok=(
                    200,
                    "Pearson's r (t test, Fisher's z interval) and Spearman's rho (R's exact p without ties up to "
                    "1290 pairs, else the t approximation), as R's cor.test, over the participants with both "
                    "measures. Exploratory: not in the registered analysis, not adjusted.",
                    ref("Correlation"),
                ),
                errors=errors(
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    e400="`malformed`: a measure longer than 200 characters or with control characters (CR, LF).",
                    e409=NOT_APPROVED,
                    e422="`invalid_measures`: `x` or `y` missing, not a numeric measure of the study (text and "
                    "choice questions are not correlated), or the same twice; `fields` says which.",
                ),
                parameters=[
                    {**query("x", measure, "The first measure."), "required": True},
                    {**query("y", measure, "The second measure."), "required": True},
                ],
                description=RESULTS_READERS,
            )
        )
    }
