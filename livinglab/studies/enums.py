"""The values a protocol's choices take."""

import enum


class Domain(enum.StrEnum):
    EHEALTH = "e-health"
    FOODTECH = "foodtech"


class Design(enum.StrEnum):
    SINGLE_GROUP_PRE_POST = "single_group_pre_post"
    PARALLEL_GROUPS = "parallel_groups"


class Hypothesis(enum.StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    CHANGE = "change"


class ResearchCategory(enum.StrEnum):
    """French Jardé law categories, research not involving the person (R.1121-1 II 3° CSP: on existing
    data only), or outside the Jardé law altogether (R.1121-1 II 1° and 2° CSP: satisfaction surveys...).
    What each requires: `studies.regulatory`."""

    RIPH1 = "riph1"
    RIPH2 = "riph2"
    RIPH3 = "riph3"
    NOT_RIPH = "not_riph"
    OUTSIDE_JARDE = "outside_jarde"


class CnilFramework(enum.StrEnum):
    MR001 = "mr001"
    MR003 = "mr003"
    MR004 = "mr004"
    AUTHORISATION = "authorisation"
    NONE = "none"  # no reference methodology nor authorisation: the GDPR alone
