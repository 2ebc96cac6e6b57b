"""Answers saved to finish later: one draft per enrolment and survey, kept on the server, restored when the
participant comes back, deleted when the survey is submitted (or the participant leaves, or the pilot ends).
A draft is never analysed nor exported: the loader and the exports read submitted answers only."""

import math
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from .. import validation as v
from ..errors import NotFound
from ..extensions import db
from ..studies.models import Study
from ..surveys.definitions import TEXT_MAX, answer_keys
from ..timeutil import utcnow
from .models import Enrolment, SurveyDraft
from .services import find_survey, require_answerable, require_enrolment
from .started import earliest

MAX_CHOICES = 30  # a multiple-choice item has at most 30 choices


def clean_draft(survey, answers) -> dict:
    """Only this survey's answer keys, each as typed (text, a number, true/false, or a list of choices),
    bounded; empty values are left out. Ranges are checked when the survey is sent, not now."""
    if not isinstance(answers, dict):
        v.raise_for({"answers": v.FieldError(_("Send an object of answers by key."), 400)})
    keys = {key for item in survey.items for key in answer_keys(item)}
    out: dict[str, Any]
    out, errors = {}, {}
    for key, value in answers.items():
        name = str(key)[:80]
        if key not in keys:
            errors[name] = v.FieldError(_("This survey has no such question."))
        elif value is None or value == "" or value == []:
            continue
        elif isinstance(value, bool):
            out[key] = value
        elif isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) > 1e15:
                errors[name] = v.FieldError(_("Enter a number."))
            else:
                out[key] = value
        elif isinstance(value, str):
            if len(value) > TEXT_MAX:
                errors[name] = v.FieldError(_("At most %(n)d characters.", n=TEXT_MAX))
            else:
                out[key] = value
        elif isinstance(value, list) and all(isinstance(x, str) for x in value):
            if len(value) > MAX_CHOICES or any(len(x) > 200 for x in value):
                errors[name] = v.FieldError(_("Choose among the listed answers."))
            else:
                out[key] = value
        else:
            errors[name] = v.FieldError(_("Must be text, a number, true or false, or a list of choices."), 400)
        if len(errors) >= 100:
            break
    v.raise_for(errors, _("Some answers cannot be saved."))
    return out


def draft_of(enrolment: Enrolment, survey) -> SurveyDraft | None:
    return db.session.scalar(
        select(SurveyDraft).where(SurveyDraft.enrolment_id == enrolment.id, SurveyDraft.survey_id == survey.id)
    )


def drafts_of(enrolment: Enrolment) -> dict[int, SurveyDraft]:
    """The participant's drafts in this pilot, by survey id."""
    return {
        d.survey_id: d for d in db.session.scalars(select(SurveyDraft).where(SurveyDraft.enrolment_id == enrolment.id))
    }


def save(user, study: Study, survey_key: str, answers, started_at=None) -> SurveyDraft:
    """Keep the answers given so far, replacing the survey's previous draft; only while it may be answered. The
    draft keeps when the survey was started: its first save, or `started_at` (the page's first display) before."""
    enrolment = require_enrolment(user, study)
    survey = find_survey(study, survey_key)
    require_answerable(enrolment, survey)
    clean = clean_draft(survey, answers)
    draft = draft_of(enrolment, survey)
    now = utcnow()
    if draft is None:
        draft = SurveyDraft(
            enrolment_id=enrolment.id, survey_id=survey.id, answers=clean, started_at=earliest(started_at, now)
        )
        db.session.add(draft)
    else:
        draft.answers, draft.saved_at = clean, now
        draft.started_at = earliest(draft.started_at, started_at)
    db.session.flush()
    audit.record(user, "participant.save_draft", study=study, survey=survey.key)
    return draft


def load(user, study: Study, survey_key: str) -> SurveyDraft:
    enrolment = require_enrolment(user, study)
    draft = draft_of(enrolment, find_survey(study, survey_key))
    if draft is None:
        raise NotFound(_("There is no draft of this survey."), code="no_draft")
    return draft


def discard(user, study: Study, survey_key: str) -> None:
    draft = load(user, study, survey_key)
    db.session.delete(draft)
    audit.record(user, "participant.discard_draft", study=study, survey=survey_key)


def shown(answers: dict) -> dict:
    """A draft as the survey form shows it: every value as the text of an input."""

    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return {
        key: [text(x) for x in value] if isinstance(value, list) else text(value)
        for key, value in (answers or {}).items()
    }
