"""Sample size and power, matching R's power.t.test and power.prop.test (root found as R's uniroot)."""

import math

from scipy import stats

from .errors import NotTestable
from .rootfinding import uniroot

T_TYPES = {"two.sample": 2, "one.sample": 1, "paired": 1}
SIDES = {"two.sided": 2, "one.sided": 1}


def _one_unknown(**given) -> str:
    missing = [name for name, value in given.items() if value is None]
    if len(missing) != 1:
        raise ValueError(f"exactly one of {', '.join(given)} must be None")
    return missing[0]


def _t_critical(tail: float, nu: float) -> float | None:
    """qt(tail, ν, lower = FALSE), or None where R's is Inf (and the power 0): for ν near 0, where uniroot's
    downward extension goes when the effect is huge, scipy returns a finite ~1e150 instead of Inf, and its
    noncentral tail beyond is wrong."""
    critical = float(stats.t.isf(tail, nu))
    return critical if math.isfinite(critical) and critical < 1e100 else None


def _nct_power(critical: float, nu: float, ncp: float) -> float:
    """P(T' > critical) for the noncentral t; scipy gives NaN for a noncentrality of ~1e10 and more, where the
    power is 1 (its mean lies that many standard errors beyond any critical value reached here)."""
    power = float(stats.nct.sf(critical, nu, ncp))
    return power if not math.isnan(power) else float(ncp > critical)


def power_t_test(
    n: float | None = None,
    delta: float | None = None,
    sd: float = 1.0,
    sig_level: float = 0.05,
    power: float | None = None,
    type: str = "two.sample",
    alternative: str = "two.sided",
) -> dict:
    """R's `power.t.test` (strict = FALSE): give two of n, delta, power and get the third."""
    unknown = _one_unknown(n=n, delta=delta, power=power)
    tsample, tside = T_TYPES[type], SIDES[alternative]
    if tside == 2 and delta is not None:
        delta = abs(delta)

    def body(n_, delta_):
        nu = max(1e-7, n_ - 1) * tsample
        critical = _t_critical(sig_level / tside, nu)
        if n_ <= 0 or critical is None:
            return 0.0
        return _nct_power(critical, nu, math.sqrt(n_ / tsample) * delta_ / sd)

    if unknown == "power":
        power = body(n, delta)
    elif unknown == "n":
        n = uniroot(lambda v: body(v, delta) - power, 2, 1e7, extend="upX")
    else:
        delta = uniroot(lambda v: body(n, v) - power, sd * 1e-7, sd * 1e7, extend="upX")
    kind = {"two.sample": "Two-sample", "one.sample": "One-sample", "paired": "Paired"}[type]
    note = {
        "paired": "n is number of *pairs*, sd is std.dev. of *differences* within pairs",
        "two.sample": "n is number in *each* group",
    }.get(type)
    return {
        "method": f"{kind} t test power calculation",
        "n": n,
        "delta": delta,
        "sd": sd,
        "sig_level": sig_level,
        "power": power,
        "type": type,
        "alternative": alternative,
        "note": note,
    }


def power_prop_test(
    n: float | None = None,
    p1: float | None = None,
    p2: float | None = None,
    sig_level: float = 0.05,
    power: float | None = None,
    alternative: str = "two.sided",
) -> dict:
    """R's `power.prop.test` (strict = FALSE): give all but one of n, p2, power (p1 is always given)."""
    unknown = _one_unknown(n=n, p2=p2, power=power)
    tside = SIDES[alternative]
    if p1 is None:
        raise ValueError("p1 is required")

    def body(n_, p2_):
        q = stats.norm.isf(sig_level / tside)
        return float(
            stats.norm.cdf(
                (math.sqrt(n_) * abs(p1 - p2_) - q * math.sqrt((p1 + p2_) * (1 - (p1 + p2_) / 2)))
                / math.sqrt(p1 * (1 - p1) + p2_ * (1 - p2_))
            )
        )

    if unknown == "power":
        power = body(n, p2)
    elif unknown == "n":
        n = uniroot(lambda v: body(v, p2) - power, 1, 1e7, extend="upX")
    else:
        p2 = uniroot(lambda v: body(n, v) - power, p1, 1, extend="yes")
        if p2 > 1:
            raise NotTestable("not_estimable", what="p2_for_power")
    return {
        "method": "Two-sample comparison of proportions power calculation",
        "n": n,
        "p1": p1,
        "p2": p2,
        "sig_level": sig_level,
        "power": power,
        "alternative": alternative,
        "note": "n is number in *each* group",
    }


def unequal_t_test_n(
    delta: float, sd: float = 1.0, power: float = 0.8, sig_level: float = 0.05, ratio: float = 1.0
) -> dict:
    """Two-sample t test with unequal groups: the n of the first group, the other having `ratio` × n.
    power.t.test's power (two-sided, strict = FALSE) with ν = n₀ + n₁ − 2 and ncp = (δ/σ)/√(1/n₀ + 1/n₁), as R's
    pwr::pwr.t2n.test computes it (which adds the lower tail, negligible); ratio 1 is power.t.test itself."""
    if not ratio > 0:
        raise ValueError("ratio must be positive")
    if ratio == 1:
        n = power_t_test(delta=delta, sd=sd, power=power, sig_level=sig_level)["n"]
        return {"n": n, "n_other": n, "ratio": 1.0}
    effect = abs(delta) / sd

    def body(n0):
        n1 = ratio * n0
        nu = n0 + n1 - 2
        critical = _t_critical(sig_level / 2, nu) if nu > 0 else None
        if n0 <= 0 or critical is None:
            return 0.0
        return _nct_power(critical, nu, effect / math.sqrt(1 / n0 + 1 / n1))

    n = uniroot(lambda v: body(v) - power, 2 * max(1.0, 1 / ratio), 1e7, extend="upX")
    return {"n": n, "n_other": ratio * n, "ratio": ratio}


def unequal_prop_test_n(p1: float, p2: float, power: float = 0.8, sig_level: float = 0.05, ratio: float = 1.0) -> dict:
    """Two proportions with unequal groups: the n of the group with p1, the other (p2) having `ratio` × n.
    power.prop.test's normal formula (two-sided, strict = FALSE) with unequal groups (Fleiss, Levin & Paik
    2003, ch. 4, without continuity correction): Φ((|p₁ − p₂| − z·√(p̄q̄(1/n₁ + 1/n₂))) / √(p₁q₁/n₁ + p₂q₂/n₂)),
    p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂); ratio 1 is power.prop.test itself."""
    if not ratio > 0:
        raise ValueError("ratio must be positive")
    if ratio == 1:
        n = power_prop_test(p1=p1, p2=p2, power=power, sig_level=sig_level)["n"]
        return {"n": n, "n_other": n, "ratio": 1.0}
    q = float(stats.norm.isf(sig_level / 2))

    def body(n0):
        n1 = ratio * n0
        pooled = (n0 * p1 + n1 * p2) / (n0 + n1)
        null_se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
        alternative_se = math.sqrt(p1 * (1 - p1) / n0 + p2 * (1 - p2) / n1)
        return float(stats.norm.cdf((abs(p1 - p2) - q * null_se) / alternative_se))

    n = uniroot(lambda v: body(v) - power, max(1.0, 1 / ratio), 1e7, extend="upX")
    return {"n": n, "n_other": ratio * n, "ratio": ratio}


def ancova_sample_size(delta: float, sd: float, rho: float, power: float = 0.8, sig_level: float = 0.05) -> dict:
    """n per arm for ANCOVA with baseline correlation ρ: (1 − ρ²) × the two-sample t test's n
    (Borm, Fransen & Lemmens 2007, J Clin Epidemiol 60:1234)."""
    if not -1 < rho < 1:
        raise ValueError("rho must lie strictly between -1 and 1")
    t_test = power_t_test(delta=delta, sd=sd, power=power, sig_level=sig_level)
    n = t_test["n"] * (1 - rho * rho)
    return {
        "method": "ANCOVA sample size (Borm et al. 2007): n_t-test × (1 − rho²)",
        "n": n,
        "n_per_arm": math.ceil(n),
        "n_t_test": t_test["n"],
        "rho": rho,
        "delta": delta,
        "sd": sd,
        "power": power,
        "sig_level": sig_level,
        "note": "n is number in *each* group",
    }


def smallest_detectable_effect(
    n: float, sd: float = 1.0, power: float = 0.8, sig_level: float = 0.05, type: str = "two.sample"
) -> dict:
    """The difference (in the outcome's units; in sd units when sd = 1) that n gives `power` to detect:
    R's `power.t.test(n = n, sd = sd, power = power, delta = NULL)`."""
    if n < 2:
        raise NotTestable("too_few", what="per_group", n=n, minimum=2)
    return power_t_test(n=n, sd=sd, power=power, sig_level=sig_level, type=type)
