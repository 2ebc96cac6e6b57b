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
    """French Jardé law categories, or research that does not involve the person."""

    RIPH1 = "riph1"
    RIPH2 = "riph2"
    RIPH3 = "riph3"
    NOT_RIPH = "not_riph"


class CnilFramework(enum.StrEnum):
    MR001 = "mr001"
    MR003 = "mr003"
    MR004 = "mr004"
    AUTHORISATION = "authorisation"
