"""The values a protocol's choices take."""

import enum


class Domain(enum.StrEnum):
    EHEALTH = "e-health"
    FOODTECH = "foodtech"


class Design(enum.StrEnum):
    SINGLE_GROUP_PRE_POST = "single_group_pre_post"
    PARALLEL_GROUPS = "parallel_groups"


class PrimaryAnalysis(enum.StrEnum):
    """Parallel groups whose primary variable is measured at baseline: adjusted for it, or not."""

    ANCOVA = "ancova"
    UNADJUSTED = "unadjusted"


class SecondaryAdjustment(enum.StrEnum):
    """How the p values of the secondary (exploratory) families are adjusted: the family-wise error rate
    (Holm) or the false discovery rate (Benjamini–Hochberg)."""

    HOLM = "holm"
    BENJAMINI_HOCHBERG = "benjamini_hochberg"


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


class CppDecision(enum.StrEnum):
    """The ethics committee's (CPP) opinion."""

    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"
    PENDING = "pending"


class MedicalDevice(enum.StrEnum):
    """Whether a medical device is involved, and its CE marking."""

    NONE = "none"
    CE_WITHIN_PURPOSE = "ce_within_purpose"
    CE_OUTSIDE_PURPOSE = "ce_outside_purpose"
    NOT_CE_MARKED = "not_ce_marked"


class LegalBasis(enum.StrEnum):
    """The lawful basis of the processing, GDPR article 6(1)."""

    CONSENT = "consent"  # (a)
    CONTRACT = "contract"  # (b)
    LEGAL_OBLIGATION = "legal_obligation"  # (c)
    VITAL_INTERESTS = "vital_interests"  # (d)
    PUBLIC_TASK = "public_task"  # (e)
    LEGITIMATE_INTERESTS = "legitimate_interests"  # (f)


class HealthDataException(enum.StrEnum):
    """Which exception of GDPR article 9(2) allows processing health data, or none is processed."""

    NO_HEALTH_DATA = "no_health_data"
    EXPLICIT_CONSENT = "explicit_consent"  # (a)
    PUBLIC_INTEREST_HEALTH = "public_interest_health"  # (i)
    SCIENTIFIC_RESEARCH = "scientific_research"  # (j)


class ConsentMode(enum.StrEnum):
    """How a participant agrees to take part (studies/regulatory.py: `CONSENT_MODES` decides which applies)."""

    WRITTEN = "written"  # signed (RIPH 1, L. 1122-1-1 1° CSP)
    EXPRESS = "express"  # explicit and recorded, not necessarily signed (RIPH 2, L. 1122-1-1 2° CSP)
    INFORMATION = "information"  # informed, with a right to object (RIPH 3, L. 1122-1-1 3° CSP; MR-003, MR-004)
