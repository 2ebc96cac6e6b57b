"""The results' query-count fixtures (a study at 10 and 1,000 participants), shared with tests/results."""

from tests.results.test_results_queries import measure, study_id  # noqa: F401  (fixtures)
