"""The survey page of a survey with sections (surveys/paging.py): one page at a time, with its progress.

Plain form posts, so it works without JavaScript: the form carries the page's number (never the session). Next
saves the answers given so far into the participant's draft (the draft of "Save and finish later") and checks
this page's answers only; Back saves them and goes back; the last page sends the whole survey, and an answer to
fix on an earlier page takes the participant back there, every answer kept in the draft. Each POST is one unit
of work. A survey without sections stays one page (participants/views.py)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..surveys import branching, paging
from ..surveys.answers import check_answers
from ..transactions import unit_of_work
from . import corrections, drafts, services, started
from .standing import of_enrolment

MOVES = ("next", "back", "draft")  # the buttons besides sending


def answer(study, enrolment, survey):
    """GET: the page asked for (`?page=`, the first when absent or not a page). POST: save and move, or send."""
    from .views import posted_answers, token_valid  # the one-page survey's own helpers (views imports this module)

    draft = drafts.draft_of(enrolment, survey)
    saved = dict(draft.answers) if draft is not None else {}
    begun = draft.started_at if draft is not None else None
    if request.method == "GET":
        shown = paging.pages(survey.items, saved)
        page = paging.at(shown, paging.number(request.args.get("page")) or 1)
        return render(study, enrolment, survey, page, saved, drafts.shown(saved), {}, begun, draft=draft)
    begun = started.from_page(request.form.get(started.FIELD), enrolment.id, survey.id) or begun
    defined = paging.split(survey.items)
    wanted = paging.number(request.form.get(paging.FIELD))
    if wanted is None or wanted > len(defined):  # a page number made up: nothing is saved
        flash(_("This page of the survey does not exist, so nothing was saved. Here is its first page."), "error")
        shown = paging.pages(survey.items, saved)
        return render(study, enrolment, survey, shown[0], saved, drafts.shown(saved), {}, begun, status=400)
    page = defined[wanted - 1]
    posted, typed = posted_answers(list(page.items), applicable=False)
    answers = branching.applicable_only(survey.items, paging.merged(saved, posted, page))  # the earlier pages decide
    values = {**drafts.shown(paging.merged(saved, {}, page)), **typed}  # as the participant left them
    if not token_valid():  # an expired (or replayed) form: nothing is saved; shown again with its answers
        flash(
            _(
                "This page had expired, so your answers were not sent yet. They are kept below: check them "
                "and send them again."
            ),
            "warning",
        )
        return render(study, enrolment, survey, page, answers, values, {}, begun, status=400)
    move = request.form.get("action")
    if move not in MOVES and paging.after(paging.pages(survey.items, answers), page):
        move = "next"  # an answer of this page made a later page apply: it is asked before anything is sent
    if move in MOVES:
        return save_and_move(study, enrolment, survey, page, move, answers, values, begun)
    return send(study, enrolment, survey, page, answers, values, begun)


def save_and_move(study, enrolment, survey, page, move, answers, values, begun):
    """Back, Next or "Save and finish later": the answers so far go into the draft; Next checks this page."""
    errors = paging.page_errors(survey.items, page, answers) if move == "next" else {}
    try:
        with unit_of_work():
            drafts.save(current_user, study, survey.key, answers, started_at=begun)
    except DomainError as err:
        if err.code not in ("invalid_answers", "invalid", "malformed"):
            return refused(study, err)
        flash(err.message, "error")
        return render(study, enrolment, survey, page, answers, values, err.fields, begun, status=422)
    if move == "draft":
        flash(
            _(
                "Your answers to “%(title)s” are saved as a draft. Finish them from “My pilots” "
                "whenever you like: nothing is sent before you press “Send my answers”.",
                title=survey.title,
            ),
            "success",
        )
        return redirect(url_for("main.dashboard"))
    if errors:
        flash(_("Some answers need your attention."), "error")
        return render(study, enrolment, survey, page, answers, values, errors, begun, status=422)
    shown = paging.pages(survey.items, answers)
    here = paging.at(shown, page.number)
    target = (paging.after if move == "next" else paging.before)(shown, here) or here
    return redirect(url_for(".answer", study_id=study.id, key=survey.key, page=target.number))


def send(study, enrolment, survey, page, answers, values, begun):
    """The last page's "Send my answers": every page checked; the first page with an answer to fix is shown
    again, every answer kept in the draft."""
    errors = check_answers(survey.items, answers)[1]  # the check submit_response makes, made first to keep them
    try:
        with unit_of_work():
            if errors:
                drafts.save(current_user, study, survey.key, answers, started_at=begun)
            else:
                services.submit_response(current_user, study, survey.key, answers, started_at=begun)
    except DomainError as err:
        if err.code not in ("invalid_answers", "invalid", "malformed"):
            return refused(study, err)
        errors = err.fields
    if not errors:
        flash(_("Thank you: your answers to “%(title)s” are saved.", title=survey.title), "success")
        return redirect(url_for("main.dashboard"))
    shown = paging.pages(survey.items, answers)
    back_to = paging.first_with_error(shown, errors) or paging.at(shown, page.number)
    flash(
        _(
            "Some answers need your attention on page %(n)d of %(count)d.",
            n=paging.position(shown, back_to),
            count=len(shown),
        ),
        "error",
    )
    return render(study, enrolment, survey, back_to, answers, drafts.shown(answers), errors, begun, status=422)


def refused(study, err: DomainError):
    """The survey cannot be answered now (sent already, closed, left, consent to sign again): as on one page."""
    flash(err.message, "info" if err.code == "already_answered" else "error")
    if err.code == "reconsent_needed":
        return redirect(url_for(".reconsent", study_id=study.id))
    return redirect(url_for("main.dashboard"))


def render(study, enrolment, survey, page, answers, values, errors, begun, status=200, draft=None):
    """One page of the survey: its section's title and intro, its items, the progress, Back and Next."""
    shown = paging.pages(survey.items, answers)
    page = paging.at(shown, page.number)
    position = paging.position(shown, page)
    due = next(d for d in services.states_for(enrolment) if d.survey.id == survey.id)
    return render_template(
        "participants/survey.html",
        study=study,
        survey=survey,
        due=due,
        answers=values,
        errors=errors,
        draft=draft if position == 1 else None,  # said once, on the first page
        here=of_enrolment(enrolment),
        reconsent=services.needs_reconsent(enrolment),
        correctable=due.state == "answered" and corrections.may_correct(enrolment, survey),
        started_token=started.page_token(enrolment.id, survey.id, begun),
        page=page,
        elsewhere=paging.looked_at_elsewhere(survey.items, page, answers),
        position=position,
        pages=len(shown),
        page_field=paging.FIELD,
    ), status


def kept_with_draft(user, study, key: str, kept: dict) -> dict:
    """Answers kept while signed out, from one page of a survey with sections: added to its draft (the other
    pages' answers stay), when it has one."""
    survey = services.find_survey(study, key)
    if not paging.has_sections(survey.items):
        return kept
    draft = drafts.draft_of(services.require_enrolment(user, study), survey)
    return {**(draft.answers if draft is not None else {}), **kept}
