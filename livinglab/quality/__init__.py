"""Data quality: flags on each response (straight-lining, too fast, implausible values) and exclusions of
responses with a reason, which only the sensitivity analysis leaves out."""
