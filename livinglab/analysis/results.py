"""The whole results dict of ../shared/API.md (Results), JSON-safe: numbers and codes, no sentences."""

import pandas as pd

from .categorical import contingency_test
from .comparisons import PARALLEL, SINGLE, compare, empty_outcome, supported
from .descriptives import describe_all
from .errors import NotTestable, reason, warning
from .flow import consort
from .jsonsafe import clean
from .multiplicity import holm
from .variables import by_participant, catalogue, is_numeric, long_frame, roster, text_answers, wide_numbers

# The method notes that apply, by key: results.verdict words them for the pages, results.document for the API.
METHOD_NOTES = (
    "descriptives",
    "reliability",
    SINGLE,
    PARALLEL,
    "rank_tests",
    "normality",
    "secondary",
    "categorical",
    "missing_data",
)


def build_results(frame: pd.DataFrame | None, study: dict, counts: dict | None = None) -> dict:
    """The API's results dict from the loader's frame, the study as plain data and the flow tallies."""
    # study: {id, design, arms, timepoints, surveys ({timepoint: [item, ...]} or [{timepoint, items}]),
    # primary_outcome {variable, hypothesis}, alpha}; counts: see flow.consort
    design = study.get("design")
    arms, timepoints = list(study.get("arms") or []), list(study.get("timepoints") or [])
    alpha = float(study.get("alpha") or 0.05)
    frame = long_frame(frame)
    frame = frame[frame["timepoint"].isin(timepoints)]
    variables = catalogue(study.get("surveys"), timepoints)
    wide = wide_numbers(frame, variables)
    panel = by_participant(wide)
    who = roster(frame)

    spec = study.get("primary_outcome") or {}
    primary_key = spec.get("variable")
    primary = _primary(panel, who, variables, spec, design, arms, alpha)
    secondary, not_compared = _secondary(panel, who, variables, primary_key, design, arms, alpha)
    categorical = _categorical(frame, variables, design, arms)
    analysed = _analysed([primary] + [s for s in secondary if s["variable"] == primary_key], design, arms)
    return clean(
        {
            "study_id": study.get("id"),
            "flow": consort(counts, frame, arms, timepoints, analysed),
            "variables": describe_all(variables, wide, frame, arms),
            "primary_outcome": primary,
            "secondary": secondary,
            "categorical": categorical,
            "not_compared": not_compared,
            "warnings": _warnings(frame, who, design, arms, primary, secondary, categorical),
            "methods": [key for key in METHOD_NOTES if key not in (SINGLE, PARALLEL) or key == design],
        }
    )


def _primary(panel, who, variables, spec, design, arms, alpha) -> dict:
    key = spec.get("variable")
    hypothesis = spec.get("hypothesis") or "change"
    variable = variables.get(key)
    if variable is None or not is_numeric(variable):
        stand_in = variable or {"key": key, "label": key, "type": None}
        entry = empty_outcome(stand_in, design, hypothesis, alpha)
        # only numbers, Likert, NPS and instrument scores are compared with a t test
        entry["reason"] = (
            reason("primary_not_measured", variable=key)
            if variable is None
            else reason("primary_not_numeric", variable=key, type=variable["type"])
        )
        return entry
    return compare(panel, _in_arms(who, design, arms, None), variable, design, arms, hypothesis=hypothesis, alpha=alpha)


def _analysed(entries: list[dict], design: str | None, arms: list[str]) -> dict[str, int]:
    """Per arm, the participants whose data enter the comparisons of the primary outcome."""
    analysed = dict.fromkeys(arms, 0)
    for entry in entries:
        if design == SINGLE and arms:
            analysed[arms[0]] = entry["n"]
        else:
            analysed.update({arm: n for arm, n in entry["n_by_group"].items() if arm in analysed})
    return analysed


def _in_arms(who: pd.Series, design: str, arms: list[str], arm) -> pd.Series:
    if design != PARALLEL or len(arms) < 2:
        return who
    return who[who.isin([arms[0], arm or arms[1]])]


def _secondary(panel, who, variables, primary_key, design, arms, alpha) -> tuple[list, list]:
    entries, not_compared = [], []
    for key, variable in variables.items():
        if not is_numeric(variable):
            continue
        if design == SINGLE:
            if key == primary_key:
                continue
            if len(variable["timepoints"]) < 2:
                not_compared.append(
                    {
                        "variable": key,
                        "label": variable["label"],
                        "reason": reason("one_timepoint", timepoint=variable["timepoints"][0]),
                    }
                )
                continue
            entries.append(compare(panel, who, variable, design, arms, alpha=alpha, exploratory=True))
        elif design == PARALLEL:
            for arm in arms[1:]:
                if key == primary_key and arm == arms[1]:
                    continue
                entries.append(
                    compare(
                        panel,
                        _in_arms(who, design, arms, arm),
                        variable,
                        design,
                        arms,
                        arm=arm,
                        alpha=alpha,
                        exploratory=True,
                    )
                )
    _adjust(entries)
    return entries, not_compared


def _adjust(entries: list[dict]) -> None:
    """Holm across the family, written into each entry."""
    for entry, p in zip(entries, holm([e["p_value"] for e in entries]), strict=True):
        entry["p_adjusted"] = p
        if "estimate" in entry:
            entry["supported_after_holm"] = supported(p, entry["estimate"], entry["hypothesis"], entry["alpha"])


def _categorical(frame, variables, design, arms) -> list[dict]:
    if design != PARALLEL or len(arms) < 2:
        return []
    entries = []
    for key, variable in variables.items():
        if variable["type"] not in ("single_choice", "yes_no") or not variable["timepoints"]:
            continue
        timepoint = variable["timepoints"][-1]
        rows = text_answers(frame, key)
        rows = rows[rows["timepoint"] == timepoint]
        answer = rows["number"].map({1.0: "yes", 0.0: "no"}) if variable["type"] == "yes_no" else rows["text"]
        for arm in arms[1:]:
            group = [arms[0], arm]
            table = pd.crosstab(rows["arm"], answer).reindex(index=group, columns=variable["choices"], fill_value=0)
            entry = {
                "variable": key,
                "label": variable["label"],
                "type": variable["type"],
                "comparison": f"{arm} vs {arms[0]} at {timepoint}",
                "timepoints": [timepoint],
                "arms": group,
                "exploratory": True,
                "n": int(table.to_numpy().sum()),
                "table": {a: {c: int(table.loc[a, c]) for c in table.columns} for a in group},
                "test": None,
                "method": None,
                "statistic": None,
                "df": None,
                "p_value": None,
                "reason": None,
                "warnings": [],
            }
            try:
                entry.update(contingency_test(table.to_numpy()))
            except NotTestable as refusal:
                entry["reason"] = refusal.reason
            entry["warnings"] = [
                found | {"variable": key, "comparison": entry["comparison"]} for found in entry["warnings"]
            ]
            entries.append(entry)
    _adjust(entries)
    return entries


def _warnings(frame, who, design, arms, primary, secondary, categorical) -> list[dict]:
    found = []
    if not len(frame):
        found.append(warning("no_data"))
    if design == PARALLEL:
        for arm in arms:
            if not (who == arm).any():
                found.append(warning("empty_arm", arm=arm))
    if primary["reason"]:
        found.append(warning("primary_not_tested", variable=primary["variable"], reason=primary["reason"]))
    for entry in [primary] + secondary + categorical:
        found.extend(entry["warnings"])
    if secondary or categorical:
        found.append(warning("exploratory", n=len(secondary) + len(categorical)))
    return found
