"""Issue 13, item 10: the methods an audit found without an R reference, against values printed by R for
published data. Every value below was printed by R 4.2.2 (Debian bookworm's r-base-core 4.2.2.20221110-2), with
nlme 3.1-162, mice 3.15.0 and pwr 1.3-0 from Debian's r-cran-* packages; the R call is beside each value. R is
not needed to run these tests: the values are typed in."""

import pytest

from livinglab.analysis.intervals import median_interval, nps_interval
from livinglab.analysis.longitudinal import mixed_model_arm_time
from livinglab.analysis.missing import rubin_pool
from livinglab.analysis.multiarm import kruskal_wallis, welch_anova
from livinglab.analysis.power import power_t_test
from tests.analysis.reference_data import SLEEP_1, SLEEP_2, printed
from tests.analysis.reference_published import BODY_WEIGHT, ORTHODONT, PLANT_GROWTH

PLANTS = [PLANT_GROWTH[g] for g in ("ctrl", "trt1", "trt2")]


# --- three arms: Welch's one-way ANOVA and Kruskal-Wallis ---------------------------------------------------------


def test_three_arm_welch_anova_matches_r_on_plant_growth():
    # R: oneway.test(weight ~ group, data = PlantGrowth):
    # F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739
    # (print(unclass(r)[c("statistic", "parameter", "p.value")], digits = 10): 5.180972408, 17.12841862, 0.01739282149)
    result = welch_anova(PLANTS)
    assert result["statistic"] == printed("5.180972408")
    assert result["df"] == [2, printed("17.12841862")]
    assert result["p_value"] == printed("0.01739282149")
    assert result["n"] == 30


def test_three_arm_kruskal_wallis_matches_r_on_plant_growth():
    # R: kruskal.test(weight ~ group, data = PlantGrowth):
    # Kruskal-Wallis chi-squared = 7.9882, df = 2, p-value = 0.01842 (to 10 digits: 7.98822874944, 0.01842375573);
    # PlantGrowth has ties (4.17 twice), so the tie correction is exercised
    result = kruskal_wallis(PLANTS)
    assert result["statistic"] == printed("7.98822874944")
    assert result["df"] == 2
    assert result["p_value"] == printed("0.01842375573")


# --- paired power: power.t.test(type = "paired") --------------------------------------------------------------------

SLEEP_SD_OF_DIFFERENCES = 1.229995483  # R: d <- with(sleep, extra[group == 2] - extra[group == 1]); sd(d)


def test_the_sd_of_the_sleep_differences_is_rs():
    from statistics import stdev

    assert stdev([b - a for a, b in zip(SLEEP_1, SLEEP_2, strict=True)]) == printed("1.229995483")


def test_paired_power_matches_r_on_the_sleep_data():
    # R: power.t.test(n = 10, delta = 1.58, sd = sd(d), type = "paired"): power = 0.949605 (0.9496049883 with
    # digits = 10; 1.58 is mean(d), the sleep data's observed mean difference; sd(d) typed to 10 digits only)
    sd = SLEEP_SD_OF_DIFFERENCES
    assert power_t_test(n=10, delta=1.58, sd=sd, type="paired")["power"] == pytest.approx(0.9496049883, abs=1e-9)
    # R: power.t.test(delta = 1, sd = sd(d), power = 0.9, type = "paired")$n: 17.92804985 (pairs)
    assert power_t_test(delta=1, sd=sd, power=0.9, type="paired")["n"] == pytest.approx(17.92804985, abs=2e-4)
    # R: power.t.test(n = 10, sd = sd(d), power = 0.8, type = "paired")$delta: 1.225077841
    assert power_t_test(n=10, sd=sd, power=0.8, type="paired")["delta"] == pytest.approx(1.225077841, abs=2e-4)
    # (n and delta come from uniroot, whose default tolerance is ~1.2e-4: R's own digits beyond it are noise)


# --- the median's interval and the NPS interval -----------------------------------------------------------------------


def test_median_interval_matches_r_arithmetic_on_plant_growth():
    # The order-statistic interval of Conover (1999, Practical Nonparametric Statistics, 3rd ed., §3.2), as
    # DescTools::MedianCI(method = "exact") codes it (DescTools is not in Debian, so its formula in R):
    # x <- PlantGrowth$weight; n <- length(x); k <- qbinom(0.025, n, 0.5)   # 10
    # sort(x)[c(k, n - k + 1)]                                               # 4.69 5.37
    # 1 - 2 * pbinom(k - 1, n, 0.5)                                          # 0.9572260547
    # median(x)                                                              # 5.155
    result = median_interval(sum(PLANTS, []))
    assert result["ci95"] == [4.69, 5.37]
    assert result["conf_level"] == printed("0.9572260547")
    assert result["median"] == printed("5.155")
    # the same for x <- PlantGrowth$weight[PlantGrowth$group == "trt1"]: k = 2, 3.83 5.87, 0.978515625, 4.55
    trt1 = median_interval(PLANT_GROWTH["trt1"])
    assert trt1["ci95"] == [3.83, 5.87]
    assert trt1["conf_level"] == printed("0.978515625")
    assert trt1["median"] == printed("4.55")


# Rocks (2016, The American Statistician 70:365) adjusted Wald, as MeasuringU describes it (add 3 to n and ¾ to
# promoters and to detractors; variance of the difference of two proportions), in R arithmetic:
# nps_aw <- function(P, D, n, level = 0.95) {
#   n. <- n + 3; p <- (P + 0.75) / n.; d <- (D + 0.75) / n.
#   centre <- p - d; half <- qnorm(1 - (1 - level) / 2) * sqrt((p + d - centre^2) / n.)
#   100 * c(score = (P - D) / n, lower = max(-1, centre - half), upper = min(1, centre + half)) }
@pytest.mark.parametrize(
    "promoters, passives, detractors, level, printed_by_r",
    [
        (54, 36, 30, 0.95, ("20", "5.187198155", "33.837192089")),  # nps_aw(54, 30, 120)
        (54, 36, 30, 0.90, ("20", "7.490278697", "31.534111546")),  # nps_aw(54, 30, 120, 0.9)
        (5, 2, 3, 0.95, ("20", "-30.32599444", "61.09522520")),  # nps_aw(5, 3, 10)
        (5, 0, 0, 0.95, ("100", "17.49145303", "100")),  # nps_aw(5, 0, 5): the upper bound stops at 100
    ],
)
def test_nps_interval_matches_r_arithmetic_of_rocks_adjusted_wald(promoters, passives, detractors, level, printed_by_r):
    answers = [10] * promoters + [7] * passives + [3] * detractors
    result = nps_interval(answers, conf_level=level)
    score, lower, upper = printed_by_r
    assert result["score"] == printed(score)
    assert result["ci95"] == [printed(lower), printed(upper)]


# --- the arm × time mixed model against nlme::lme(method = "REML") ----------------------------------------------------


def _long(table: dict, times: list, arm_of, dropped=()):
    values, participant, timepoint, arm = [], [], [], []
    for who, row in table.items():
        for time, value in zip(times, row, strict=True):
            if (who, time) in dropped:
                continue
            values.append(value)
            participant.append(who)
            timepoint.append(time)
            arm.append(arm_of(who))
    return values, participant, timepoint, arm


def _as_r(text: str):
    """R's value: to its printed digits for summary()'s 7, to 1e-7 relative for the 10 digits asked of print()
    (nlme's optimiser stops near 1e-9 relative: the tenth digit is not nlme's to guarantee)."""
    digits = len(text.lstrip("-").replace(".", "").lstrip("0"))
    return printed(text) if digits <= 7 else pytest.approx(float(text), rel=1e-7)


def _check(terms, expected, intervals=None):
    for term, (estimate, se, df, t) in zip(terms, expected, strict=True):
        assert term["estimate"] == _as_r(estimate)
        assert term["se"] == _as_r(se)
        assert term["df"] == df
        assert term["statistic"] == _as_r(t)
    for term, (lower, upper) in zip(terms if intervals else [], intervals or [], strict=True):
        assert term["ci95"] == [pytest.approx(float(lower), abs=1e-7), pytest.approx(float(upper), abs=1e-7)]


def test_arm_by_time_mixed_model_matches_nlme_on_orthodont():
    # R: library(nlme); fit <- lme(distance ~ Sex * factor(age), random = ~ 1 | Subject, data = Orthodont,
    # method = "REML"); summary(fit) (Male is the first level of Sex: the control here):
    #   StdDev: (Intercept) 1.812564, Residual 1.40536
    #                             Value Std.Error DF  t-value
    #   SexFemale               -1.693182 0.8983302 25 -1.88481
    #   factor(age)10            0.937500 0.4968699 75  1.88681
    #   factor(age)12            2.843750 0.4968699 75  5.72333
    #   factor(age)14            4.593750 0.4968699 75  9.24538
    #   SexFemale:factor(age)10  0.107955 0.7784456 75  0.13868
    #   SexFemale:factor(age)12 -0.934659 0.7784456 75 -1.20067
    #   SexFemale:factor(age)14 -1.684659 0.7784456 75 -2.16413
    # print(intervals(fit, which = "fixed"), digits = 10): the lower and upper bounds below
    result = mixed_model_arm_time(
        *_long(ORTHODONT, [8, 10, 12, 14], lambda who: "Male" if who[0] == "M" else "Female"),
        timepoints=[8, 10, 12, 14],
        arms=["Male", "Female"],
    )
    assert result["random_intercept_sd"] == printed("1.812564")
    assert result["residual_sd"] == printed("1.40536")
    assert (result["n_participants"], result["n_observations"], result["warnings"]) == (27, 108, [])
    _check(
        result["arm_at_baseline"],
        [("-1.693182", "0.8983302", 25, "-1.88481")],
        [("-3.54332754784", "0.1569639115")],
    )
    _check(
        result["time_in_control"],
        [
            ("0.937500", "0.4968699", 75, "1.88681"),
            ("2.843750", "0.4968699", 75, "5.72333"),
            ("4.593750", "0.4968699", 75, "9.24538"),
        ],
        [("-0.05231567281", "1.9273156728"), ("1.85393432719", "3.8335656728"), ("3.60393432719", "5.5835656728")],
    )
    _check(
        result["interactions"],
        [
            ("0.107955", "0.7784456", 75, "0.13868"),
            ("-0.934659", "0.7784456", 75, "-1.20067"),
            ("-1.684659", "0.7784456", 75, "-2.16413"),
        ],
        [("-1.44278858390", "1.6586976748"), ("-2.48540222027", "0.6160840384"), ("-3.23540222027", "-0.1339159616")],
    )
    # summary(fit)$tTable p-values: 7.113205197e-02 (SexFemale), 3.363781828e-02 (SexFemale:factor(age)14)
    assert result["arm_at_baseline"][0]["p_value"] == pytest.approx(7.113205197e-02, rel=1e-7)
    assert result["interactions"][2]["p_value"] == pytest.approx(3.363781828e-02, rel=1e-7)


# rows dropped from Orthodont to make the visits unbalanced (drop-outs at 12 and 14 years)
DROPPED = {(who, 14) for who in ("M13", "M14", "M15", "M16", "F10", "F11")} | {("F09", 12)}


@pytest.mark.parametrize("engine", ["profile", "statsmodels"])
def test_arm_by_time_mixed_model_matches_nlme_with_unbalanced_visits(engine):
    # R: O <- as.data.frame(Orthodont)
    # drop <- (O$age == 14 & O$Subject %in% c("M13", "M14", "M15", "M16", "F10", "F11")) |
    #         (O$age == 12 & O$Subject == "F09"); U <- O[!drop, ]                          # 101 rows
    # fit <- lme(distance ~ Sex * factor(age), random = ~ 1 | Subject, data = U, method = "REML")
    # print(summary(fit)$tTable, digits = 10); print(intervals(fit, which = "fixed"), digits = 10); VarCorr(fit):
    #   StdDev (Intercept) 1.794410, Residual 1.385986
    values, participant, timepoint, arm = _long(
        ORTHODONT, [8, 10, 12, 14], lambda who: "Male" if who[0] == "M" else "Female", DROPPED
    )
    assert len(values) == 101
    result = mixed_model_arm_time(
        values, participant, timepoint, arm, timepoints=[8, 10, 12, 14], arms=["Male", "Female"], engine=engine
    )
    assert result["random_intercept_sd"] == printed("1.794410")
    assert result["residual_sd"] == printed("1.385986")
    _check(
        result["arm_at_baseline"],
        [("-1.6931818182", "0.8880626292", 25, "-1.9066018123")],
        [("-3.52218104018", "0.1358174038")],
    )
    _check(
        result["time_in_control"],
        [
            ("0.9375000000", "0.4900199633", 68, "1.9131873602"),
            ("2.8437500000", "0.4900199633", 68, "5.8033349926"),
            ("4.3534095127", "0.5396912876", 68, "8.0664809920"),
        ],
        [("-0.04031961252", "1.9153196125"), ("1.86593038748", "3.8215696125"), ("3.27647231580", "5.4303467096")],
    )
    _check(
        result["interactions"],
        [
            ("0.1079545455", "0.7677137392", 68, "0.1406182278"),
            ("-0.9658899091", "0.7821390780", 68, "-1.2349337045"),
            ("-1.3975248521", "0.8307912294", 68, "-1.6821612972"),
        ],
        [("-1.42399436940", "1.6399034603"), ("-2.52662413936", "0.5948443212"), ("-3.05534293886", "0.2602932346")],
    )
    assert result["interactions"][2]["p_value"] == pytest.approx(9.712465184e-02, rel=1e-7)


def test_three_arm_by_time_mixed_model_matches_nlme_on_body_weight():
    # R: B <- as.data.frame(BodyWeight); B <- B[B$Time %in% c(1, 22, 43, 64), ]
    # fit2 <- lme(weight ~ Diet * factor(Time), random = ~ 1 | Rat, data = B, method = "REML"); summary(fit2):
    #   StdDev: (Intercept) 36.52473, Residual 8.399815
    #                          Value Std.Error DF   t-value
    #   Diet2                203.125 22.950596 13  8.850533
    #   Diet3                258.125 22.950596 13 11.246984
    #   factor(Time)22        11.250  4.199907 39  2.678630
    #   factor(Time)43        16.750  4.199907 39  3.988183
    #   factor(Time)64        23.125  4.199907 39  5.506074
    #   Diet2:factor(Time)22  10.000  7.274453 39  1.374674
    #   Diet3:factor(Time)22  -1.750  7.274453 39 -0.240568
    #   Diet2:factor(Time)43  16.000  7.274453 39  2.199478
    #   Diet3:factor(Time)43  -2.750  7.274453 39 -0.378035
    #   Diet2:factor(Time)64  41.625  7.274453 39  5.722080
    #   Diet3:factor(Time)64  18.375  7.274453 39  2.525963
    # intervals(fit2, which = "fixed"): Diet2:factor(Time)64 [26.911029714, 56.33897029]
    def diet(rat):
        return "1" if rat <= 8 else "2" if rat <= 12 else "3"

    result = mixed_model_arm_time(
        *_long(BODY_WEIGHT, [1, 22, 43, 64], diet), timepoints=[1, 22, 43, 64], arms=["1", "2", "3"]
    )
    assert result["random_intercept_sd"] == printed("36.52473")
    assert result["residual_sd"] == printed("8.399815")
    _check(
        result["arm_at_baseline"],
        [("203.125", "22.950596", 13, "8.850533"), ("258.125", "22.950596", 13, "11.246984")],
    )
    _check(
        result["time_in_control"],
        [
            ("11.250", "4.199907", 39, "2.678630"),
            ("16.750", "4.199907", 39, "3.988183"),
            ("23.125", "4.199907", 39, "5.506074"),
        ],
    )
    # the code lists each arm's interactions in turn (arm 2 at 22, 43, 64, then arm 3); R interleaves them
    by_arm = {(t["arm"], t["timepoint"]): t for t in result["interactions"]}
    expected = {
        ("2", 22): ("10.000", "7.274453", 39, "1.374674"),
        ("3", 22): ("-1.750", "7.274453", 39, "-0.240568"),
        ("2", 43): ("16.000", "7.274453", 39, "2.199478"),
        ("3", 43): ("-2.750", "7.274453", 39, "-0.378035"),
        ("2", 64): ("41.625", "7.274453", 39, "5.722080"),
        ("3", 64): ("18.375", "7.274453", 39, "2.525963"),
    }
    assert set(by_arm) == set(expected)
    _check([by_arm[key] for key in expected], list(expected.values()))
    assert by_arm[("2", 64)]["ci95"] == [pytest.approx(26.911029714, abs=1e-6), pytest.approx(56.33897029, abs=1e-6)]


# --- multiple imputation: Rubin's rules against mice::pool.scalar -----------------------------------------------------

# R's ?pool.scalar example (mice 3.15.0): imp <- mice(nhanes, print = FALSE, seed = 16117); m <- imp$m;
# for (i in 1:m) { Q[i] <- mean(complete(imp, i)$bmi); U[i] <- var(complete(imp, i)$bmi) / nrow(nhanes) }
# print(Q, digits = 15); print(U, digits = 15):
NHANES_Q = [26.780, 25.588, 26.872, 26.404, 26.052]
NHANES_U = [0.591800000000000, 0.661277333333333, 0.696784000000000, 0.707116000000000, 0.566137333333333]


def test_rubin_pool_matches_mice_pool_scalar_with_the_complete_data_df():
    # R: p <- pool.scalar(Q, U, n = nrow(nhanes))   # k = 1: complete-data df = 25 − 1 = 24 (Barnard & Rubin 1999)
    # print(unlist(p[c("qbar", "ubar", "b", "t", "df")]), digits = 10):
    #   qbar 26.3392000000, ubar 0.6446229333, b 0.2822912000, t 0.9833723733, df 10.1715270148
    # se <- sqrt(p$t); q <- qt(0.975, p$df); c(p$qbar - q * se, p$qbar + q * se, 2 * pt(-abs(p$qbar / se), p$df)):
    #   24.13470332 28.54369668 9.889246371e-11
    result = rubin_pool(NHANES_Q, NHANES_U, complete_df=24)
    assert result["estimate"] == printed("26.3392000000")
    assert result["within"] == printed("0.6446229333")
    assert result["between"] == printed("0.2822912000")
    assert result["total"] == printed("0.9833723733")
    assert result["df"] == printed("10.1715270148")
    assert result["ci95"] == [printed("24.13470332"), printed("28.54369668")]
    assert result["p_value"] == printed("9.889246371e-11")
    assert result["m"] == 5


def test_rubin_pool_matches_mice_pool_scalar_without_a_complete_data_df():
    # R: pool.scalar(Q, U)   # n = Inf: Rubin's (1987) df, (m − 1)(1 + 1/r)²: df 33.7084533164
    assert rubin_pool(NHANES_Q, NHANES_U)["df"] == printed("33.7084533164")
    # R: pool.scalar(c(1.0, 1.2, 0.9), c(0.04, 0.05, 0.045), n = 21, k = 1)$df: 5.67652875914 (dfcom = 20);
    # without n: 11.97002551020
    assert rubin_pool([1.0, 1.2, 0.9], [0.04, 0.05, 0.045], complete_df=20)["df"] == printed("5.67652875914")
    assert rubin_pool([1.0, 1.2, 0.9], [0.04, 0.05, 0.045])["df"] == printed("11.97002551020")
