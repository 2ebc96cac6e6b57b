"""The sector at a glance, for coordinators: pilots by domain and state, participation, review
turnaround, outcomes, across every organisation."""
