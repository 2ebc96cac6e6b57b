"""A plausible context for every kind of message: `flask --app livinglab mail-samples` sends one of
each to an account, so that every template can be read in the local mailbox (and the tests render them)."""

SAMPLES = {
    "verify_email": {"link": "/account/verify?token=abc"},
    "password_reset": {"link": "/account/reset?token=abc", "expires_minutes": 60},
    "email_change_confirm": {"link": "/account/email/confirm?token=abc", "new_email": "new@example.org"},
    "email_change_notice": {"new_email": "new@example.org"},
    "organisation_invitation": {"link": "/account/invitations/abc", "organisation": "Sommeil+", "inviter": "Ana"},
    "consent_changed": {"study_id": 7, "title": "Sleep", "consent_version": 2, "reconsent_required": True},
    "enrolment_confirmed": {"study_id": 7, "title": "Sleep"},
    "withdrawal_confirmed": {"study_id": 7, "title": "Sleep", "erase_data": False},
    "erasure_confirmed": {"answers_kept": True},
    "review_submitted": {
        "study_id": 7,
        "title": "Sleep",
        "organisation": "Sommeil+",
        "submitter_verified": False,
        "letter": {"answered": 1, "comments": 2, "round": 2},  # a resubmission with its response letter
    },
    "review_digest": {
        "count": 3,
        "studies": [
            {
                "study_id": 7,
                "title": "Sleep",
                "organisation": "Sommeil+",
                "submitted_at": "2026-03-02T09:00:00+00:00",
                "submitter_verified": True,
            }
        ],
        "day": "2026-03-03",
    },
    "review_decision": {"study_id": 7, "title": "Sleep", "decision": "reject", "comment": "No <b>risk</b> plan."},
    "recruitment_changed": {"study_id": 7, "title": "Sleep", "state": "paused"},
    "problem_reported": {
        "study_id": 7,
        "title": "Sleep",
        "code": "P-AAAA1111",
        "instance": 2,
        "survey": "side_effects",
    },
    "recruitment_digest": {
        "week": "2026-W10",
        "studies": [
            {
                "study_id": 7,
                "title": "Sleep",
                "enrolled": 2,
                "answered": 1,
                "withdrawn": 0,
                "codes": {"enrolled": ["P-AAAA1111", "P-BBBB2222"], "answered": ["P-AAAA1111"]},
            }
        ],
    },
    "survey_open": {
        "study_id": 7,
        "title": "Sleep",
        "survey": "Baseline",
        "survey_key": "baseline",
        "closes_on": "2026-03-31",
    },
    "survey_reminder": {
        "study_id": 7,
        "title": "Sleep",
        "survey": "Baseline",
        "survey_key": "baseline",
        "closes_on": "2026-03-31",
        "draft_waiting": True,
        "final": True,
    },
    "retention_notice": {
        "study_id": 7,
        "title": "Sleep",
        "purge_on": "2028-03-12",
        "outcome": "anonymise",
        "keep_free_text": False,
    },
}
