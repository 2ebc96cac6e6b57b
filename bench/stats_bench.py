"""Issue 13 statistics on a large pilot: seconds per method, run by hand (never by the test suite).

    .venv/bin/python bench/stats_bench.py                      # 5,000 participants × 3 arms × 3 timepoints
    .venv/bin/python bench/stats_bench.py --participants 2000 --runs 5 --imputations 20
    .venv/bin/python bench/stats_bench.py --statsmodels              # also the MixedLM engine (a minute or more)

It builds a synthetic parallel-group pilot (arms control, app, coach; timepoints baseline, month_3, month_6;
a numeric outcome with a participant effect, about 10 % missing at the last timepoints, a yes/no outcome,
an NPS answer, a 5-item instrument and survey durations) and times each pure function of issue 13 on it,
printing the median wall time of --runs runs (the mixed models and MICE run --slow-runs times).
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livinglab.analysis import (  # noqa: E402
    ancova,
    binary,
    correlation,
    effect_sizes,
    false_discovery,
    intervals,
    longitudinal,
    missing,
    multiarm,
    power,
    quality,
)

ARMS = ["control", "app", "coach"]
TIMEPOINTS = ["baseline", "month_3", "month_6"]


def pilot(participants: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    arm = rng.choice(ARMS, participants)
    effect = np.select([arm == "app", arm == "coach"], [0.3, 0.5], 0.0)
    level = rng.normal(50, 10, participants)
    wide = np.column_stack(
        [
            level + rng.normal(0, 5, participants),
            level + effect * 5 + rng.normal(0, 5, participants),
            level + effect * 10 + rng.normal(0, 5, participants),
        ]
    )
    wide[:, 1:][rng.random((participants, 2)) < 0.1] = np.nan
    yes_first = rng.random(participants) < 0.4
    yes_last = np.where(rng.random(participants) < 0.2, ~yes_first, yes_first)
    items = rng.integers(1, 6, (participants, 5))
    items[rng.random(participants) < 0.05] = 3  # some straight-liners
    return {
        "arm": arm,
        "wide": wide,
        "yes_first": yes_first,
        "yes_last": yes_last,
        "nps": rng.integers(0, 11, participants),
        "items": items,
        "durations": rng.gamma(4, 20, participants),
    }


def long_form(data: dict, with_arm: bool):
    wide = data["wide"]
    n = len(wide)
    values = wide.ravel()
    participant = np.repeat(np.arange(n), 3)
    timepoint = np.tile(np.array(TIMEPOINTS, dtype=object), n)
    arm = np.repeat(data["arm"], 3)
    return (values, participant, timepoint, arm) if with_arm else (values, participant, timepoint)


def methods(data: dict, imputations: int, statsmodels_engine: bool) -> list:
    wide, arm = data["wide"], data["arm"]
    last, baseline = wide[:, 2], wide[:, 0]
    by_arm = {a: last[arm == a] for a in ARMS}
    control, app = by_arm["control"], by_arm["app"]
    completed = {a: int(np.sum((arm == a) & np.isfinite(last))) for a in ARMS}
    randomised = {a: int(np.sum(arm == a)) for a in ARMS}
    answers = {i: list(row) for i, row in enumerate(data["items"])}
    values = {i: {"outcome": v} for i, v in enumerate(last)}
    alpha_n = len(data["items"])
    p_values = list(np.random.default_rng(1).random(40))
    return [
        ("ancova (3 arms)", False, lambda: ancova.ancova(last, baseline, arm, ARMS)),
        ("welch_anova", False, lambda: multiarm.welch_anova(list(by_arm.values()))),
        ("kruskal_wallis", False, lambda: multiarm.kruskal_wallis(list(by_arm.values()))),
        ("against_control (Welch + Mann-Whitney, Holm)", False, lambda: multiarm.against_control(by_arm)),
        (
            "mixed_model_time (15,000 rows)",
            True,
            lambda: longitudinal.mixed_model_time(*long_form(data, False), TIMEPOINTS),
        ),
        (
            "mixed_model_arm_time (15,000 rows)",
            True,
            lambda: longitudinal.mixed_model_arm_time(*long_form(data, True), TIMEPOINTS, ARMS),
        ),
        *(
            [
                (
                    "mixed_model_time, statsmodels MixedLM engine",
                    True,
                    lambda: longitudinal.mixed_model_time(*long_form(data, False), TIMEPOINTS, engine="statsmodels"),
                ),
                (
                    "mixed_model_arm_time, statsmodels MixedLM engine",
                    True,
                    lambda: longitudinal.mixed_model_arm_time(
                        *long_form(data, True), TIMEPOINTS, ARMS, engine="statsmodels"
                    ),
                ),
            ]
            if statsmodels_engine
            else []
        ),
        ("friedman (complete cases)", False, lambda: longitudinal.friedman(wide)),
        ("mcnemar", False, lambda: binary.mcnemar(data["yes_first"], data["yes_last"])),
        (
            "compare_binary (risk difference, OR, test)",
            False,
            lambda: binary.compare_binary(data["yes_last"][arm == "app"], data["yes_last"][arm == "control"]),
        ),
        ("hedges_g_exact", False, lambda: effect_sizes.hedges_g_exact(app, control)),
        ("cohens_dz", False, lambda: effect_sizes.cohens_dz(last, baseline)),
        ("nps_interval", False, lambda: intervals.nps_interval(data["nps"])),
        ("cronbach_alpha_interval", False, lambda: intervals.cronbach_alpha_interval(0.8, alpha_n, 5)),
        ("median_interval", False, lambda: intervals.median_interval(last)),
        ("pearson", False, lambda: correlation.pearson(baseline, last)),
        ("spearman", False, lambda: correlation.spearman(baseline, last)),
        (
            "spearman, n = 1,000 (exact branch, Edgeworth)",
            False,
            lambda: correlation.spearman(baseline[:1000], last[:1000]),
        ),
        ("benjamini_hochberg (40 p values)", False, lambda: false_discovery.benjamini_hochberg(p_values)),
        ("power_t_test (solve n)", False, lambda: power.power_t_test(power=0.9, delta=0.5)),
        ("power_prop_test (solve n)", False, lambda: power.power_prop_test(p1=0.4, p2=0.5, power=0.8)),
        ("ancova_sample_size", False, lambda: power.ancova_sample_size(0.5, 1, 0.6)),
        ("smallest_detectable_effect", False, lambda: power.smallest_detectable_effect(1666)),
        (
            "quality flags (straight-lining, too fast, range)",
            False,
            lambda: quality.merge_flags(
                quality.straight_lining(answers),
                quality.too_fast(dict(enumerate(data["durations"])), 20),
                quality.out_of_range(values, {"outcome": (0, 80)}),
            ),
        ),
        ("attrition", False, lambda: missing.attrition(randomised, completed)),
        ("baseline_carried_forward", False, lambda: missing.baseline_carried_forward(baseline, last)),
        (
            f"mice_ancova ({imputations} imputations)",
            True,
            lambda: missing.mice_ancova(last, baseline, arm, ARMS, imputations=imputations),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow-runs", type=int, default=1)
    parser.add_argument("--imputations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--statsmodels", action="store_true", help="also time the MixedLM engine (slow)")
    args = parser.parse_args()
    data = pilot(args.participants, args.seed)
    print(
        f"{args.participants} participants × {len(ARMS)} arms × {len(TIMEPOINTS)} timepoints; median of "
        f"{args.runs} runs ({args.slow_runs} for the slow ones)"
    )
    total = 0.0
    for name, slow, run in methods(data, args.imputations, args.statsmodels):
        times = []
        for _ in range(args.slow_runs if slow else args.runs):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        total += seconds
        print(f"{name:<52} {seconds:9.4f} s")
    print(f"{'total (one run of each)':<52} {total:9.4f} s")


if __name__ == "__main__":
    main()
