"""The OpenAPI description of the results by site and by age stratum (issue 14, item 11; analysis/subgroups.py),
merged into the results schemas by api/openapi.py."""

from .openapi import integer, nullable, obj, string


def subgroup_schemas() -> dict:
    number = nullable({"type": "number"})
    cell = obj(
        {
            "n": integer(0),
            "withheld": {
                "type": "boolean",
                "description": "True under `min_cell` values: only `n` is given (a mean of so few says little and "
                "comes close to one person's answer).",
            },
            **{name: number for name in ("mean", "sd", "median", "q1", "q3", "min", "max")},
        },
        required=["n", "withheld"],
    )
    group = obj(
        {
            "key": string(
                description="The site's key (`sites`) or the age group's (`<40`, `40-64`, `65+`); `\"\"`: "
                "not recorded (enrolled before the pilot had sites)."
            ),
            "screened": nullable(
                integer(
                    0,
                    description="Checked their eligibility there (by site; null by age group: the age "
                    "group is kept only for the eligible).",
                )
            ),
            "enrolled": integer(0),
            "completed": integer(0, description="Answered at `timepoint`, as `flow.completed` counts."),
            "withdrawn": integer(0),
            "primary": nullable(
                obj(
                    {},
                    additionalProperties=cell,
                    description="By arm: the primary outcome at `timepoint`; null when it is not numeric.",
                )
            ),
        },
        required=["key", "screened", "enrolled", "completed", "withdrawn", "primary"],
    )
    return {
        "ResultsByGroup": obj(
            {
                "variable": nullable(string(description="The primary outcome.")),
                "timepoint": nullable(
                    string(
                        description="The primary contrast's: the protocol's `primary_timepoint`, else the last "
                        "timepoint measuring it (else the last one)."
                    )
                ),
                "min_cell": integer(1, description="Fewer values than this in a group × arm: only `n` is given."),
                "groups": {"type": "array", "items": group},
            },
            required=["variable", "timepoint", "min_cell", "groups"],
            description="The flow and the primary outcome per group, descriptive only (no test: the pilot was not "
            "planned to compare them).",
        )
    }
