"""The whole results dict of ../shared/API.md (Results), JSON-safe: numbers and codes, no sentences."""

import numpy as np
import pandas as pd

from . import not_applicable
from .binary import EFFECTS, table_effects
from .categorical import contingency_test
from .comparisons import PARALLEL, SINGLE, compare, compare_adjusted, empty_outcome, supported
from .data_quality import Assessment
from .descriptives import describe_all
from .errors import NotTestable, reason, warning
from .false_discovery import BENJAMINI_HOCHBERG, HOLM, adjusted
from .flow import consort
from .jsonsafe import clean
from .missing_data import BCF, LOWER, MI, UPPER, attrition_of, sensitivity
from .multiarm import kruskal_wallis, welch_anova
from .multiplicity import holm
from .repeated import add_longitudinal
from .variables import (
    by_participant,
    catalogue,
    column_at,
    declared_at,
    declared_variables,
    is_numeric,
    long_frame,
    roster,
    text_answers,
    wide_numbers,
    yes_no_panel,
)
from .yes_no import compare_yes_no

# The method notes that apply, by key: results.verdict words them for the pages, results.document for the API.
METHOD_NOTES = (
    "descriptives",
    "reliability",
    SINGLE,
    PARALLEL,
    "primary_timepoint",
    "rank_tests",
    "normality",
    "secondary",
    "categorical",
    "missing_data",
    "ancova",
    "yes_no",
    "multiarm",
    "multiarm_contrasts",
    "effect_sizes",
    "data_quality",
    "longitudinal",
    "secondary_benjamini_hochberg",
    "categorical_benjamini_hochberg",
    "descriptive_intervals",
    "missing_data_sensitivity",
    "attrition_test",
    "missing_data_imputation",
    "missing_data_extreme_cases",
    "extreme_cases",
    "categorical_yes_no",
)
ANCOVA, UNADJUSTED = "ancova", "unadjusted"


class Plan:
    """What the protocol registered about the analysis: the design, arms, alpha and which analysis is primary."""

    def __init__(self, study: dict, timepoints: list[str]):
        self.design: str = study.get("design") or ""
        self.arms = list(study.get("arms") or [])
        self.alpha = float(study.get("alpha") or 0.05)
        # a study without the field (analysed before it existed) keeps the unadjusted comparison
        self.adjusted = study.get("primary_analysis") == ANCOVA and self.design == PARALLEL
        self.baseline = timepoints[0] if timepoints else ""
        # the arm of the primary contrast, as the protocol declares it; empty (or not an arm): the second listed
        declared = study.get("primary_arm") or ""
        self.primary_arm = declared if declared in self.arms[1:] else (self.arms[1] if len(self.arms) > 1 else None)
        # the timepoint of the primary contrast, as the protocol declares it (empty: the last measuring the variable)
        self.primary_timepoint = str(study.get("primary_timepoint") or "")
        # the secondary families' adjustment (absent: Holm, as every study before the field)
        self.adjustment = BENJAMINI_HOCHBERG if study.get("secondary_adjustment") == BENJAMINI_HOCHBERG else HOLM
        self.not_applicable = None  # the loader's not-applicable answers (not_applicable.py): never missing

    def compare(self, panels, who, variable, *, arm=None, hypothesis="change", exploratory=False) -> dict:
        """One variable's comparison as the protocol registered it (ANCOVA, Welch, paired, McNemar, Fisher)."""
        numbers, yes_no = panels
        who = not_applicable.applicable(who, self.not_applicable, variable)  # no value to give: not dropped
        options = {"arm": arm, "hypothesis": hypothesis, "alpha": self.alpha, "exploratory": exploratory}
        if variable["type"] == "yes_no":
            return compare_yes_no(yes_no, who, variable, self.design, self.arms, **options)
        if self.adjusted:
            return compare_adjusted(numbers, who, variable, self.arms, self.baseline, **options)
        return compare(numbers, who, variable, self.design, self.arms, **options)


def build_results(frame: pd.DataFrame | None, study: dict, counts: dict | None = None) -> dict:
    """The API's results dict from the loader's frame, the study as plain data and the flow tallies."""
    # study: {id, design, arms, timepoints, surveys ({timepoint: [item, ...]} or [{timepoint, items}]),
    # primary_outcome {variable, hypothesis}, alpha}; counts: see flow.consort
    # primary_analysis: "ancova" | "unadjusted" (absent: unadjusted)
    # primary_arm: the arm compared with the control in the primary contrast (empty: the second arm listed)
    # primary_timepoint: the timepoint of the primary contrast (empty: the last measuring the primary variable); the
    # primary variable's comparisons (its other arms, overall test, attrition, sensitivity analyses) are made there
    design = study.get("design")
    arms, timepoints = list(study.get("arms") or []), list(study.get("timepoints") or [])
    plan = Plan(study, timepoints)
    plan.not_applicable = not_applicable.of(frame)
    frame = long_frame(frame)
    frame = frame[frame["timepoint"].isin(timepoints)]
    variables = catalogue(study.get("surveys"), timepoints)
    wide = wide_numbers(frame, variables)
    panels = (by_participant(wide), yes_no_panel(frame, variables))
    who = roster(frame)

    spec = study.get("primary_outcome") or {}
    primary_key = spec.get("variable")
    declared = declared_variables(variables, primary_key, plan.primary_timepoint)  # the primary one at its timepoint
    primary = _primary(panels, who, declared, spec, plan)
    primary["declared_timepoint"] = _declared_timepoint(variables.get(str(primary_key)), plan.primary_timepoint)
    quality = Assessment(frame, study.get("quality"))  # flags and exclusions of the responses (data_quality.py)
    primary["without_exclusions"] = quality.sensitivity(lambda kept: _primary_from(kept, study, spec, plan), frame)
    secondary, not_compared = _secondary(panels, who, declared, primary_key, plan)
    _secondary_without_exclusions(secondary, quality, frame, declared, primary_key, plan)
    _arms_family(primary, secondary, panels[0], declared, plan)
    # the mixed model over every timepoint, whatever the declared one (the full catalogue)
    add_longitudinal([primary] + secondary, panels[0], variables, plan.design, plan.arms)
    primary["missing_data_sensitivity"] = sensitivity(panels, who, declared, primary, plan, counts, study.get("id"))
    categorical = _categorical(frame, variables, design, arms, primary, plan.adjustment)
    analysed = _analysed([primary] + [s for s in secondary if s["variable"] == primary_key], design, arms)
    attrition = attrition_of(panels, who, declared, primary, plan, counts)
    return clean(
        {
            "study_id": study.get("id"),
            "flow": consort(counts, frame, arms, timepoints, analysed),
            "variables": describe_all(variables, wide, frame, arms, plan.not_applicable),
            "primary_outcome": primary,
            "secondary": secondary,
            "categorical": categorical,
            "not_compared": not_compared,
            "warnings": _warnings(frame, who, design, arms, primary, secondary, categorical),
            "methods": _methods(design, [primary] + secondary, attrition, plan.adjustment, categorical),
            "data_quality": quality.summary(),
            "attrition": attrition,
        }
    )


def _declared_timepoint(variable: dict | None, timepoint: str) -> str | None:
    """The protocol's primary_timepoint when the primary contrast is made there; None when it declares none (or
    one the primary variable is not measured at after an earlier timepoint: then the last measuring it)."""
    if variable is None or declared_at(variable, timepoint) is variable:
        return None
    return timepoint


def _methods(design, entries, attrition: dict, adjustment=HOLM, categorical=None) -> list[str]:
    """The method notes that apply, by key (the design's, ANCOVA's, yes/no's, several arms', missing data's):
    those of the methods that ran, never of one that did not."""
    primary = entries[0]
    used = {
        SINGLE: design == SINGLE,
        PARALLEL: design == PARALLEL,
        "ancova": any(e.get("test") == "ancova" for e in entries),
        "yes_no": any(e.get("type") == "yes_no" for e in entries),
        "multiarm": "overall" in primary,  # the overall test ran (numeric outcomes)
        "multiarm_contrasts": "arm_contrasts" in primary and "overall" not in primary,  # yes/no: contrasts only
        "longitudinal": any("longitudinal" in e for e in entries),
        "primary_timepoint": bool(primary.get("declared_timepoint")),
        "secondary": adjustment == HOLM,
        "categorical": adjustment == HOLM,
        "secondary_benjamini_hochberg": adjustment == BENJAMINI_HOCHBERG,
        "categorical_benjamini_hochberg": adjustment == BENJAMINI_HOCHBERG,
        **_missing_data_notes(primary, attrition),
        "categorical_yes_no": any(e.get("estimate") is not None for e in categorical or []),
    }
    return [key for key in METHOD_NOTES if used.get(key, True)]


def _missing_data_notes(primary: dict, attrition: dict) -> dict[str, bool]:
    """The missing-data notes that say what ran: the test of attrition between groups (not with one group, nor
    when it cannot be computed) and the primary analysis again under a stated assumption (not when each was
    declined): both in one note, either alone, or none. A yes/no outcome's analysis again is the extreme cases'."""
    tested = not (attrition.get("test") or {}).get("reason")
    ran = {line.get("assumption") for line in primary.get("missing_data_sensitivity") or [] if not line.get("reason")}
    reanalysed, bounded = bool(ran & {BCF, MI}), bool(ran & {UPPER, LOWER})
    return {
        "missing_data_sensitivity": tested and reanalysed,
        "attrition_test": tested and not reanalysed and not bounded,
        "missing_data_imputation": reanalysed and not tested,
        "missing_data_extreme_cases": tested and bounded,
        "extreme_cases": bounded and not tested,
    }


def _primary(panels, who, variables, spec, plan: Plan) -> dict:
    key = spec.get("variable")
    hypothesis = spec.get("hypothesis") or "change"
    variable = variables.get(key)
    design, arms = plan.design, plan.arms
    if variable is None or not (is_numeric(variable) or variable["type"] == "yes_no"):
        stand_in = variable or {"key": key, "label": key, "type": None}
        entry = empty_outcome(stand_in, design, hypothesis, plan.alpha)
        # only numbers, Likert, NPS and instrument scores are compared with a t test
        entry["reason"] = (
            reason("primary_not_measured", variable=key)
            if variable is None
            else reason("primary_not_numeric", variable=key, type=variable["type"])
        )
        return entry
    arm = plan.primary_arm if design == PARALLEL else None
    return plan.compare(panels, _in_arms(who, design, arms, arm), variable, arm=arm, hypothesis=hypothesis)


def _arms_family(primary: dict, secondary: list[dict], numbers, variables: dict, plan: Plan) -> None:
    """Three or more arms (API.md v1.1): the overall test of the primary variable at its last timepoint
    (Welch's ANOVA, Kruskal–Wallis as robustness; numeric outcomes only, none for a yes/no outcome), and the
    primary contrast Holm-adjusted with the other arms against the control, each by the same analysis."""
    variable = variables.get(primary["variable"])
    if plan.design != PARALLEL or len(plan.arms) < 3 or variable is None or primary.get("test") is None:
        return
    contrasts = [primary] + [
        e for e in secondary if e["variable"] == primary["variable"] and len(e.get("arms") or []) == 2
    ]
    adjusted = holm([c["p_value"] for c in contrasts])
    primary["arm_contrasts"] = {
        "adjustment": "holm",
        "contrasts": [
            {"arm": c["arms"][1], "estimate": c["estimate"], "p_value": c["p_value"], "p_adjusted": p}
            for c, p in zip(contrasts, adjusted, strict=True)
            if c.get("arms")
        ],
    }
    if not is_numeric(variable) or not variable["timepoints"]:
        return
    values = column_at(numbers, variable["key"], variable["timepoints"][-1])
    in_arm = numbers.index.get_level_values("arm").to_numpy() if len(numbers) else np.array([])
    samples = [values[in_arm == arm] for arm in plan.arms]
    overall = _tested(welch_anova, samples)
    overall["robustness"] = _tested(kruskal_wallis, samples)
    overall["timepoint"] = variable["timepoints"][-1]
    primary["overall"] = overall


def _tested(test, samples) -> dict:
    try:
        return test(samples)
    except NotTestable as refusal:
        name = "welch_anova" if test is welch_anova else "kruskal_wallis"
        return {"test": name, "statistic": None, "df": None, "p_value": None, "reason": refusal.reason}


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


def _secondary(panels, who, variables, primary_key, plan: Plan) -> tuple[list, list]:
    entries, not_compared = [], []
    design, arms = plan.design, plan.arms
    for key, variable in variables.items():
        # yes/no variables between arms are in `categorical`; before/after they are compared here (McNemar)
        if not (is_numeric(variable) or (variable["type"] == "yes_no" and (design == SINGLE or key == primary_key))):
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
            entries.append(plan.compare(panels, who, variable, exploratory=True))
        elif design == PARALLEL:
            for arm in arms[1:]:
                if key == primary_key and arm == plan.primary_arm:
                    continue
                entries.append(
                    plan.compare(panels, _in_arms(who, design, arms, arm), variable, arm=arm, exploratory=True)
                )
    _adjust(entries, plan.adjustment)
    return entries, not_compared


def _secondary_without_exclusions(secondary, quality: Assessment, frame, variables, primary_key, plan: Plan) -> None:
    """Each secondary comparison run again without the excluded responses, as `without_exclusions` (null when none
    is excluded): the same family on the kept answers, adjusted the same way, in the same order."""
    family = quality.sensitivity(lambda kept: {"entries": _secondary_from(kept, variables, primary_key, plan)}, frame)
    if family is None:
        for entry in secondary:
            entry["without_exclusions"] = None
        return
    counts = {key: family[key] for key in ("excluded_responses", "excluded_participants")}
    for entry, again in zip(secondary, family["entries"], strict=True):  # the variables and arms, not the data
        entry["without_exclusions"] = again | counts


def _secondary_from(frame, variables, primary_key, plan: Plan) -> list[dict]:
    panels = (by_participant(wide_numbers(frame, variables)), yes_no_panel(frame, variables))
    return _secondary(panels, roster(frame), variables, primary_key, plan)[0]


def _adjust(entries: list[dict], adjustment: str = HOLM) -> None:
    """The protocol's adjustment across the family (Holm, or Benjamini–Hochberg), written into each entry, with
    the method's name; `supported_after_holm` keeps its meaning whichever the protocol chose."""
    p_values = [e["p_value"] for e in entries]
    by_holm = holm(p_values)
    for entry, p, p_holm in zip(entries, adjusted(p_values, adjustment), by_holm, strict=True):
        entry["p_adjusted"] = p
        entry["adjustment"] = adjustment
        if "estimate" in entry:
            entry["supported_after_holm"] = supported(p_holm, entry["estimate"], entry["hypothesis"], entry["alpha"])
            entry["supported_after_adjustment"] = supported(p, entry["estimate"], entry["hypothesis"], entry["alpha"])


def _categorical(frame, variables, design, arms, primary, adjustment=HOLM) -> list[dict]:
    if design != PARALLEL or len(arms) < 2:
        return []
    entries = []
    for key, variable in variables.items():
        if variable["type"] not in ("single_choice", "yes_no") or not variable["timepoints"]:
            continue
        if key == primary["variable"] and variable["type"] == "yes_no":
            continue  # a yes/no primary outcome is compared in full (its other arms in `secondary`)
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
    _adjust(entries, adjustment)
    for entry in entries:  # yes/no: the risk difference and odds ratio of the yes/no outcomes (not adjusted)
        if entry["type"] == "yes_no":
            entry.update(table_effects(entry["table"], entry["arms"]) if entry["test"] else dict.fromkeys(EFFECTS))
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


def _primary_from(frame, study: dict, spec: dict, plan: Plan) -> dict:
    """The primary outcome from these answers alone: the sensitivity analysis without the excluded responses."""
    variables = catalogue(study.get("surveys"), list(study.get("timepoints") or []))
    panels = (by_participant(wide_numbers(frame, variables)), yes_no_panel(frame, variables))
    declared = declared_variables(variables, spec.get("variable"), plan.primary_timepoint)
    return _primary(panels, roster(frame), declared, spec, plan)
