"""What the fuzzers share: Hypothesis bounded and reproducible (derandomized, no example database, no shrinking,
no deadline, no health check), so that a run sends the same requests each time and prints the same counts."""

import os

from hypothesis import HealthCheck, Phase, settings


def examples(default: int) -> int:
    """LIVINGLAB_FUZZ_EXAMPLES, else the fuzzer's own default."""
    return int(os.environ.get("LIVINGLAB_FUZZ_EXAMPLES", str(default)))


def reproducible(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
