"""The results in words, in the reader's language: numbers as the locale writes them, the primary outcome
in one sentence, the same for participants in simple words, and the analysis' reasons and warnings.

The analysis speaks in codes and numbers and knows nothing of locales; everything a page shows of it
passes here: one message per code, with named placeholders."""

import math
from contextlib import contextmanager
from typing import TypeGuard

from flask import g, has_app_context
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

DASH = "—"
NBSP = "\u00a0"
SINGLE, PARALLEL = "single_group_pre_post", "parallel_groups"


# --- Numbers ------------------------------------------------------------------------------------


def finite(value) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number(value, decimals: int = 2, trim: bool = False) -> str:
    """A number as the page's locale writes it (decimal comma in French); "—" when there is none."""
    if not finite(value):
        return DASH
    pattern = "#,##0" + ("." + ("#" if trim else "0") * decimals if decimals > 0 else "")
    rounded = round(float(value), decimals)
    return format_decimal(0.0 if rounded == 0 else rounded, format=pattern)


def integer(value) -> str:
    return format_decimal(int(value), format="#,##0") if finite(value) else DASH


def percent(value) -> str:
    return f"{number(value, 0)}{NBSP}%" if finite(value) else DASH


def p_value(p, alpha: float = 0.05, bare: bool = False) -> str:
    """ "p = 0.003", "p < 0.001" (bare: "0.003", "< 0.001"), with as many decimals as it takes not to
    round across alpha."""
    if not finite(p):
        return DASH
    if p < 0.001:
        return f"{'' if bare else 'p '}< {number(0.001, 3)}"
    decimals = 2 if p >= 0.1 else 3
    while decimals < 6 and (round(p, decimals) < alpha) != (p < alpha):
        decimals += 1
    return f"{'' if bare else 'p = '}{number(p, decimals)}"


def decimals_for(ci, estimate=None) -> int:
    """Enough decimals for the precision the confidence interval shows: two significant digits of its width."""
    if ci and all(finite(x) for x in ci) and ci[1] > ci[0]:
        return max(0, min(3, 1 - math.floor(math.log10(ci[1] - ci[0]))))
    if finite(estimate) and estimate:
        return max(0, min(3, 1 - math.floor(math.log10(abs(estimate)))))
    return 1


def degrees_of_freedom(df) -> str:
    if not finite(df):
        return DASH
    return integer(df) if float(df).is_integer() else number(df, 1)


# --- Names --------------------------------------------------------------------------------------


def words(key) -> str:
    """A protocol key in words: "follow_up" → "Follow up"; a timepoint or an arm of the pilot being read
    (`name_by`) by its label, in the reader's language where the pilot has it ("Baseline" → "Début")."""
    pilot = g.get("results_pilot") if has_app_context() else None
    if pilot is not None and isinstance(key, str) and key:
        from ..studies import pilot_languages  # on first use: this module stays light

        if key in (pilot.timepoints or []):
            return pilot_languages.timepoint_name(pilot, key)
        if key in (pilot.arms or []):
            return pilot_languages.arm_name(pilot, key)
    text = str(key or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def name_by(study) -> None:
    """From now on in this request (a page about one pilot), `words` names the timepoints and arms of `study` as
    its labels do (translated into the reader's language when the pilot has that translation)."""
    g.results_pilot = study


@contextmanager
def named_by(study):
    """`name_by` for a block only (a page about several pilots names each by its own labels)."""
    before = g.get("results_pilot")
    g.results_pilot = study
    try:
        yield
    finally:
        g.results_pilot = before


def variable_name(key: str, variable: dict | None) -> str:
    """Instruments by their name, questions by their key in words ("sleep_hours" → "Sleep hours")."""
    if variable and variable.get("type") == "score" and variable.get("label"):
        return variable["label"]
    return words(key)


def with_unit(text: str, unit: str | None) -> str:
    return f"{text}{NBSP}{unit}" if unit and text != DASH else text


def comparison(entry: dict) -> str:
    """ "Baseline → Follow up" or "Plant based vs Usual menu at Week 4", from the entry's fields."""
    timepoints, arms = entry.get("timepoints") or [], entry.get("arms") or []
    if len(arms) == 2 and timepoints:
        return _(
            "%(arm)s vs %(control)s at %(timepoint)s",
            arm=words(arms[1]),
            control=words(arms[0]),
            timepoint=words(timepoints[-1]),
        )
    if len(timepoints) == 2:
        return _("%(first)s → %(last)s", first=words(timepoints[0]), last=words(timepoints[1]))
    return DASH


TESTS = {
    "paired_t": _l("Paired t test"),
    "welch_t": _l("Welch's t test"),
    "wilcoxon_signed_rank": _l("Wilcoxon signed-rank test"),
    "mann_whitney": _l("Mann–Whitney test"),
    "chi_square": _l("Chi-square test"),
    "fisher_exact": _l("Fisher's exact test"),
    "shapiro_wilk": _l("Shapiro–Wilk test"),
    "ancova": _l("Analysis of covariance (ANCOVA), adjusted for the baseline value"),
    "mcnemar": _l("McNemar's test"),
    "welch_anova": _l("Welch's one-way analysis of variance"),
    "kruskal_wallis": _l("Kruskal–Wallis test"),
}
EFFECT_SIZES = {"cohens_dz": _l("Cohen's dz"), "hedges_g": _l("Hedges' g"), "odds_ratio": _l("Odds ratio")}


def points(value, decimals: int = 0, signed: bool = False) -> str:
    """A difference of proportions in percentage points: 0.125 → "12.5 percentage points" (signed: −0.125 →
    "−12.5 percentage points"; otherwise its size, for sentences that say which way)."""
    if not finite(value):
        return DASH
    return _("%(n)s percentage points", n=number((value if signed else abs(value)) * 100, decimals, trim=True))


def points_interval(ci, decimals: int = 1) -> str:
    if not ci or not all(finite(x) for x in ci):
        return DASH
    return _(
        "%(low)s to %(high)s percentage points",
        low=number(ci[0] * 100, decimals, trim=True),
        high=number(ci[1] * 100, decimals, trim=True),
    )


def test_name(code) -> str:
    return str(TESTS.get(code, code or DASH))


def magnitude(value) -> str | None:
    """Conventional thresholds for d and g: 0.2, 0.5, 0.8."""
    if not finite(value):
        return None
    size = abs(value)
    return "negligible" if size < 0.2 else "small" if size < 0.5 else "medium" if size < 0.8 else "large"


MAGNITUDES = {"negligible": _l("negligible"), "small": _l("small"), "medium": _l("medium"), "large": _l("large")}
EFFECT_PHRASES = {
    "negligible": _l("a negligible effect"),
    "small": _l("a small effect"),
    "medium": _l("a medium effect"),
    "large": _l("a large effect"),
}


# --- The primary outcome in one sentence ------------------------------------------------------------


def hypothesis_verdict(outcome: dict) -> str:
    hypothesis = outcome.get("hypothesis") or "change"
    supported = outcome.get("supported")
    p, alpha = outcome.get("p_value"), outcome.get("alpha") or 0.05
    if supported:
        return {
            "increase": _("the hypothesis of an increase is supported"),
            "decrease": _("the hypothesis of a decrease is supported"),
        }.get(hypothesis, _("the hypothesis of a change is supported"))
    if finite(p) and p < alpha:  # significant, but the other way
        return {
            "increase": _("the hypothesis of an increase is not supported, since the difference goes the other way"),
            "decrease": _("the hypothesis of a decrease is not supported, since the difference goes the other way"),
        }.get(hypothesis, _("the hypothesis of a change is not supported"))
    return {
        "increase": _("the hypothesis of an increase is not supported"),
        "decrease": _("the hypothesis of a decrease is not supported"),
    }.get(hypothesis, _("the hypothesis of a change is not supported"))


def untestable(outcome: dict, name: str) -> str:
    hypothesis = outcome.get("hypothesis") or "change"
    reason = reason_text(outcome.get("reason") or {"code": "too_few"})
    return {
        "increase": _(
            "%(variable)s: the hypothesis of an increase cannot be tested because %(reason)s.",
            variable=name,
            reason=reason,
        ),
        "decrease": _(
            "%(variable)s: the hypothesis of a decrease cannot be tested because %(reason)s.",
            variable=name,
            reason=reason,
        ),
    }.get(
        hypothesis,
        _(
            "%(variable)s: the hypothesis of a change cannot be tested because %(reason)s.",
            variable=name,
            reason=reason,
        ),
    )


def primary_sentence(outcome: dict, name: str, unit: str | None = None) -> str:
    """ "Sleep hours rose by 1.6 h on average (95 % CI 0.7 to 2.5), p = 0.003, a large effect: the
    hypothesis of an increase is supported." — or why it cannot be tested."""
    estimate, ci = outcome.get("estimate"), outcome.get("ci95")
    if outcome.get("supported") is None or not finite(estimate) or not ci or not all(finite(x) for x in ci):
        return untestable(outcome, name) + declared_timepoint(outcome)
    if outcome.get("type") == "yes_no":
        return yes_no_sentence(outcome, name) + declared_timepoint(outcome)
    sentence = _difference_sentence(outcome, name, unit)
    if outcome.get("test") == "ancova":
        sentence += " " + _("The difference is adjusted for the value each participant gave at the start.")
    return sentence + declared_timepoint(outcome)


def declared_timepoint(outcome: dict) -> str:
    """ " The protocol declares “Week 4” as the timepoint of this comparison." when it does; "" otherwise."""
    timepoint = outcome.get("declared_timepoint")
    if not timepoint:
        return ""
    return " " + _(
        "The protocol declares “%(timepoint)s” as the timepoint of this comparison.", timepoint=words(timepoint)
    )


def yes_no_sentence(outcome: dict, name: str) -> str:
    """ "The share answering yes to “Walks daily” rose by 30 percentage points (95 % CI 8 to 46), p = 0.02: ..." """
    estimate, ci = outcome["estimate"], outcome["ci95"]
    figures = {
        "variable": name,
        "amount": points(estimate),
        "low": number(ci[0] * 100, 0),
        "high": number(ci[1] * 100, 0),
        "p": p_value(outcome.get("p_value"), outcome.get("alpha") or 0.05),
        "verdict": hypothesis_verdict(outcome),
    }
    rounded = round(estimate * 100)
    arms = outcome.get("arms") or []
    if outcome.get("design") == PARALLEL and len(arms) == 2:
        figures.update(arm=words(arms[1]), control=words(arms[0]))
        if rounded > 0:
            return _(
                "The share answering yes to “%(variable)s” was higher by %(amount)s in the group “%(arm)s” than in "
                "the group “%(control)s” (95 %% CI %(low)s to %(high)s), %(p)s: %(verdict)s.",
                **figures,
            )
        if rounded < 0:
            return _(
                "The share answering yes to “%(variable)s” was lower by %(amount)s in the group “%(arm)s” than in "
                "the group “%(control)s” (95 %% CI %(low)s to %(high)s), %(p)s: %(verdict)s.",
                **figures,
            )
        return _(
            "The share answering yes to “%(variable)s” was about the same in the groups “%(arm)s” and "
            "“%(control)s” (95 %% CI %(low)s to %(high)s), %(p)s: %(verdict)s.",
            **figures,
        )
    if rounded > 0:
        return _(
            "The share answering yes to “%(variable)s” rose by %(amount)s (95 %% CI %(low)s to %(high)s), "
            "%(p)s: %(verdict)s.",
            **figures,
        )
    if rounded < 0:
        return _(
            "The share answering yes to “%(variable)s” fell by %(amount)s (95 %% CI %(low)s to %(high)s), "
            "%(p)s: %(verdict)s.",
            **figures,
        )
    return _(
        "The share answering yes to “%(variable)s” barely changed (95 %% CI %(low)s to %(high)s), %(p)s: %(verdict)s.",
        **figures,
    )


def _difference_sentence(outcome: dict, name: str, unit: str | None) -> str:
    estimate, ci = outcome["estimate"], outcome["ci95"]
    d = decimals_for(ci, estimate)
    figures = {
        "variable": name,
        "amount": with_unit(number(abs(estimate), d), unit),
        "low": number(ci[0], d),
        "high": number(ci[1], d),
        "p": p_value(outcome.get("p_value"), outcome.get("alpha") or 0.05),
        "size": str(
            EFFECT_PHRASES.get(
                magnitude((outcome.get("effect_size") or {}).get("value")),  # type: ignore[arg-type]  # None: the default
                _l("an effect of unknown size"),
            )
        ),
        "verdict": hypothesis_verdict(outcome),
    }
    rounded = round(estimate, d)
    arms = outcome.get("arms") or []
    if outcome.get("design") == PARALLEL and len(arms) == 2:
        figures.update(arm=words(arms[1]), control=words(arms[0]))
        if rounded > 0:
            return _(
                "%(variable)s was higher by %(amount)s on average in the group “%(arm)s” than in the group "
                "“%(control)s” (95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
                **figures,
            )
        if rounded < 0:
            return _(
                "%(variable)s was lower by %(amount)s on average in the group “%(arm)s” than in the group "
                "“%(control)s” (95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
                **figures,
            )
        return _(
            "%(variable)s was about the same on average in the groups “%(arm)s” and “%(control)s” "
            "(95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
            **figures,
        )
    if rounded > 0:
        return _(
            "%(variable)s rose by %(amount)s on average (95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
            **figures,
        )
    if rounded < 0:
        return _(
            "%(variable)s fell by %(amount)s on average (95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
            **figures,
        )
    return _(
        "%(variable)s barely changed on average (95 %% CI %(low)s to %(high)s), %(p)s, %(size)s: %(verdict)s.",
        **figures,
    )


# --- For participants, in simple words --------------------------------------------------------------


def lay_sentence(outcome: dict, name: str, unit: str | None = None) -> str:
    """What the pilot found, for the people who took part: the difference, then what it means."""
    estimate, ci = outcome.get("estimate"), outcome.get("ci95")
    if outcome.get("supported") is None or not finite(estimate):
        return _(
            "The answers were not enough to tell whether “%(variable)s” changed: the pilot cannot "
            "draw a conclusion about its main question.",
            variable=name,
        )
    d = decimals_for(ci, estimate)
    amount, rounded = with_unit(number(abs(estimate), d), unit), round(estimate, d)
    if outcome.get("type") == "yes_no":  # a share of people: in percentage points
        amount, rounded = points(estimate), round(estimate * 100)
    arms = outcome.get("arms") or []
    if outcome.get("design") == PARALLEL and len(arms) == 2:
        figures = {"variable": name, "amount": amount, "arm": words(arms[1]), "control": words(arms[0])}
        found = (
            _(
                "On average, the answers about “%(variable)s” were %(amount)s higher in the group "
                "“%(arm)s” than in the group “%(control)s”.",
                **figures,
            )
            if rounded > 0
            else _(
                "On average, the answers about “%(variable)s” were %(amount)s lower in the group "
                "“%(arm)s” than in the group “%(control)s”.",
                **figures,
            )
            if rounded < 0
            else _("On average, the answers about “%(variable)s” were about the same in both groups.", **figures)
        )
    elif outcome.get("declared_timepoint"):  # not the last survey: the one the protocol declares
        figures = {"variable": name, "amount": amount, "timepoint": words(outcome["declared_timepoint"])}
        found = (
            _(
                "On average, the answers about “%(variable)s” rose by %(amount)s between the first survey and the "
                "survey at “%(timepoint)s”.",
                **figures,
            )
            if rounded > 0
            else _(
                "On average, the answers about “%(variable)s” fell by %(amount)s between the first survey and the "
                "survey at “%(timepoint)s”.",
                **figures,
            )
            if rounded < 0
            else _(
                "On average, the answers about “%(variable)s” barely changed between the first survey and the "
                "survey at “%(timepoint)s”.",
                **figures,
            )
        )
    else:
        figures = {"variable": name, "amount": amount}
        found = (
            _(
                "On average, the answers about “%(variable)s” rose by %(amount)s between the first and the "
                "last survey.",
                **figures,
            )
            if rounded > 0
            else _(
                "On average, the answers about “%(variable)s” fell by %(amount)s between the first and the "
                "last survey.",
                **figures,
            )
            if rounded < 0
            else _(
                "On average, the answers about “%(variable)s” barely changed between the first and the last survey.",
                **figures,
            )
        )
    p, alpha = outcome.get("p_value"), outcome.get("alpha") or 0.05
    if outcome["supported"]:
        meaning = _("This is the difference the pilot was looking for, and it is unlikely to be due to chance.")
    elif finite(p) and p < alpha:
        meaning = _("This is the opposite of what the pilot expected.")
    else:
        meaning = _("This difference could be due to chance, so the pilot cannot conclude that it worked.")
    return f"{found} {meaning}"


def flow_sentence(flow: dict, timepoints: list[str]) -> str:
    """ "30 people took part; 24 answered both surveys." """
    enrolled = int(flow.get("enrolled") or 0)
    done = int((flow.get("completed") or {}).get(timepoints[-1], 0)) if timepoints else 0
    if len(timepoints) <= 1:
        return ngettext(
            "%(num)d person took part; %(done)d answered the survey.",
            "%(num)d people took part; %(done)d answered the survey.",
            enrolled,
            done=done,
        )
    if len(timepoints) == 2:
        return ngettext(
            "%(num)d person took part; %(done)d answered both surveys.",
            "%(num)d people took part; %(done)d answered both surveys.",
            enrolled,
            done=done,
        )
    return ngettext(
        "%(num)d person took part; %(done)d answered all %(k)d surveys.",
        "%(num)d people took part; %(done)d answered all %(k)d surveys.",
        enrolled,
        done=done,
        k=len(timepoints),
    )


# --- The analysis' reasons and warnings, translated from their codes -------------------------------


def _reasons() -> dict:
    """One sentence per reason code of analysis.errors.REASONS, filled with the reason's numbers."""
    return {
        "too_few_pairs": lambda r: _(
            "fewer than 2 participants have a value at both timepoints (%(n)s)", n=integer(r.get("n"))
        ),
        "too_few_per_arm": lambda r: _(
            "each group needs at least 2 participants with a value (here %(a)s and %(b)s)",
            a=integer(r.get("arm_n")),
            b=integer(r.get("control_n")),
        ),
        "empty_group": lambda r: _(
            "a group has no value (here %(a)s and %(b)s)", a=integer(r.get("arm_n")), b=integer(r.get("control_n"))
        ),
        "no_change": lambda r: _(
            "every participant gave the same value at both timepoints: there is no variation to test"
        ),
        "constant_change": lambda r: _(
            "every participant changed by exactly the same amount: there is no variation to test"
        ),
        "all_equal_in_arms": lambda r: _("every participant gave the same value: there is no variation to test"),
        "no_pairs": lambda r: _("no participant has a value at both timepoints"),
        "one_timepoint": lambda r: _(
            "it is measured at one timepoint only (%(timepoint)s): a before/after comparison needs two",
            timepoint=words(r.get("timepoint")),
        ),
        "not_measured": lambda r: _("no survey measures it"),
        "no_control": lambda r: _("the design needs a control group and at least one other group"),
        "primary_not_measured": lambda r: _(
            "the primary outcome “%(key)s” is not measured by any survey", key=r.get("variable")
        ),
        "primary_not_numeric": lambda r: _(
            "the primary outcome is a question of type “%(type)s”: only numbers, "
            "Likert scales, NPS and instrument scores can be compared",
            type=r.get("type"),
        ),
        "unknown_design": lambda r: _("the design is unknown"),
        "normality_sample_size": lambda r: _(
            "the normality test needs 3 to 5,000 values (here %(n)s)", n=integer(r.get("n"))
        ),
        "all_equal": lambda r: _("all values are equal"),
        "too_few_items": lambda r: _("it needs at least 2 items"),
        "too_few_complete": lambda r: _("fewer than 2 complete sets of answers (%(n)s)", n=integer(r.get("n"))),
        "same_total": lambda r: _("everyone has the same total: no variation"),
        "no_answers": lambda r: _("there are no answers to compare"),
        "too_few_arms_answered": lambda r: _("fewer than two groups have answers"),
        "same_answer": lambda r: _("everyone gave the same answer"),
        "too_few": lambda r: _("there are too few answers"),
        "no_variance": lambda r: _("there is no variation to test"),
        "not_estimable": lambda r: _("the model cannot be estimated with these data"),
        "no_discordant_pairs": lambda r: _("nobody changed their answer, so there is nothing to test"),
        "not_testable": lambda r: _("the data cannot support this test"),
        "not_for_parallel_groups": lambda r: _(
            "with parallel groups the question is whether the groups change differently, which the mixed model "
            "answers; Friedman's test only looks at time within one group"
        ),
        "one_group": lambda r: _("the pilot has one group: there is no other group to compare it with"),
        "no_baseline": lambda r: _(
            "the outcome is measured once: there is no earlier value to carry forward or to impute from"
        ),
        "outcome_not_numeric": lambda r: _("these analyses are computed for numeric outcomes only"),
    }


def reason_text(reason) -> str:
    """The analysis' reason ({"code": ..., numbers}) in the page's language."""
    if not reason:
        return ""
    code = reason.get("code") if isinstance(reason, dict) else None
    sentence = _reasons().get(code)
    return sentence(reason) if sentence else str(code or reason)


def _entry_for(results: dict, warning: dict) -> dict:
    primary = results.get("primary_outcome") or {}
    for entry in (
        [primary, primary.get("sensitivity") or {}]
        + (results.get("secondary") or [])
        + [e.get("sensitivity") or {} for e in results.get("secondary") or []]
        + (results.get("categorical") or [])
    ):
        if entry.get("variable") == warning.get("variable") and entry.get("comparison") == warning.get("comparison"):
            return entry
    return {}


def warning_text(warning: dict, results: dict, names: dict[str, str]) -> str:
    """One of the analysis' warnings in the page's language, by its code."""
    code = warning.get("code")
    entry = _entry_for(results, warning)
    where = {
        "variable": names.get(warning.get("variable"), words(warning.get("variable"))),  # type: ignore[arg-type]  # None (no variable) takes the default
        "comparison": comparison(entry) if entry else DASH,
    }
    robust = test_name(warning.get("robustness") or (entry.get("robustness") or {}).get("test"))
    if code == "no_data":
        return _("No answers yet: nothing to describe or test.")
    if code == "empty_arm":
        return _("No participant of the group “%(arm)s” has answered yet.", arm=words(warning.get("arm")))
    if code == "primary_not_tested":
        return _(
            "The primary outcome cannot be tested because %(reason)s.",
            reason=reason_text(warning.get("reason") or (results.get("primary_outcome") or {}).get("reason")),
        )
    if code == "exploratory":
        return _("Secondary outcomes are exploratory: read them as leads for a future study, not as findings.")
    if code == "not_normal":
        return _(
            "%(variable)s (%(comparison)s): the values look far from normal (Shapiro–Wilk %(p)s): rely on "
            "the %(test)s rather than the t test.",
            p=p_value(warning.get("p_value")),
            test=robust,
            **where,
        )
    if code == "missing_data":
        return ngettext(
            "%(variable)s (%(comparison)s): %(num)d participant with data was left out, with no value "
            "where the comparison needs one.",
            "%(variable)s (%(comparison)s): %(num)d participants with data were left out, with no value "
            "where the comparison needs one.",
            int(warning.get("n") or 0),
            **where,
        )
    if code == "tests_disagree":
        return _(
            "%(variable)s (%(comparison)s): the t test and the %(test)s disagree at the %(alpha)s level: read "
            "the result with caution.",
            test=robust,
            alpha=number(warning.get("alpha"), 2, trim=True),
            **where,
        )
    if code == "approximation":
        return _(
            "%(variable)s (%(comparison)s): some expected counts are below 5, but the table is too large for "
            "Fisher's exact test: the chi-square p value is only approximate.",
            **where,
        )
    if code == "approximate_p_value":
        return _(
            "Some expected counts are below 5, but the table is too large for Fisher's exact test: the "
            "chi-square p value is only approximate."
        )
    if code == "not_converged":
        return _("The mixed model's optimiser did not converge: read its estimates with caution.")
    if code == "boundary_fit":
        return _("The mixed model estimates the variance between participants at 0.")
    return str(code or "")


METHODS = {
    "descriptives": _l(
        "Standard deviations with n − 1; quartiles by linear interpolation (R's type 7); an "
        "instrument score only for participants who answered all its items."
    ),
    "reliability": _l(
        "Cronbach's alpha of each instrument on its scored items, as its score counts them (SUS: "
        "odd items x − 1, even items 5 − x, so the negatively worded even items are reversed; "
        "UMUX-Lite: x − 1; WHO-5: x), on participants who answered every item."
    ),
    SINGLE: _l(
        "Pairs are the participants with a value at the first and the last timepoint measuring the "
        "variable; estimate = mean(last − first); paired t test; Cohen's dz = mean / sd of the "
        "differences; robustness: Wilcoxon signed-rank test (V = sum of the ranks of the positive "
        "differences, zeros dropped, as R's wilcox.test(last, first, paired = TRUE))."
    ),
    PARALLEL: _l(
        "Each group against the control (the first group) at the last timepoint measuring the variable; "
        "estimate = mean(group) − mean(control); Welch's t test; Hedges' g = (mean difference / pooled "
        "sd) × J, with the exact small-sample correction J = Γ(m/2) / (√(m/2) Γ((m − 1)/2)), m = n1 + n2 − 2; "
        "robustness: Mann–Whitney test (W = U of the group, as R's wilcox.test(group, control))."
    ),
    "ancova": _l(
        "The protocol registered the baseline-adjusted analysis: where the variable is measured at the first "
        "timepoint, the groups are compared by the linear model last value ~ group + first value (ANCOVA, "
        "ordinary least squares, as R's lm); the estimate is the group's coefficient with its 95 % CI and the "
        "t test of the model (residual degrees of freedom). Welch's t test at the last timepoint, unadjusted, "
        "is shown as a sensitivity analysis; the effect size is the unadjusted Hedges' g."
    ),
    "yes_no": _l(
        "Yes/no questions: before and after, McNemar's test with continuity correction (the exact binomial "
        "test when fewer than 25 participants changed their answer), the difference of the proportions of "
        "yes with Newcombe's paired score interval; between groups, the difference of the proportions "
        "(Newcombe's hybrid score interval), the odds ratio as R's fisher.test (conditional maximum "
        "likelihood, exact interval) and Fisher's exact test, or the chi-square test with Yates' "
        "correction when every expected count is at least 5. Proportions carry Wilson's interval."
    ),
    "multiarm": _l(
        "More than two groups: an overall test of the primary variable at the last timepoint (Welch's "
        "one-way analysis of variance, as R's oneway.test; Kruskal–Wallis as robustness), and each group "
        "against the control, Holm-adjusted across the groups; the primary contrast is the group the protocol "
        "declares (by default the second group listed) against the first."
    ),
    "multiarm_contrasts": _l(
        "More than two groups: each group against the control, Holm-adjusted across the groups; no overall test "
        "is run for a yes/no outcome; the primary contrast is the group the protocol declares (by default the "
        "second group listed) against the first."
    ),
    "primary_timepoint": _l(
        "The protocol declares the timepoint of the primary comparison: the primary outcome is compared there "
        "rather than at the last timepoint measuring it, and so are its other groups, the overall test, attrition "
        "and the sensitivity analyses; the secondary outcomes keep the last timepoint, and the mixed model still "
        "covers every timepoint."
    ),
    "effect_sizes": _l(
        "Effect sizes carry a 95 % CI from the noncentral t distribution, as R's effectsize package "
        "computes it (Cohen's dz for pairs, Hedges' g between groups)."
    ),
    "rank_tests": _l(
        "Exact p when n < 50 with no ties (and, for signed ranks, no zero differences); otherwise "
        "the normal approximation with continuity and tie corrections (R's default)."
    ),
    "normality": _l(
        "Shapiro–Wilk on the paired differences or on the residuals within groups (3 ≤ n ≤ 5000); "
        "when p < 0.05 a warning points to the robustness test."
    ),
    "secondary": _l("Secondary outcomes are exploratory: the adjusted p is Holm's adjustment across them."),
    "categorical": _l(
        "Choice and yes/no questions by group (parallel groups only): Pearson's chi-square with "
        "Yates' correction on 2 × 2 tables, or Fisher's exact test (two-sided, as R) when an "
        "expected count is below 5; exploratory, Holm-adjusted among themselves. Multiple-choice and "
        "text answers are described, never tested."
    ),
    "missing_data": _l(
        "Participants left out count those who answered something in the study (in the compared "
        "groups) but lack the variable where the comparison needs it."
    ),
    "missing_data_sensitivity": _l(
        "Attrition compared between groups by Fisher's exact or the chi-square test; missing data: the primary "
        "analysis again on all randomised participants, by baseline carried forward and by multiple imputation "
        "(statsmodels MICE, predictive mean matching, 20 imputations, Rubin's rules)."
    ),
    # the parts of the note above, when only one of them ran (one group: no attrition test; a yes/no outcome:
    # no analysis again)
    "attrition_test": _l("Attrition compared between groups by Fisher's exact or the chi-square test."),
    "missing_data_imputation": _l(
        "Missing data: the primary analysis again on every participant allocated, by baseline carried forward "
        "and by multiple imputation (statsmodels MICE, predictive mean matching, 20 imputations, Rubin's rules)."
    ),
}


def method_notes(methods: list | None) -> list[str]:
    """The notes on the methods the analysis used, by their keys."""
    return [str(METHODS[key]) for key in methods or () if key in METHODS]


# --- Data quality (issue 13, item 7): the flags in words, the note on the method ------------------------

METHODS["data_quality"] = _l(
    "Data quality: each response is flagged when it gives one same answer to every item of an instrument of at "
    "least three items (straight-lining), when it was sent less than 2 seconds per answer after the survey was "
    "started (responses without a known start are never flagged), or when a number lies outside the plausible "
    "range its question declares. Flags exclude nothing: the registered analysis runs on all data. The owner "
    "organisation or a coordinator may exclude a response, giving a reason; the primary outcome is then also "
    "analysed without the excluded responses, as a sensitivity analysis shown beside it."
)
FLAG_NAMES = {
    "straight_lining": _l("Same answer to every item of an instrument"),
    "too_fast": _l("Answered impossibly fast"),
    "out_of_range": _l("Value outside the plausible range"),
}


def flag_text(flag: dict, names: dict[str, str] | None = None) -> str:
    """One flag of a response in words, with the numbers behind it."""
    names = names or {}
    code = flag.get("code")
    if code == "straight_lining":
        return _(
            "%(instrument)s: the same answer (%(value)s) to all %(n)d items",
            instrument=names.get(str(flag.get("instrument")), words(flag.get("instrument"))),
            value=number(flag.get("value"), 2, trim=True),
            n=flag.get("items") or 0,
        )
    if code == "too_fast":
        return _(
            "%(n)d answers in %(seconds)s s (less than %(threshold)s s)",
            n=flag.get("items") or 0,
            seconds=number(flag.get("seconds"), 0),
            threshold=number(flag.get("threshold"), 0),
        )
    if code == "out_of_range":
        low, high = flag.get("min"), flag.get("max")
        bounds = (
            _("%(low)s to %(high)s", low=number(low, 2, trim=True), high=number(high, 2, trim=True))
            if low is not None and high is not None
            else _("at least %(low)s", low=number(low, 2, trim=True))
            if low is not None
            else _("at most %(high)s", high=number(high, 2, trim=True))
        )
        return _(
            "%(item)s = %(value)s, outside the plausible %(bounds)s",
            item=names.get(str(flag.get("item")), words(flag.get("item"))),
            value=number(flag.get("value"), 2, trim=True),
            bounds=bounds,
        )
    return words(code)


def duration(seconds) -> str:
    """How long a response took: seconds, or minutes and seconds."""
    if not finite(seconds):
        return DASH
    whole = int(round(seconds))
    if whole < 60:
        return _("%(s)d s", s=whole)
    return _("%(m)d min %(s)02d s", m=whole // 60, s=whole % 60)


# --- Three or more timepoints (analysis.repeated): the supportive analysis over every timepoint ------------

METHODS["longitudinal"] = _l(
    "Variables measured at three timepoints or more also get a supportive analysis over every timepoint (the "
    "registered comparison above stays the primary analysis): a linear mixed model with a random intercept per "
    "participant, fitted by restricted maximum likelihood (REML), the timepoint as a factor (with parallel groups, "
    "group × timepoint), as R's nlme::lme. Each later timepoint is compared with the first (with parallel "
    "groups: the difference between a group's change and the control's change), with a 95 % CI and a t test on "
    "the degrees of freedom nlme uses (observations − participants − within-participant terms). Every value "
    "given enters the model, so participants who missed a timepoint still count (their values are assumed "
    "missing at random). In a single group, Friedman's rank test (as R's friedman.test) on the participants "
    "with a value at every timepoint; it is not run with parallel groups, where it cannot compare the groups."
)
# --- Intervals, the secondary families' adjustment, correlations on request (issue 13, item 5) -------

ADJUSTMENT_NAMES = {"holm": _l("Holm"), "benjamini_hochberg": _l("Benjamini–Hochberg")}

METHODS.update(
    {
        "secondary_benjamini_hochberg": _l(
            "Secondary outcomes are exploratory: the adjusted p is the Benjamini–Hochberg adjustment across them "
            '(false discovery rate, as R\'s p.adjust(p, "BH")), as the protocol registered.'
        ),
        "categorical_benjamini_hochberg": _l(
            "Choice and yes/no questions by group (parallel groups only): Pearson's chi-square with "
            "Yates' correction on 2 × 2 tables, or Fisher's exact test (two-sided, as R) when an "
            "expected count is below 5; exploratory, adjusted among themselves by Benjamini–Hochberg (false "
            "discovery rate), as the protocol registered. Multiple-choice and text answers are described, "
            "never tested."
        ),
        "descriptive_intervals": _l(
            "Intervals of the descriptive figures (95 %): the median's from the order statistics and the "
            "binomial distribution (distribution-free, at least 95 %, from 6 values on; R's "
            'DescTools::MedianCI, method "exact"); the Net Promoter Score\'s by the adjusted Wald method '
            "(Rocks 2016); Cronbach's alpha's by Feldt's method (F distribution)."
        ),
    }
)


def adjustment_name(entries: list[dict]) -> str:
    """The correction the entries' adjusted p values used, in words (Holm when none says)."""
    used = str(next((e.get("adjustment") for e in entries if e.get("adjustment")), "holm"))
    return str(ADJUSTMENT_NAMES.get(used, ADJUSTMENT_NAMES["holm"]))


def adjusted_heading(entries: list[dict]) -> str:
    """The heading of the adjusted p column, naming the correction used."""
    return _("p adjusted (%(method)s)", method=adjustment_name(entries))


def interval(bounds, decimals: int = 2, trim: bool = False) -> str:
    """An interval ("1.5 to 2.5") in the page's locale, or "" when there is none."""
    if not bounds or not all(finite(b) for b in bounds):
        return ""
    return _("%(low)s to %(high)s", low=number(bounds[0], decimals, trim), high=number(bounds[1], decimals, trim))


def correlation_measure(measure: str, variables: dict[str, dict]) -> str:
    """`sleep@baseline` in words: "Sleep · Baseline" (an instrument by its name)."""
    key, _sep, timepoint = measure.rpartition("@")
    return f"{variable_name(key, variables.get(key))} · {words(timepoint)}"


# --- Yes/no: effect sizes in the categorical family, the extreme cases of a yes/no primary (issue 13, 2 and 8) ---

METHODS.update(
    {
        "categorical_yes_no": _l(
            "Yes/no questions by group also carry the difference in the proportion of yes (group − control, "
            "Newcombe's hybrid score interval) and the odds ratio (conditional maximum likelihood and exact "
            "interval, as R's fisher.test), as for a yes/no primary outcome; their 95 % CIs are not adjusted "
            "for multiplicity: only the p values are."
        ),
        "missing_data_extreme_cases": _l(
            "Attrition compared between groups by Fisher's exact or the chi-square test; missing data: the yes/no "
            "primary outcome again on every participant allocated, each missing answer counted the way that makes "
            "the difference largest (between groups: yes in the compared group, no in the control; before and "
            "after: no at the first timepoint, yes at the last), then smallest (the reverse), with the primary "
            "test (extreme-case analysis): whatever the missing answers were, the difference lies between the two."
        ),
        "extreme_cases": _l(
            "Missing data: the yes/no primary outcome again on every participant allocated, each missing answer "
            "counted the way that makes the difference largest (between groups: yes in the compared group, no in "
            "the control; before and after: no at the first timepoint, yes at the last), then smallest (the "
            "reverse), with the primary test (extreme-case analysis): whatever the missing answers were, the "
            "difference lies between the two."
        ),
    }
)
ASSUMPTION_NAMES = {
    "baseline_carried_forward": _l("Baseline carried forward"),
    "multiple_imputation": _l("Multiple imputation"),
    "extreme_case_upper": _l("Extreme case, largest difference"),
    "extreme_case_lower": _l("Extreme case, smallest difference"),
}


def imputed_as_text(line: dict) -> str:
    """What an extreme case gave each missing answer, in words: "yes in “App”, no in “Control”"."""
    given = line.get("imputed_as") or {}
    parts = [
        (_("yes in “%(where)s”", where=words(where)) if yes else _("no in “%(where)s”", where=words(where)))
        for where, yes in given.items()
    ]
    return ", ".join(parts)


def odds_ratio_text(odds: dict | None) -> str:
    """ "0.05 (95 % CI 0.003 to 0.36)", an unbounded value or bound as ∞ (R's Inf, null in the results)."""
    if not odds:
        return DASH
    value = odds.get("value")
    ci = odds.get("ci95") or [None, None]

    def shown(bound):  # two significant digits at least: an odds ratio of 0.0033 is not "0.00"
        if not finite(bound):
            return "∞"
        return number(bound, max(2, min(4, 1 - math.floor(math.log10(abs(bound))))) if bound else 2)

    return _("%(value)s (95 %% CI %(low)s to %(high)s)", value=shown(value), low=shown(ci[0]), high=shown(ci[1]))
