"""The sample size a protocol plans, and why (SPIRIT item 14): the assumptions a startup states, and the number
of participants they require, computed as R's `power.t.test` and `power.prop.test` do.

The protocol's `sample_size` field holds the assumptions only: `{method, effect, sd, correlation, p_control,
p_intervention, power, justification}` (null: none stated). `method` is one of

- `feasibility`: a pilot sized for feasibility (recruitment, retention, acceptability), not to test an effect:
  no calculation, the justification says why the target enrolment suffices (CONSORT extension for pilot trials);
- `paired_t`: a single group before and after: pairs for a paired t test of mean change `effect`, sd of the
  changes `sd` (`power.t.test(type = "paired")`);
- `welch`: two groups, difference in means `effect`, common sd `sd` (`power.t.test`, two-sample);
- `ancova`: the same, adjusted for the baseline measure whose correlation with the outcome is `correlation`:
  the two-sample n × (1 − correlation²) (Borm, Fransen & Lemmens 2007);
- `two_proportions`: two groups, proportions `p_control` and `p_intervention` (`power.prop.test`).

The significance level is the protocol's `alpha`, two-sided; `power` defaults to 0.8. What they require is
derived, never stored: `required(spec, alpha, arms)` (per group and in total: the between-group methods give the
n of one group, and each of the design's arms needs it; with an unequal allocation ratio, each arm its share at
that ratio, from the power formulas for unequal groups), so a page, the API and the results (planned against
analysed) all say the same."""

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import validation as v
from . import allocation

METHODS = {
    "feasibility": _l("Feasibility: no test of an effect"),
    "paired_t": _l("One group, before and after (paired t test)"),
    "welch": _l("Two groups, difference in means (t test)"),
    "ancova": _l("Two groups, adjusted for the baseline (ANCOVA)"),
    "two_proportions": _l("Two groups, two proportions"),
}
NEEDS = {  # the assumptions each method uses, besides power
    "feasibility": (),
    "paired_t": ("effect", "sd"),
    "welch": ("effect", "sd"),
    "ancova": ("effect", "sd", "correlation"),
    "two_proportions": ("p_control", "p_intervention"),
}
NUMBERS = ("effect", "sd", "correlation", "p_control", "p_intervention", "power")
DEFAULT_POWER = 0.8
JUSTIFICATION_MAX = 4000


def blank() -> dict:
    return {"method": None, **dict.fromkeys(NUMBERS), "justification": None}


ASSUMPTIONS = {
    "effect": _l("Effect to detect"),
    "sd": _l("Standard deviation"),
    "correlation": _l("Correlation with the baseline"),
    "p_control": _l("Proportion in the control group"),
    "p_intervention": _l("Proportion in the intervention group"),
    "power": _l("Power"),
}
LIMITS = {  # (lo, hi, inclusive ends)
    "effect": (-1e9, 1e9, True),
    "sd": (0, 1e9, False),
    "correlation": (-1, 1, False),
    "p_control": (0, 1, False),
    "p_intervention": (0, 1, False),
    "power": (0.5, 0.99, True),
}


def _number(value, name: str) -> float | None:
    lo, hi, inclusive = LIMITS[name]
    try:
        return v.number(value, lo=lo, hi=hi, lo_inclusive=inclusive, hi_inclusive=inclusive)
    except v.FieldError as err:
        raise v.FieldError(f"{ASSUMPTIONS[name]}: {err.message}", err.status) from None


def clean(value) -> dict | None:
    """The `sample_size` of a PATCH or of the editor, checked (the app's messages); null: none stated."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object with method, its assumptions and a justification."), 400)
    unknown = sorted(set(value) - set(blank()))
    if unknown:
        raise v.FieldError(_("Unknown keys: %(keys)s.", keys=", ".join(unknown[:5])), 400)
    method = value.get("method")
    if method is not None and method not in METHODS:
        raise v.FieldError(_("Choose one of: %(methods)s.", methods=", ".join(METHODS)))
    out = {
        "method": method,
        **{name: _number(value.get(name), name) for name in NUMBERS},
        "justification": v.text(value.get("justification"), max_len=JUSTIFICATION_MAX) or None,
    }
    if method is None:
        if any(out[name] is not None for name in out):
            raise v.FieldError(_("Choose how the sample size was planned."))
        return None
    missing = [str(ASSUMPTIONS[name]) for name in NEEDS[method] if out[name] is None]
    if missing:
        raise v.FieldError(_("This method needs: %(names)s.", names=", ".join(missing)))
    if method in ("paired_t", "welch", "ancova") and out["effect"] == 0:
        raise v.FieldError(_("The effect to detect must not be zero."))
    if method == "two_proportions" and out["p_control"] == out["p_intervention"]:
        raise v.FieldError(_("The two proportions must differ."))
    if method == "feasibility" and not out["justification"]:
        raise v.FieldError(_("Say why the target enrolment suffices for a feasibility pilot."))
    if method == "feasibility":
        out["power"] = None
    # what the method does not use is not kept (it would enter the registration hash for nothing)
    return {**out, **{name: None for name in NUMBERS if name != "power" and name not in NEEDS[method]}}


def required(spec: dict | None, alpha: float, arms: int, shares: list[int] | None = None) -> dict | None:
    """What the stated assumptions require: {per_group, by_group, groups, total, ratio, unit, method, exact,
    exact_by_group} (exact: R's n before rounding up), or None (no assumptions, or a feasibility pilot). `arms`:
    the design's number of arms; a between-group method needs its n in each (at least two groups), a paired one
    counts one group. `shares`: the allocation ratio, one share per arm in their order, the first arm being the
    control (studies/allocation.py); an unequal ratio sizes each arm against the control with the power
    formula for unequal groups (unequal_t_test_n, unequal_prop_test_n), gives every arm its share of the largest
    control n any comparison needs, rounds each arm up, and leaves `per_group` null."""
    if not spec or spec.get("method") in (None, "feasibility"):
        return None
    from ..analysis import power as calc  # scipy: imported by the pages that need it only

    method, power = spec["method"], spec.get("power") or DEFAULT_POWER
    groups = 1 if method == "paired_t" else max(2, arms)  # the pairs; else the n of one group in each arm
    ratio = None
    if method != "paired_t" and shares and len(shares) == groups and len(set(shares)) > 1:
        common = math.gcd(*shares)
        ratio = [share // common for share in shares]
    if ratio:
        exact_by_group = _at_ratio(calc, spec, power, alpha, ratio)
        by_group = [math.ceil(n - 1e-9) for n in exact_by_group]
        r_call = {
            "welch": "pwr.t2n.test",
            "ancova": "pwr.t2n.test × (1 − ρ²)",
            "two_proportions": "power.prop.test (n₁ ≠ n₂: Fleiss, Levin & Paik 2003)",
        }[method]
        return {
            "method": method,
            "per_group": None,
            "by_group": by_group,
            "groups": groups,
            "total": sum(by_group),
            "ratio": ratio,
            "exact": exact_by_group[0],
            "exact_by_group": exact_by_group,
            "power": power,
            "alpha": alpha,
            "r_call": r_call,
        }
    if method == "paired_t":
        exact = calc.power_t_test(delta=spec["effect"], sd=spec["sd"], power=power, sig_level=alpha, type="paired")["n"]
        r_call = 'power.t.test(type = "paired")'
    elif method == "welch":
        exact = calc.power_t_test(delta=spec["effect"], sd=spec["sd"], power=power, sig_level=alpha)["n"]
        r_call = "power.t.test"
    elif method == "ancova":
        exact = calc.ancova_sample_size(
            delta=spec["effect"], sd=spec["sd"], rho=spec["correlation"], power=power, sig_level=alpha
        )["n"]
        r_call = "power.t.test × (1 − ρ²)"
    else:
        exact = calc.power_prop_test(p1=spec["p_control"], p2=spec["p_intervention"], power=power, sig_level=alpha)["n"]
        r_call = "power.prop.test"
    per_group = math.ceil(exact - 1e-9)
    return {
        "method": method,
        "per_group": per_group,
        "by_group": [per_group] * groups,
        "groups": groups,
        "total": per_group * groups,
        "ratio": None,
        "exact": exact,
        "exact_by_group": [exact] * groups,
        "power": power,
        "alpha": alpha,
        "r_call": r_call,
    }


def _at_ratio(calc, spec: dict, power: float, alpha: float, ratio: list[int]) -> list[float]:
    """Each arm's exact n at the ratio: the control (first) against each other arm with k = its share / the
    control's, the largest control n any comparison needs, and each arm's share of it."""
    control_n = 0.0
    for share in ratio[1:]:
        k = share / ratio[0]
        if spec["method"] == "two_proportions":
            found = calc.unequal_prop_test_n(
                p1=spec["p_control"], p2=spec["p_intervention"], power=power, sig_level=alpha, ratio=k
            )
        else:
            found = calc.unequal_t_test_n(delta=spec["effect"], sd=spec["sd"], power=power, sig_level=alpha, ratio=k)
        control_n = max(control_n, found["n"])
    if spec["method"] == "ancova":  # Borm et al. (2007): (1 − ρ²) times the t test's n, in each arm
        control_n *= 1 - spec["correlation"] ** 2
    return [control_n * share / ratio[0] for share in ratio]


def _required_by(study) -> dict | None:
    """What the study's stated assumptions require, for its alpha and its design's arms."""
    return required(study.sample_size or None, study.alpha, len(study.arms or ()), allocation.shares(study))


def summary(study) -> dict:
    """For the pages: the stated assumptions, what they require, and how far the target enrolment falls short."""
    spec = study.sample_size or None
    need = _required_by(study)
    lacking = need["total"] - study.target_enrolment if need and study.target_enrolment else None
    return {
        "spec": spec,
        "method": METHODS.get(spec["method"]) if spec and spec.get("method") else None,
        "need": need,
        "shortfall": lacking if lacking and lacking > 0 else None,
    }


def achieved(study, primary: dict | None) -> dict | None:
    """Planned against analysed, and the smallest effect the analysed participants give the planned power to
    detect (R's power.t.test / power.prop.test solved for the effect), or None when the primary outcome was
    not compared. Parallel groups count the smaller group (the conservative reading); a single group, its
    pairs. The effect is in the outcome's units when the assumptions give its sd, else in sd units."""
    if not primary or not primary.get("n"):
        return None
    spec = study.sample_size or {}
    need = _required_by(study)
    paired = str(study.design) == "single_group_pre_post"
    groups = primary.get("n_by_group") or {}
    per_group = int(primary["n"]) if paired else min((int(n) for n in groups.values()), default=0)
    power = spec.get("power") or DEFAULT_POWER
    out = {
        "planned_total": need["total"] if need else study.target_enrolment,
        "planned_per_group": need["per_group"] if need else None,
        "analysed_total": int(primary["n"]),
        "analysed_per_group": per_group,
        "smallest_detectable": None,
    }
    if per_group < 2:
        return out
    from ..analysis import power as calc  # scipy: imported by the pages that need it only
    from ..analysis.errors import NotTestable

    if spec.get("method") == "two_proportions":
        try:
            p2 = calc.power_prop_test(n=per_group, p1=spec["p_control"], power=power, sig_level=study.alpha)["p2"]
        except NotTestable:  # no proportion up to 1 reaches the power with so few
            return out
        value, unit = p2 - spec["p_control"], "proportion"
    else:
        sd = spec.get("sd")
        kind = "paired" if paired else "two.sample"
        value = calc.smallest_detectable_effect(per_group, sd=sd or 1.0, power=power, sig_level=study.alpha, type=kind)[
            "delta"
        ]
        if spec.get("method") == "ancova" and spec.get("correlation") is not None:
            value *= math.sqrt(1 - spec["correlation"] ** 2)  # the baseline explains part of the variance
        unit = "outcome" if sd else "sd"
    out["smallest_detectable"] = {"value": value, "unit": unit, "power": power, "alpha": study.alpha}
    return out
