"""Published datasets shipped with R, typed in from R's `datasets` package (`?sleep`, `?mtcars`)."""

# sleep: extra hours of sleep of 10 patients (ID 1..10) under drug 1 (group 1) and drug 2 (group 2)
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# mtcars, in R's row order (Mazda RX4 ... Volvo 142E): mpg, am (0 = automatic, 1 = manual), wt
MPG = [
    21.0,
    21.0,
    22.8,
    21.4,
    18.7,
    18.1,
    14.3,
    24.4,
    22.8,
    19.2,
    17.8,
    16.4,
    17.3,
    15.2,
    10.4,
    10.4,
    14.7,
    32.4,
    30.4,
    33.9,
    21.5,
    15.5,
    15.2,
    13.3,
    19.2,
    27.3,
    26.0,
    30.4,
    15.8,
    19.7,
    15.0,
    21.4,
]
AM = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
WT = [
    2.620,
    2.875,
    2.320,
    3.215,
    3.440,
    3.460,
    3.570,
    3.190,
    3.150,
    3.440,
    3.440,
    4.070,
    3.730,
    3.780,
    5.250,
    5.424,
    5.345,
    2.200,
    1.615,
    1.835,
    2.465,
    3.520,
    3.435,
    3.840,
    3.845,
    1.935,
    2.140,
    1.513,
    3.170,
    2.770,
    3.570,
    2.780,
]
MPG_AUTOMATIC = [m for m, a in zip(MPG, AM, strict=True) if a == 0]
MPG_MANUAL = [m for m, a in zip(MPG, AM, strict=True) if a == 1]


def printed(text: str):
    """A value as R prints it: equal to within half a unit of its last printed digit."""
    import pytest

    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return pytest.approx(float(text), abs=10.0 ** (int(exponent or 0) - decimals) / 2)
