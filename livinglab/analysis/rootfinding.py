"""R's uniroot: Brent's zeroin (R_zeroin2, src/library/stats/src/zeroin.c), so roots match R's digits."""

import math
import sys

EPSILON = sys.float_info.epsilon
R_TOL = EPSILON**0.25  # uniroot's default tol = .Machine$double.eps^0.25
DBL_MAX = sys.float_info.max


def _finite(value: float) -> float:
    """R's zeroin wrapper maps -Inf/Inf to -/+ DBL_MAX (and refuses NaN)."""
    if math.isnan(value):
        raise ValueError("f() values at end points not of opposite sign")  # R stops likewise
    return max(-DBL_MAX, min(DBL_MAX, value))


def zeroin(f, ax: float, bx: float, fa: float, fb: float, tol: float = R_TOL, maxit: int = 1000) -> float:
    """The root of f in [ax, bx] exactly as R_zeroin2 iterates (fa, fb = f(ax), f(bx))."""
    a, b, c = ax, bx, ax
    fc = fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * EPSILON * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = _finite(f(b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def uniroot(f, lower: float, upper: float, tol: float = R_TOL, extend: str = "no", maxiter: int = 1000) -> float:
    """R's `uniroot(f, c(lower, upper), tol, extendInt)`: `extend` is "no", "yes", "upX" or "downX"."""
    f_lower, f_upper = _finite(f(lower)), _finite(f(upper))
    sign = {"no": 0, "upX": 1, "downX": -1, "yes": None}[extend]
    # R extends the interval by doubling steps of 1 % of |bound| until the signs differ
    if sign is None and f_lower * f_upper > 0:
        delta_l = 0.01 * max(1e-4, abs(lower))
        delta_u = 0.01 * max(1e-4, abs(upper))
        for _ in range(maxiter):
            if f_lower * f_upper <= 0:
                break
            lower -= delta_l
            upper += delta_u
            delta_l *= 2
            delta_u *= 2
            f_lower, f_upper = _finite(f(lower)), _finite(f(upper))
    elif sign:
        delta_l = 0.01 * max(1e-4, abs(lower))
        delta_u = 0.01 * max(1e-4, abs(upper))
        for _ in range(maxiter):
            if not sign * f_lower > 0:
                break
            delta_l *= 2
            lower -= delta_l
            f_lower = _finite(f(lower))
        for _ in range(maxiter):
            if not sign * f_upper < 0:
                break
            delta_u *= 2
            upper += delta_u
            f_upper = _finite(f(upper))
    if f_lower * f_upper > 0:
        raise ValueError("f() values at end points not of opposite sign")
    return zeroin(f, lower, upper, f_lower, f_upper, tol, maxiter)
