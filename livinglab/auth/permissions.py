"""Moved to `livinglab.policy`, the one home of who may do what; these names stay importable from here so
that code written against the old module keeps working until it imports `livinglab.policy` itself."""
from ..policy import (ANYONE, authorise, can, declare_access, get_study_or_404, is_enrolled,  # noqa: F401
                      permits, public, requires, visible_studies)
