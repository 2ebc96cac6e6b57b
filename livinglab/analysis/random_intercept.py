"""REML for the linear mixed model with one random intercept per participant, by profiling the likelihood.

y = Xβ + b + e, b ~ N(0, σ²γ) per participant, e ~ N(0, σ²): for a given variance ratio γ the fixed effects and
σ² have closed forms, so the restricted log-likelihood is maximised over γ alone (Brent on log γ, and the
boundary γ = 0). The same likelihood as nlme::lme and statsmodels' MixedLM (REML), computed from per-participant
sums, so 15,000 rows take milliseconds instead of MixedLM's per-group Python loop.
"""

import math

import numpy as np
import pandas as pd
from scipy import optimize, sparse


class SingularDesign(Exception):
    """The fixed effects are not estimable (a column is a combination of the others)."""


def group_index(groups) -> np.ndarray:
    """Each observation's participant as an integer 0..m − 1 (a hash of the labels: sorting 15,000 text labels
    three times per fit was most of a fit's time)."""
    return pd.factorize(np.asarray(groups, dtype=object))[0]


def reml_random_intercept(y, design, groups) -> dict:
    """REML estimates: fe_params, cov (of the fixed effects), scale (σ²), cov_re (σ²γ), converged."""
    y, design = np.asarray(y, dtype=float), np.asarray(design, dtype=float)
    index = group_index(groups)
    n, p = design.shape
    m = int(index.max()) + 1 if len(index) else 0
    indicator = sparse.csr_matrix((np.ones(n), (np.arange(n), index)), shape=(n, m))
    sizes = np.asarray(indicator.sum(axis=0)).ravel()
    sums_x = np.asarray(indicator.T @ design)  # per-participant column sums of X
    sums_y = np.asarray(indicator.T @ y).ravel()
    xtx, xty, yty = design.T @ design, design.T @ y, float(y @ y)
    if np.linalg.matrix_rank(xtx) < p:
        raise SingularDesign

    def pieces(gamma):
        c = gamma / (1 + sizes * gamma)  # H⁻¹ = I − c·J within each participant, H = I + γJ
        a = xtx - sums_x.T @ (c[:, None] * sums_x)
        b = xty - sums_x.T @ (c * sums_y)
        beta = np.linalg.solve(a, b)
        rss = yty - float(np.sum(c * sums_y**2)) - float(b @ beta)
        return a, beta, rss

    def minus_loglike(log_gamma):
        gamma = math.exp(log_gamma) if log_gamma is not None else 0.0
        a, _, rss = pieces(gamma)
        if rss <= 0:
            return math.inf
        sign, logdet = np.linalg.slogdet(a)
        return 0.5 * ((n - p) * math.log(rss) + float(np.sum(np.log1p(sizes * gamma))) + logdet)

    def slope(log_gamma):
        """d(−2ℓ)/d log γ, analytically: a root of it locates γ to machine precision, where a minimiser
        of the flat likelihood stops at about √ε."""
        gamma = math.exp(log_gamma)
        c_prime = 1 / (1 + sizes * gamma) ** 2
        a, beta, rss = pieces(gamma)
        da = -sums_x.T @ (c_prime[:, None] * sums_x)
        db = -sums_x.T @ (c_prime * sums_y)
        drss = -float(np.sum(c_prime * sums_y**2)) - 2 * float(beta @ db) + float(beta @ da @ beta)
        dlogdet = float(np.trace(np.linalg.solve(a, da)))
        return gamma * ((n - p) * drss / rss + float(np.sum(sizes / (1 + sizes * gamma))) + dlogdet)

    best = optimize.minimize_scalar(
        minus_loglike, bounds=(-25.0, 12.0), method="bounded", options={"xatol": 1e-10, "maxiter": 500}
    )
    log_gamma, converged = best.x, bool(best.success)
    low, high = log_gamma - 1e-3, log_gamma + 1e-3
    if -25.0 < low and high < 12.0 and slope(low) < 0 < slope(high):
        log_gamma = optimize.brentq(slope, low, high, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    gamma = math.exp(log_gamma)
    if minus_loglike(None) <= minus_loglike(log_gamma):  # the boundary: no between-participant variance
        gamma = 0.0
    a, beta, rss = pieces(gamma)
    scale = rss / (n - p)
    return {
        "fe_params": beta,
        "cov": scale * np.linalg.inv(a),
        "scale": scale,
        "cov_re": scale * gamma,
        "converged": converged,
        "boundary": gamma == 0.0,
        "groups": m,
    }


def fixed_effects_covariance(design, groups, gamma: float, scale: float) -> np.ndarray:
    """nlme's varFix: σ²(X'H⁻¹X)⁻¹ at the variance ratio γ (statsmodels reports an observed-information
    covariance instead, which differs slightly when visits are unbalanced)."""
    design = np.asarray(design, dtype=float)
    index = group_index(groups)
    n = len(design)
    indicator = sparse.csr_matrix((np.ones(n), (np.arange(n), index)))
    sizes = np.asarray(indicator.sum(axis=0)).ravel()
    sums_x = np.asarray(indicator.T @ design)
    c = gamma / (1 + sizes * gamma)
    return scale * np.linalg.inv(design.T @ design - sums_x.T @ (c[:, None] * sums_x))
