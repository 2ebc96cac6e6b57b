"""Who may use each route, and what everyone else gets: a table written here, not read from the code.

Every route (method and rule) of the app is in EXPECTED, with the status each of six callers must get:
anonymous, a participant not enrolled in the pilot, a participant enrolled in it, a startup of the
owning organisation, a startup of another organisation, and a coordinator. The expectations come from
the access policy (README, API.md), so a view that loses its object-level check (another organisation's
study must be 404, a pilot's pages are its participants' only) fails here, whatever its decorator says.
A route missing from the table fails too, and so does a table entry for a route that no longer exists.

Beside it, ACTIONS says who may do each action (by role and ownership: own organisation, another one,
enrolled or not), ROUTE_ACTIONS which action each route names in its decorator; a test checks that the
statuses of EXPECTED follow from the two, and tests/test_policy.py checks `can` against ACTIONS.

The world: one recruiting pilot of the owning startup's organisation, with its surveys and a few
participants' answers; one participant enrolled in it (who answered the baseline survey), one who is
not. Requests carry no form data and an empty JSON object; the destructive ones (signing out, erasing
an account) come last."""

import pytest

from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.results.cache import results_for
from tests.conftest import PASSWORD

ROLES = ("anonymous", "participant", "enrolled", "startup", "other_startup", "coordinator")
# Statuses in ROLES order. 302 for anonymous pages: to the sign-in page (checked); 401 for the API.
# A participant not enrolled sees a recruiting pilot's public pages only; an enrolled one reads the study
# object (403 on staff pages) but nothing of other pilots (404); another organisation's study is 404.
PUBLIC = "200 200 200 200 200 200"
SIGNED_IN_PAGE = "302 200 200 200 200 200"
COORDINATORS_PAGE = "302 403 403 403 403 200"
STARTUP_PAGE = "302 403 403 200 200 403"
STAFF_STUDY_PAGE = "302 404 403 200 404 200"  # owner organisation and coordinators
PILOT_PAGE = "302 403 200 403 403 403"  # the enrolled participant's pages of their pilot
EXPECTED = {
    # The site and accounts
    ("GET", "/"): PUBLIC,
    ("GET", "/privacy"): PUBLIC,
    ("POST", "/language"): "302 302 302 302 302 302",
    ("GET", "/dashboard"): "302 200 200 302 302 302",  # staff are sent to their own overview
    ("GET", "/account/signin"): "200 302 302 302 302 302",  # the signed in go to their dashboard
    ("POST", "/account/signin"): "200 302 302 302 302 302",
    ("GET", "/account/register"): "200 302 302 302 302 302",
    ("POST", "/account/register"): "200 302 302 302 302 302",
    ("POST", "/account/signout"): "302 302 302 302 302 302",
    ("GET", "/account/"): SIGNED_IN_PAGE,
    ("POST", "/account/name"): "302 422 422 422 422 422",  # no name sent
    ("POST", "/account/password"): "302 422 422 422 422 422",  # no password sent
    ("POST", "/account/signout-everywhere"): "302 302 302 302 302 302",  # to sign in again (LAST)
    ("GET", "/account/notifications"): SIGNED_IN_PAGE,
    # The accounts' mail: links carry a signed token (none sent here: 400), the forms need their fields
    ("GET", "/account/verify"): "400 400 400 400 400 400",
    ("POST", "/account/verify/resend"): "302 302 302 302 302 302",  # sent again; back to the email page
    ("GET", "/account/forgot"): PUBLIC,
    ("POST", "/account/forgot"): "422 422 422 422 422 422",  # no email sent
    ("GET", "/account/reset"): "400 400 400 400 400 400",
    ("POST", "/account/reset"): "400 400 400 400 400 400",
    ("GET", "/account/email"): SIGNED_IN_PAGE,
    ("POST", "/account/email"): "302 422 422 422 422 422",  # no address sent
    ("GET", "/account/email/confirm"): "400 400 400 400 400 400",
    ("POST", "/account/email/confirm"): "400 400 400 400 400 400",
    ("POST", "/account/notifications"): "302 302 302 302 302 302",  # nothing chosen: saved as it is
    ("GET", "/account/organisation"): STARTUP_PAGE,
    ("POST", "/account/organisation/invitations"): "302 403 403 422 422 403",  # no email sent
    ("POST", "/account/organisation/invitations/<int:invitation_id>/revoke"): "302 403 403 302 302 403",  # another's
    ("POST", "/account/organisation/leave"): "302 403 403 302 302 403",  # after the API's: nothing to leave
    ("GET", "/account/invitations/<token>"): "404 404 404 404 404 404",  # no such invitation
    ("POST", "/account/invitations/<token>"): "302 302 302 302 302 302",  # no such invitation: back
    ("GET", "/account/organisation/webhooks"): STARTUP_PAGE,
    ("POST", "/account/organisation/webhooks"): "302 403 403 422 422 403",  # no address sent
    ("POST", "/account/organisation/webhooks/delete"): "302 403 403 400 400 403",  # no receiver named
    ("POST", "/account/organisation/webhooks/ping"): "302 403 403 400 400 403",
    ("GET", "/account/coordinators"): COORDINATORS_PAGE,
    ("POST", "/account/coordinators"): COORDINATORS_PAGE,
    # Coordinators' pages
    ("GET", "/audit"): COORDINATORS_PAGE,
    ("POST", "/audit/verify"): "302 403 403 403 403 302",
    ("GET", "/outbox"): COORDINATORS_PAGE,
    ("POST", "/outbox/retry"): "302 403 403 403 403 400",  # no message named
    ("GET", "/retention/"): COORDINATORS_PAGE,
    # the pilot is recruiting: no purge date to postpone yet (409 not_ended), on the list page
    ("POST", "/retention/<int:study_id>/postpone"): "302 404 403 403 404 409",
    ("GET", "/api/v1/retention"): "401 403 403 403 403 200",
    ("GET", "/api/v1/studies/<int:study_id>/retention"): "401 404 403 200 404 200",
    # the GDPR art. 30 record, as its page: owner organisation and coordinators
    ("GET", "/api/v1/studies/<int:study_id>/processing-record"): "401 404 403 200 404 200",
    ("POST", "/api/v1/studies/<int:study_id>/retention/postponement"): "401 404 403 403 404 409",
    ("GET", "/observatory"): COORDINATORS_PAGE,
    ("GET", "/observatory.csv"): COORDINATORS_PAGE,
    ("GET", "/observatory/charts/<any(studies, participants, turnaround):name>.svg"): COORDINATORS_PAGE,
    ("GET", "/studies/all"): COORDINATORS_PAGE,
    ("GET", "/studies/queue"): COORDINATORS_PAGE,
    ("GET", "/studies/<int:study_id>/review"): "302 404 403 403 404 200",
    ("POST", "/studies/<int:study_id>/review"): "302 404 403 403 404 200",  # the form again: no decision sent
    # Startups' pages
    ("GET", "/studies/"): STARTUP_PAGE,
    ("GET", "/studies/new"): STARTUP_PAGE,
    ("POST", "/studies/new"): STARTUP_PAGE,  # the form again, with its errors
    ("GET", "/studies/<int:study_id>"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/participants"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/problem-reports"): STAFF_STUDY_PAGE,  # repeated reports, codes only
    ("GET", "/studies/<int:study_id>/exports/reports.csv"): STAFF_STUDY_PAGE,  # the long form of repeated reports
    ("GET", "/studies/<int:study_id>/consent/<int:version>"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/consent/preview"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/processing-record"): STAFF_STUDY_PAGE,  # GDPR art. 30: owner org, coordinators
    ("GET", "/studies/<int:study_id>/processing-record.csv"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/preview"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/results"): "302 404 404 200 404 200",  # results: staff only, else unseen
    ("GET", "/studies/<int:study_id>/results/report"): "302 404 404 200 404 200",
    ("GET", "/studies/<int:study_id>/results/correlation"): "302 404 404 200 404 200",  # the form, without x and y
    ("GET", "/studies/<int:study_id>/results/charts/<name>.svg"): "302 404 404 200 404 200",
    ("GET", "/studies/<int:study_id>/exports/data.csv"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/corrections"): STAFF_STUDY_PAGE,  # the log of corrected answers, codes only
    # Data quality: flags for whoever reads the results; exclusions with a reason by them too (none sent: 422)
    ("GET", "/studies/<int:study_id>/data-quality"): STAFF_STUDY_PAGE,
    ("POST", "/studies/<int:study_id>/data-quality/exclusions"): "302 404 403 422 404 422",
    ("POST", "/studies/<int:study_id>/data-quality/exclusions/<int:exclusion_id>/undo"): "302 404 403 404 404 404",
    ("GET", "/studies/<int:study_id>/exports/dictionary.csv"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/exports/data.xlsx"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/exports/data.sav"): STAFF_STUDY_PAGE,
    ("GET", "/studies/<int:study_id>/exports/data.dta"): STAFF_STUDY_PAGE,
    ("POST", "/studies/<int:study_id>/recruitment"): "302 404 403 302 404 302",  # back to the study page
    # Corrections of a participant's answers: coordinators only (the owner organisation may not: 403)
    ("GET", "/studies/<int:study_id>/participants/<code>"): "302 404 403 403 404 200",
    ("GET", "/studies/<int:study_id>/participants/<code>/surveys/<key>/items/<item_key>/correct"): (
        "302 404 403 403 404 200"
    ),
    ("POST", "/studies/<int:study_id>/participants/<code>/surveys/<key>/items/<item_key>/correct"): (
        "302 404 403 403 404 422"  # no reason sent
    ),
    # Ending a pilot: coordinators at any time, its organisation once the follow-up is over; a reason always
    ("GET", "/studies/<int:study_id>/end"): STAFF_STUDY_PAGE,
    ("POST", "/studies/<int:study_id>/end"): "302 404 403 422 404 422",  # no reason sent
    # The protocol is frozen once approved: its owner is sent back (302) or told 409; others as ever
    ("GET", "/studies/<int:study_id>/edit"): "302 404 403 302 404 403",
    ("POST", "/studies/<int:study_id>/edit"): "302 404 403 302 404 403",
    ("GET", "/studies/<int:study_id>/consent"): "302 404 403 302 404 403",
    ("POST", "/studies/<int:study_id>/consent"): "302 404 403 302 404 403",
    ("POST", "/studies/<int:study_id>/submit"): "302 404 403 302 404 403",
    ("GET", "/studies/<int:study_id>/surveys/new"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/new"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/edit"): "302 404 403 422 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/delete"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items"): "302 404 403 422 404 403",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/edit"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/edit"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/move"): "302 404 403 400 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/delete"): "302 404 403 409 404 403",
    (
        "POST",
        "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/copy",
    ): "302 404 403 409 404 403",  # reuse: an editable protocol only
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/copy"): "302 404 403 409 404 403",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/library"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/library"): "302 404 403 409 404 403",
    ("POST", "/studies/<int:study_id>/surveys/from-template"): "302 404 403 409 404 403",
    # Participants' pages. A recruiting pilot's page and catalogue are public.
    ("GET", "/pilots/"): PUBLIC,
    ("GET", "/pilots/<int:study_id>"): PUBLIC,
    # Eligibility comes before any account (visitors too); staff never take part; the enrolled: to the pilot
    ("GET", "/pilots/<int:study_id>/eligibility"): "200 200 302 403 403 403",
    ("POST", "/pilots/<int:study_id>/eligibility"): "422 422 302 403 403 403",  # nothing answered
    ("GET", "/pilots/<int:study_id>/not-eligible"): "302 302 302 403 403 403",  # nothing screened: away
    ("GET", "/pilots/<int:study_id>/join"): "302 302 302 403 403 403",  # eligibility first
    ("POST", "/pilots/<int:study_id>/join"): "302 302 302 403 403 403",
    ("GET", "/pilots/<int:study_id>/welcome"): PILOT_PAGE,
    ("GET", "/pilots/<int:study_id>/reconsent"): "302 403 302 403 403 403",  # nothing to sign again
    ("POST", "/pilots/<int:study_id>/reconsent"): "302 403 302 403 403 403",
    ("GET", "/pilots/<int:study_id>/surveys/<key>"): PILOT_PAGE,
    # Sent without a session: a page keeps the answers beside a sign-in form (401)
    ("POST", "/pilots/<int:study_id>/surveys/<key>"): "401 403 302 403 403 403",  # answered already: away
    ("GET", "/pilots/<int:study_id>/surveys/<key>/resume"): "200 302 302 302 302 302",  # the signed in: to it
    ("POST", "/pilots/<int:study_id>/surveys/<key>/resume"): "401 302 302 302 302 302",  # no credentials
    ("GET", "/pilots/<int:study_id>/answers"): PILOT_PAGE,
    # The enrolled participant's own corrections, while the survey's window is open (nothing sent: 422)
    ("GET", "/pilots/<int:study_id>/surveys/<key>/correct"): PILOT_PAGE,
    ("POST", "/pilots/<int:study_id>/surveys/<key>/correct"): "302 403 422 403 403 403",
    ("GET", "/pilots/<int:study_id>/consent"): PILOT_PAGE,
    ("GET", "/pilots/<int:study_id>/withdraw"): PILOT_PAGE,
    ("POST", "/pilots/<int:study_id>/withdraw"): "302 403 422 403 403 403",  # no choice sent
    ("POST", "/pilots/<int:study_id>/erase-answers"): "302 403 302 403 403 403",  # still taking part: to withdraw
    ("GET", "/pilots/my-data"): SIGNED_IN_PAGE,
    ("GET", "/pilots/my-data.json"): SIGNED_IN_PAGE,
    ("GET", "/pilots/my-data/erase"): "302 200 200 403 403 403",
    ("POST", "/pilots/my-data/erase"): "302 422 422 403 403 403",  # not confirmed
    # The API: 401 without a token; the same object-level answers as the pages
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/catalogue"): PUBLIC,
    ("GET", "/api/v1/studies/<int:study_id>/consent"): PUBLIC,  # a recruiting pilot's consent is public
    ("POST", "/api/v1/auth/register"): "422 422 422 422 422 422",  # anyone; the empty body is invalid
    ("POST", "/api/v1/auth/tokens"): "400 400 400 400 400 400",
    ("GET", "/api/v1/auth/tokens"): "401 200 200 200 200 200",  # one's own tokens
    ("DELETE", "/api/v1/auth/tokens/<int:token_id>"): "401 404 404 404 404 404",  # another account's
    ("GET", "/api/v1/me/invitations"): "401 200 200 200 200 200",
    ("POST", "/api/v1/invitations/accept"): "401 422 422 422 422 422",  # no token sent
    ("DELETE", "/api/v1/organisation/invitations/<int:invitation_id>"): "401 403 403 404 404 403",  # another's
    ("GET", "/api/v1/organisation/members"): "401 403 403 200 200 403",
    ("GET", "/api/v1/organisation/invitations"): "401 403 403 200 200 403",
    ("POST", "/api/v1/organisation/invitations"): "401 403 403 422 422 403",  # no email sent
    ("POST", "/api/v1/organisation/leave"): "401 403 403 409 200 403",  # the owner is its last member (LAST)
    ("GET", "/api/v1/me/notifications"): "401 200 200 200 200 200",
    ("PUT", "/api/v1/me/notifications"): "401 422 422 422 422 422",  # no choices sent
    ("POST", "/api/v1/me/verification"): "401 202 202 202 202 202",  # the link again (nobody verified here)
    ("POST", "/api/v1/auth/password-reset"): "422 422 422 422 422 422",  # no email sent
    ("GET", "/api/v1/webhooks"): "401 403 403 200 200 403",
    ("POST", "/api/v1/webhooks"): "401 403 403 422 422 403",  # no address sent
    ("DELETE", "/api/v1/webhooks/<int:webhook_id>"): "401 403 403 404 404 403",
    ("POST", "/api/v1/webhooks/<int:webhook_id>/ping"): "401 403 403 404 404 403",
    ("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries"): "401 403 403 404 404 403",
    ("GET", "/api/v1/me"): "401 200 200 200 200 200",
    ("GET", "/api/v1/me/export"): "401 200 200 200 200 200",
    ("DELETE", "/api/v1/me"): "401 204 204 403 403 403",  # participants erase themselves
    ("GET", "/api/v1/studies"): "401 200 200 200 200 200",  # each sees their own list
    ("POST", "/api/v1/studies"): "401 403 403 422 422 403",
    ("GET", "/api/v1/studies/<int:study_id>"): "401 404 200 200 404 200",
    ("PATCH", "/api/v1/studies/<int:study_id>"): "401 404 403 409 404 403",
    ("PUT", "/api/v1/studies/<int:study_id>/consent"): "401 404 403 409 404 403",
    ("GET", "/api/v1/studies/<int:study_id>/surveys"): "401 404 200 200 404 200",
    ("POST", "/api/v1/studies/<int:study_id>/surveys"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/submit"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/decision"): "401 404 403 403 404 422",
    ("POST", "/api/v1/studies/<int:study_id>/recruitment"): "401 404 403 422 404 422",
    ("GET", "/api/v1/studies/<int:study_id>/results"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/results/correlation"): "401 404 403 422 404 422",  # x and y missing
    ("GET", "/api/v1/studies/<int:study_id>/corrections"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/data-quality"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/exclusions"): "401 404 403 200 404 200",
    ("POST", "/api/v1/studies/<int:study_id>/exclusions"): "401 404 403 422 404 422",  # no reason sent
    ("DELETE", "/api/v1/studies/<int:study_id>/exclusions/<int:exclusion_id>"): "401 404 403 404 404 404",  # none such
    ("GET", "/api/v1/studies/<int:study_id>/export.csv"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/dictionary.csv"): "401 404 403 200 404 200",
    ("POST", "/api/v1/studies/<int:study_id>/enrolment"): "401 400 409 403 403 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/responses"): "401 403 409 403 403 403",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/responses/mine"): "401 403 422 403 403 403",  # no answers
    ("GET", "/api/v1/studies/<int:study_id>/participants/<code>/responses/<key>"): "401 404 403 403 404 200",
    ("PATCH", "/api/v1/studies/<int:study_id>/participants/<code>/responses/<key>"): "401 404 403 403 404 422",
    ("POST", "/api/v1/studies/<int:study_id>/withdrawal"): "401 403 400 403 403 403",
    ("POST", "/api/v1/studies/<int:study_id>/end"): "401 404 403 422 404 422",  # no reason sent
    # The amendment pages (issue 12): opened with a reason (none sent: back to the study page with the error);
    # none exists yet, so one of them is 404 to whoever may see it
    ("POST", "/studies/<int:study_id>/amendments"): "302 404 403 302 404 403",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>"): "302 404 403 404 404 404",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/submit"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/decision"): "302 404 403 403 404 404",
    # Editing an amendment like a draft (issue 12): its organisation's only; none exists yet, so 404 to it
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/protocol"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/protocol"): "302 404 403 404 404 403",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/consent"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/consent"): "302 404 403 404 404 403",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/new-survey"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/new-survey"): "302 404 403 404 404 403",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/edit"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items"): "302 404 403 404 404 403",
    (
        "GET",
        "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/edit",
    ): "302 404 403 404 404 403",
    (
        "POST",
        "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/edit",
    ): "302 404 403 404 404 403",
    (
        "POST",
        "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/move",
    ): "302 404 403 404 404 403",
    (
        "POST",
        "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/delete",
    ): "302 404 403 404 404 403",
    # Amendments of this recruiting pilot (issue 12): opened by its organisation (no reason sent: 422), decided
    # by coordinators; none exists yet, so one of them is 404 to whoever may act on it
    ("POST", "/api/v1/studies/<int:study_id>/amendments"): "401 404 403 422 404 403",
    ("GET", "/api/v1/studies/<int:study_id>/amendments"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/amendments/<int:version>"): "401 404 403 404 404 404",
    ("GET", "/api/v1/studies/<int:study_id>/amendments/<int:version>/diff"): "401 404 403 404 404 404",
    ("PATCH", "/api/v1/studies/<int:study_id>/amendments/<int:version>"): "401 404 403 404 404 403",
    ("PUT", "/api/v1/studies/<int:study_id>/amendments/<int:version>/consent"): "401 404 403 404 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/surveys"): "401 404 403 404 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/submit"): "401 404 403 404 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/decision"): "401 404 403 403 404 404",
    ("GET", "/api/v1/studies/<int:study_id>/registrations"): "401 404 200 200 404 200",
    # The response letter (issue 12): the staff read every review comment; the organisation answers one while
    # changes are requested (this pilot recruits: its page says so, 302); a comment that is not this study's: 404
    ("POST", "/studies/<int:study_id>/replies"): "302 404 403 302 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/replies"): "302 404 403 404 404 403",
    ("GET", "/api/v1/studies/<int:study_id>/comments"): "401 404 403 200 404 200",
    ("PUT", "/api/v1/studies/<int:study_id>/comments/<int:comment_id>/reply"): "401 404 403 404 404 403",
    # re-consent: the enrolled participant's consent is current (409); another participant is not enrolled
    ("POST", "/api/v1/studies/<int:study_id>/consent-signatures"): "401 403 409 403 403 403",
    # API parity with the pages: one survey, read by those who see the study; edited by its organisation while
    # the protocol is editable (this pilot recruits: 409 before the body is read)
    ("GET", "/api/v1/studies/<int:study_id>/surveys/<key>"): "401 404 200 200 404 200",
    ("PATCH", "/api/v1/studies/<int:study_id>/surveys/<key>"): "401 404 403 409 404 403",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/items"): "401 404 403 409 404 403",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>"): "401 404 403 409 404 403",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>"): "401 404 403 409 404 403",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/order"): "401 404 403 409 404 403",
    # Reuse (issue 14, item 5), as its pages: the owner organisation while the protocol is editable (this pilot
    # recruits: 409 before the body is read), the library too
    ("GET", "/api/v1/studies/<int:study_id>/question-library"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/library"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>/copy"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/copy"): "401 404 403 409 404 403",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/from-template"): "401 404 403 409 404 403",
    ("GET", "/api/v1/studies/<int:study_id>/export.xlsx"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/export.sav"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/export.dta"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/problem-reports"): "401 404 403 200 404 200",  # codes only
    ("GET", "/api/v1/studies/<int:study_id>/export.reports.csv"): "401 404 403 200 404 200",
    ("GET", "/api/v1/studies/<int:study_id>/lay-summary"): "401 403 409 403 403 403",  # not ended yet
    ("GET", "/api/v1/observatory"): "401 403 403 403 403 200",
    ("GET", "/api/v1/observatory/studies"): "401 403 403 403 403 200",
    ("GET", "/api/v1/audit"): "401 403 403 403 403 200",
    ("POST", "/api/v1/audit/verify"): "401 403 403 403 403 200",
    # The enrolled participant answered this survey already: no draft, none to save
    ("GET", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "401 403 404 403 403 403",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "401 403 409 403 403 403",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "401 403 404 403 403 403",
    # The local mailbox exists only when LIVINGLAB_MAILBOX is set (./run.sh): never here
    ("GET", "/dev/mailbox"): "404 404 404 404 404 404",
    ("GET", "/dev/mailbox/<name>"): "404 404 404 404 404 404",
    ("GET", "/dev/mailbox/<name>/html"): "404 404 404 404 404 404",
    # One-click unsubscribe: the signed token is the authority (none sent)
    ("GET", "/mail/unsubscribe"): "400 400 400 400 400 400",
    ("POST", "/mail/unsubscribe"): "400 400 400 400 400 400",
    ("GET", "/studies/<int:study_id>/translations"): "302 404 403 302 404 403",
    ("POST", "/studies/<int:study_id>/translations"): "302 404 403 302 404 403",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/translations"): "302 404 403 404 404 403",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/translations"): "302 404 403 404 404 403",
}
EXEMPT = {"static"}  # Flask's static files

# --- Who may do what: the actions, by caller and ownership ------------------------------------------------
# Written here from the access policy (README), never read from livinglab.policy. For each action, whether
# each caller of ROLES may do it ("y") or not ("-"): an action on a study is asked about the owning
# organisation's pilot (so the columns are: anonymous, a participant not enrolled in it, one enrolled in it,
# a startup of its organisation, a startup of another organisation, a coordinator); the others, in general.
ACTIONS = {
    "signed_in": "- y y y y y",  # one's own account, tokens, notifications, personal data
    "join": "- y y - - -",  # check one's eligibility and enrol: staff never take part
    "erase_account": "- y y - - -",
    "manage_organisation": "- - - y y -",  # members, invitations, webhooks
    "create_study": "- - - y y -",  # and list one's organisation's studies
    "manage_users": "- - - - - y",
    "review_queue": "- - - - - y",
    "observatory": "- - - - - y",
    "audit": "- - - - - y",
    "outbox": "- - - - - y",
    "retention": "- - - - - y",  # the upcoming purges
    # On the pilot
    "read": "- - y y - y",  # the study object (API): its participants too
    "take_part": "- - y - - -",  # answer, read one's answers and consent, withdraw
    "view": "- - - y - y",  # the staff's pages: protocol, consent, surveys, review, history
    "processing_record": "- - - y - y",  # the GDPR art. 30 record: the controller's organisation, coordinators
    "progress": "- - - y - y",
    "results": "- - - y - y",  # and the exports
    "recruit": "- - - y - y",
    "end": "- - - y - y",  # the organisation once the follow-up is over (the service), coordinators at any time
    "end_early": "- - - - - y",
    "correct_answers": "- - - - - y",  # a participant's answers, with a reason: never the startup
    "exclude_responses": "- - - y - y",  # from the sensitivity analysis, with a reason: never a participant
    "edit": "- - - y - -",
    "submit": "- - - y - -",
    "review": "- - - - - y",
    "amend": "- - - y - -",  # propose a new version of the approved protocol
    "review_amendment": "- - - - - y",
    "postpone_purge": "- - - - - y",  # with a reason, audited
    "answer_review": "- - - y - -",  # the response letter: the organisation answers the reviewers' comments
}
ON_STUDY = {
    "read",
    "take_part",
    "view",
    "processing_record",
    "progress",
    "results",
    "recruit",
    "end",
    "end_early",
    "correct_answers",
    "exclude_responses",
    "edit",
    "submit",
    "review",
    "amend",
    "review_amendment",
    "postpone_purge",
    "answer_review",
}
# `can` also asks the lifecycle: each action on a study in a state where it makes sense (else the world's
# recruiting pilot), and in one where nobody may do it, whoever they are.
STATE_FOR = {"edit": "draft", "submit": "draft", "review": "submitted"}
STATE_AGAINST = {
    "edit": "submitted",
    "submit": "approved",
    "review": "changes_requested",
    "results": "submitted",
    "recruit": "ended",
    "end": "approved",
    "end_early": "draft",
    "correct_answers": "draft",
    "exclude_responses": "submitted",
    "amend": "draft",
}

# The action each route names in its decorator ("anyone": public; the view checks what it must).
ROUTE_ACTIONS = {
    ("GET", "/"): "anyone",
    ("GET", "/privacy"): "anyone",
    ("POST", "/language"): "anyone",
    ("GET", "/dashboard"): "signed_in",
    ("GET", "/account/signin"): "anyone",
    ("POST", "/account/signin"): "anyone",
    ("GET", "/account/register"): "anyone",
    ("POST", "/account/register"): "anyone",
    ("POST", "/account/signout"): "signed_in",
    ("GET", "/account/"): "signed_in",
    ("POST", "/account/name"): "signed_in",
    ("POST", "/account/password"): "signed_in",
    ("POST", "/account/signout-everywhere"): "signed_in",
    ("GET", "/account/notifications"): "signed_in",
    ("POST", "/account/notifications"): "signed_in",
    ("GET", "/account/organisation"): "manage_organisation",
    ("POST", "/account/organisation/invitations"): "manage_organisation",
    ("POST", "/account/organisation/invitations/<int:invitation_id>/revoke"): "manage_organisation",
    ("POST", "/account/organisation/leave"): "manage_organisation",
    ("GET", "/account/invitations/<token>"): "anyone",
    ("GET", "/account/verify"): "anyone",
    ("POST", "/account/verify/resend"): "signed_in",
    ("GET", "/account/forgot"): "anyone",
    ("POST", "/account/forgot"): "anyone",
    ("GET", "/account/reset"): "anyone",
    ("POST", "/account/reset"): "anyone",
    ("GET", "/account/email"): "signed_in",
    ("POST", "/account/email"): "signed_in",
    ("GET", "/account/email/confirm"): "anyone",
    ("POST", "/account/email/confirm"): "anyone",
    ("POST", "/api/v1/me/verification"): "signed_in",
    ("POST", "/api/v1/auth/password-reset"): "anyone",
    ("POST", "/account/invitations/<token>"): "signed_in",
    ("GET", "/account/organisation/webhooks"): "manage_organisation",
    ("POST", "/account/organisation/webhooks"): "manage_organisation",
    ("POST", "/account/organisation/webhooks/delete"): "manage_organisation",
    ("POST", "/account/organisation/webhooks/ping"): "manage_organisation",
    ("GET", "/account/coordinators"): "manage_users",
    ("POST", "/account/coordinators"): "manage_users",
    ("GET", "/audit"): "audit",
    ("POST", "/audit/verify"): "audit",
    ("GET", "/outbox"): "outbox",
    ("POST", "/outbox/retry"): "outbox",
    ("GET", "/retention/"): "retention",
    ("POST", "/retention/<int:study_id>/postpone"): "postpone_purge",
    ("GET", "/api/v1/retention"): "retention",
    ("GET", "/api/v1/studies/<int:study_id>/retention"): "view",
    ("GET", "/api/v1/studies/<int:study_id>/processing-record"): "processing_record",
    ("POST", "/api/v1/studies/<int:study_id>/retention/postponement"): "postpone_purge",
    ("GET", "/observatory"): "observatory",
    ("GET", "/observatory.csv"): "observatory",
    ("GET", "/observatory/charts/<any(studies, participants, turnaround):name>.svg"): "observatory",
    ("GET", "/studies/all"): "review_queue",
    ("GET", "/studies/queue"): "review_queue",
    ("GET", "/studies/<int:study_id>/review"): "review",
    ("POST", "/studies/<int:study_id>/review"): "review",
    ("GET", "/studies/"): "create_study",
    ("GET", "/studies/new"): "create_study",
    ("POST", "/studies/new"): "create_study",
    ("GET", "/studies/<int:study_id>"): "view",
    ("GET", "/studies/<int:study_id>/participants"): "progress",
    ("GET", "/studies/<int:study_id>/problem-reports"): "progress",
    ("GET", "/studies/<int:study_id>/exports/reports.csv"): "results",
    ("GET", "/studies/<int:study_id>/consent/<int:version>"): "view",
    ("GET", "/studies/<int:study_id>/consent/preview"): "view",
    ("GET", "/studies/<int:study_id>/processing-record"): "processing_record",
    ("GET", "/studies/<int:study_id>/processing-record.csv"): "processing_record",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>"): "view",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/preview"): "view",
    ("GET", "/studies/<int:study_id>/results"): "results",
    ("GET", "/studies/<int:study_id>/results/report"): "results",
    ("GET", "/studies/<int:study_id>/results/correlation"): "results",
    ("GET", "/studies/<int:study_id>/results/charts/<name>.svg"): "results",
    ("GET", "/studies/<int:study_id>/exports/data.csv"): "results",
    ("GET", "/studies/<int:study_id>/corrections"): "results",
    ("GET", "/studies/<int:study_id>/data-quality"): "results",
    ("POST", "/studies/<int:study_id>/data-quality/exclusions"): "exclude_responses",
    ("POST", "/studies/<int:study_id>/data-quality/exclusions/<int:exclusion_id>/undo"): "exclude_responses",
    ("GET", "/studies/<int:study_id>/exports/dictionary.csv"): "results",
    ("GET", "/studies/<int:study_id>/exports/data.xlsx"): "results",
    ("GET", "/studies/<int:study_id>/exports/data.sav"): "results",
    ("GET", "/studies/<int:study_id>/exports/data.dta"): "results",
    ("POST", "/studies/<int:study_id>/recruitment"): "recruit",
    ("GET", "/studies/<int:study_id>/participants/<code>"): "correct_answers",
    ("GET", "/studies/<int:study_id>/participants/<code>/surveys/<key>/items/<item_key>/correct"): "correct_answers",
    ("POST", "/studies/<int:study_id>/participants/<code>/surveys/<key>/items/<item_key>/correct"): "correct_answers",
    ("GET", "/studies/<int:study_id>/end"): "end",
    ("POST", "/studies/<int:study_id>/end"): "end",
    ("GET", "/studies/<int:study_id>/edit"): "edit",
    ("POST", "/studies/<int:study_id>/edit"): "edit",
    ("GET", "/studies/<int:study_id>/consent"): "edit",
    ("POST", "/studies/<int:study_id>/consent"): "edit",
    ("POST", "/studies/<int:study_id>/submit"): "submit",
    ("GET", "/studies/<int:study_id>/surveys/new"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/new"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/edit"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/delete"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items"): "edit",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/edit"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/edit"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/move"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/delete"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/items/<int:index>/copy"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/copy"): "edit",
    ("GET", "/studies/<int:study_id>/surveys/<int:survey_id>/library"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/<int:survey_id>/library"): "edit",
    ("POST", "/studies/<int:study_id>/surveys/from-template"): "edit",
    ("GET", "/pilots/"): "anyone",
    ("GET", "/pilots/<int:study_id>"): "anyone",
    ("GET", "/pilots/<int:study_id>/eligibility"): "anyone",
    ("POST", "/pilots/<int:study_id>/eligibility"): "anyone",
    ("GET", "/pilots/<int:study_id>/not-eligible"): "anyone",
    ("GET", "/pilots/<int:study_id>/join"): "anyone",
    ("POST", "/pilots/<int:study_id>/join"): "anyone",
    ("GET", "/pilots/<int:study_id>/welcome"): "take_part",
    ("GET", "/pilots/<int:study_id>/reconsent"): "take_part",
    ("POST", "/pilots/<int:study_id>/reconsent"): "take_part",
    ("GET", "/pilots/<int:study_id>/surveys/<key>"): "anyone",
    ("POST", "/pilots/<int:study_id>/surveys/<key>"): "anyone",
    ("GET", "/pilots/<int:study_id>/surveys/<key>/resume"): "anyone",
    ("POST", "/pilots/<int:study_id>/surveys/<key>/resume"): "anyone",
    ("GET", "/pilots/<int:study_id>/answers"): "take_part",
    ("GET", "/pilots/<int:study_id>/surveys/<key>/correct"): "take_part",
    ("POST", "/pilots/<int:study_id>/surveys/<key>/correct"): "take_part",
    ("GET", "/pilots/<int:study_id>/consent"): "take_part",
    ("GET", "/pilots/<int:study_id>/withdraw"): "take_part",
    ("POST", "/pilots/<int:study_id>/withdraw"): "take_part",
    ("POST", "/pilots/<int:study_id>/erase-answers"): "take_part",
    ("GET", "/pilots/my-data"): "signed_in",
    ("GET", "/pilots/my-data.json"): "signed_in",
    ("GET", "/pilots/my-data/erase"): "erase_account",
    ("POST", "/pilots/my-data/erase"): "erase_account",
    ("GET", "/api/v1/openapi.json"): "anyone",
    ("GET", "/api/v1/catalogue"): "anyone",
    ("GET", "/api/v1/studies/<int:study_id>/consent"): "anyone",
    ("POST", "/api/v1/auth/register"): "anyone",
    ("POST", "/api/v1/auth/tokens"): "anyone",
    ("GET", "/api/v1/auth/tokens"): "signed_in",
    ("DELETE", "/api/v1/auth/tokens/<int:token_id>"): "signed_in",
    ("GET", "/api/v1/me/invitations"): "signed_in",
    ("POST", "/api/v1/invitations/accept"): "signed_in",
    ("DELETE", "/api/v1/organisation/invitations/<int:invitation_id>"): "manage_organisation",
    ("GET", "/api/v1/organisation/members"): "manage_organisation",
    ("GET", "/api/v1/organisation/invitations"): "manage_organisation",
    ("POST", "/api/v1/organisation/invitations"): "manage_organisation",
    ("POST", "/api/v1/organisation/leave"): "manage_organisation",
    ("GET", "/api/v1/me/notifications"): "signed_in",
    ("PUT", "/api/v1/me/notifications"): "signed_in",
    ("GET", "/api/v1/webhooks"): "manage_organisation",
    ("POST", "/api/v1/webhooks"): "manage_organisation",
    ("DELETE", "/api/v1/webhooks/<int:webhook_id>"): "manage_organisation",
    ("POST", "/api/v1/webhooks/<int:webhook_id>/ping"): "manage_organisation",
    ("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries"): "manage_organisation",
    ("GET", "/api/v1/me"): "signed_in",
    ("GET", "/api/v1/me/export"): "signed_in",
    ("DELETE", "/api/v1/me"): "erase_account",
    ("GET", "/api/v1/studies"): "signed_in",
    ("POST", "/api/v1/studies"): "create_study",
    ("GET", "/api/v1/studies/<int:study_id>"): "read",
    ("PATCH", "/api/v1/studies/<int:study_id>"): "edit",
    ("PUT", "/api/v1/studies/<int:study_id>/consent"): "edit",
    ("GET", "/api/v1/studies/<int:study_id>/surveys"): "read",
    ("POST", "/api/v1/studies/<int:study_id>/surveys"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/submit"): "submit",
    ("POST", "/api/v1/studies/<int:study_id>/decision"): "review",
    ("POST", "/api/v1/studies/<int:study_id>/recruitment"): "recruit",
    ("GET", "/api/v1/studies/<int:study_id>/results"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/results/correlation"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/corrections"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/data-quality"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/exclusions"): "results",
    ("POST", "/api/v1/studies/<int:study_id>/exclusions"): "exclude_responses",
    ("DELETE", "/api/v1/studies/<int:study_id>/exclusions/<int:exclusion_id>"): "exclude_responses",
    ("GET", "/api/v1/studies/<int:study_id>/export.csv"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/dictionary.csv"): "results",
    ("POST", "/api/v1/studies/<int:study_id>/enrolment"): "join",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/responses"): "take_part",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/responses/mine"): "take_part",
    ("GET", "/api/v1/studies/<int:study_id>/participants/<code>/responses/<key>"): "correct_answers",
    ("PATCH", "/api/v1/studies/<int:study_id>/participants/<code>/responses/<key>"): "correct_answers",
    ("POST", "/api/v1/studies/<int:study_id>/withdrawal"): "take_part",
    ("POST", "/api/v1/studies/<int:study_id>/end"): "end",
    ("GET", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "take_part",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "take_part",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>/draft"): "take_part",
    ("GET", "/api/v1/studies/<int:study_id>/surveys/<key>"): "read",
    ("PATCH", "/api/v1/studies/<int:study_id>/surveys/<key>"): "edit",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/items"): "edit",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>"): "edit",
    ("DELETE", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>"): "edit",
    ("PUT", "/api/v1/studies/<int:study_id>/surveys/<key>/order"): "edit",
    ("GET", "/api/v1/studies/<int:study_id>/question-library"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/library"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/items/<item_key>/copy"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/<key>/copy"): "edit",
    ("POST", "/api/v1/studies/<int:study_id>/surveys/from-template"): "edit",
    ("GET", "/api/v1/studies/<int:study_id>/export.xlsx"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/export.sav"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/export.dta"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/problem-reports"): "progress",
    ("GET", "/api/v1/studies/<int:study_id>/export.reports.csv"): "results",
    ("GET", "/api/v1/studies/<int:study_id>/lay-summary"): "take_part",
    ("GET", "/api/v1/observatory"): "observatory",
    ("POST", "/studies/<int:study_id>/amendments"): "amend",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>"): "view",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/submit"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/decision"): "review_amendment",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/protocol"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/protocol"): "amend",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/consent"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/consent"): "amend",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/new-survey"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/new-survey"): "amend",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/edit"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items"): "amend",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/edit"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/edit"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/move"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/surveys/<key>/items/<int:index>/delete"): "amend",
    ("POST", "/api/v1/studies/<int:study_id>/amendments"): "amend",
    ("GET", "/api/v1/studies/<int:study_id>/amendments"): "view",
    ("GET", "/api/v1/studies/<int:study_id>/amendments/<int:version>"): "view",
    ("GET", "/api/v1/studies/<int:study_id>/amendments/<int:version>/diff"): "view",
    ("PATCH", "/api/v1/studies/<int:study_id>/amendments/<int:version>"): "amend",
    ("PUT", "/api/v1/studies/<int:study_id>/amendments/<int:version>/consent"): "amend",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/surveys"): "amend",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/submit"): "amend",
    ("POST", "/api/v1/studies/<int:study_id>/amendments/<int:version>/decision"): "review_amendment",
    ("GET", "/api/v1/studies/<int:study_id>/registrations"): "read",
    ("POST", "/studies/<int:study_id>/replies"): "answer_review",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/replies"): "answer_review",
    ("GET", "/api/v1/studies/<int:study_id>/comments"): "view",
    ("PUT", "/api/v1/studies/<int:study_id>/comments/<int:comment_id>/reply"): "answer_review",
    ("POST", "/api/v1/studies/<int:study_id>/consent-signatures"): "take_part",
    ("GET", "/api/v1/observatory/studies"): "observatory",
    ("GET", "/api/v1/audit"): "audit",
    ("POST", "/api/v1/audit/verify"): "audit",
    ("GET", "/dev/mailbox"): "anyone",
    ("GET", "/dev/mailbox/<name>"): "anyone",
    ("GET", "/dev/mailbox/<name>/html"): "anyone",
    ("GET", "/mail/unsubscribe"): "anyone",
    ("POST", "/mail/unsubscribe"): "anyone",
    ("GET", "/studies/<int:study_id>/translations"): "edit",
    ("POST", "/studies/<int:study_id>/translations"): "edit",
    ("GET", "/studies/<int:study_id>/amendments/<int:version>/translations"): "amend",
    ("POST", "/studies/<int:study_id>/amendments/<int:version>/translations"): "amend",
}
# They end the membership, the session or the account: last, in this order
LAST = (
    "/api/v1/organisation/leave",
    "/account/organisation/leave",
    "/pilots/my-data/erase",
    "/api/v1/me",
    "/account/signout-everywhere",
    "/account/signout",
)
# Anonymous callers are sent to sign in, except where a page leads elsewhere by design
ELSEWHERE = ("/language", "/account/signout", "/pilots/<int:study_id>/join", "/pilots/<int:study_id>/not-eligible")


def routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_table(app):
    assert sorted(routes(app) - set(EXPECTED)) == [], "add each new route to EXPECTED, with what each role gets"
    assert sorted(set(EXPECTED) - routes(app)) == [], "EXPECTED lists routes that no longer exist"


def test_every_route_declares_who_may_use_it(app):
    undeclared = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT and not hasattr(app.view_functions[rule.endpoint], "access")
    )
    assert undeclared == [], "declare each with public / requires(action) / token_required(action)"


def test_every_route_names_the_action_of_the_table(app):
    assert set(ROUTE_ACTIONS) == set(EXPECTED)
    named = {
        (method, rule.rule): app.view_functions[rule.endpoint].access
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert {route: named[route] for route in ROUTE_ACTIONS if named[route] != ROUTE_ACTIONS[route]} == {}
    assert set(ROUTE_ACTIONS.values()) - {"anyone"} <= set(ACTIONS), "each action a route names is in ACTIONS"


def test_the_statuses_follow_who_may_do_each_action():
    """Whoever the action allows is never refused (401, 403, or a 404 for the pilot they may act on); whoever
    it does not allow is always refused: sent to sign in, 401, 403, or 404 (the study is not theirs to see)."""
    problems = []
    for route, action in ROUTE_ACTIONS.items():
        if action == "anyone":
            continue
        for role, may, status in zip(ROLES, ACTIONS[action].split(), map(int, EXPECTED[route].split()), strict=True):
            refused = {401, 403, 404} | ({302} if role == "anonymous" and not route[1].startswith("/api/") else set())
            objects_of_others = (
                "invitation_id" in route[1]
                or "token_id" in route[1]
                or "webhook_id" in route[1]
                or "draft" in route[1]
                or "/amendments/" in route[1]
                or "comment_id" in route[1]
                or "exclusion_id" in route[1]
            )  # a third organisation's objects, a draft or an amendment that does not exist: 404
            if may == "y" and status in refused and not (status == 404 and objects_of_others):
                problems.append(f"{route}: {role} may {action}, yet gets {status}")
            if may == "-" and status not in refused:
                problems.append(f"{route}: {role} may not {action}, yet gets {status}")
    assert problems == []


@pytest.fixture
def world(make_study, startup, other_startup, coordinator, make_user):
    from livinglab.demo import populate

    study = make_study("recruiting")
    populate(study, count=6, seed=7)  # answers, so that the results have charts
    enrolled, outsider = make_user("participant"), make_user("participant")
    consent = study.current_consent
    enrolment = participation.enrol(
        enrolled,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="P",
        age=30,
        criteria_confirmed=True,
    )
    survey = study.surveys[0]
    participation.submit_response(
        enrolled, study, survey.key, {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
    )
    db.session.commit()
    from livinglab.results.views import chart_specs

    chart = sorted(chart_specs(study, results_for(study)))[0]  # a chart the results draw
    values = {
        "study_id": study.id,
        "survey_id": survey.id,
        "key": survey.key,
        "index": 0,
        "version": 1,
        "item_key": survey.items[0]["key"],
        "name": chart,
        "code": enrolment.participant_code,  # the enrolled participant's, who answered the first survey
        "token": "not-a-real-invitation",
        "comment_id": 999_999,  # this pilot's review left no comment: no one's comment
        "exclusion_id": 999_999,  # no response of this pilot is excluded: no one's exclusion
        **others_objects(make_user),
    }
    users = {
        "participant": outsider,
        "enrolled": enrolled,
        "startup": startup,
        "other_startup": other_startup,
        "coordinator": coordinator,
    }
    return values, users


def others_objects(make_user) -> dict:
    """Objects of a third organisation and a third account, which no caller may touch: an invitation, a
    webhook receiver, an API token (object-level checks, not just roles)."""
    from livinglab.auth import organisations
    from livinglab.auth.services import create_token
    from livinglab.notifications.models import WebhookEndpoint

    third = make_user("startup", organisation="A third startup")
    _raw, invitation = organisations.invite(third, "someone@example.org")
    receiver = WebhookEndpoint(
        organisation_id=third.organisation_id, url="https://93.184.216.34/hook", secret="s" * 32, events=["enrolment"]
    )
    db.session.add(receiver)
    _raw, token = create_token(third)
    db.session.commit()
    return {"invitation_id": invitation.id, "webhook_id": receiver.id, "token_id": token.id}


def build(rule, values) -> str:
    values = dict(values)
    for arg, converter in rule._converters.items():
        if hasattr(converter, "items"):  # an `any(...)` converter: the first of its names
            values[arg] = sorted(converter.items)[0]
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("role", ROLES)
def test_each_caller_gets_what_the_table_says_on_every_route(client, world, api_headers, role):
    values, users = world
    user = users.get(role)
    column = ROLES.index(role)
    headers = api_headers(user) if user else {}
    if user:
        assert client.post("/account/signin", data={"email": user.email, "password": PASSWORD}).status_code == 302
    calls = sorted(
        (
            (method, rule)
            for rule in client.application.url_map.iter_rules()
            if rule.endpoint not in EXEMPT
            for method in rule.methods - {"HEAD", "OPTIONS"}
        ),
        key=lambda call: (
            LAST.index(call[1].rule) + 1 if call[1].rule in LAST else 0,
            call[0] != "GET",
            call[1].rule,
            call[0],
        ),
    )
    problems = []
    for method, rule in calls:
        expected = EXPECTED.get((method, rule.rule))
        if expected is None:
            continue  # test_every_route_is_in_the_table names it
        want = int(expected.split()[column])
        api = rule.rule.startswith("/api/")
        url = build(rule, values)
        response = client.open(
            url, method=method, headers=headers if api else {}, json={} if api and method != "GET" else None
        )
        if response.status_code != want:
            problems.append(f"{method} {rule.rule}: {response.status_code}, the table says {want}")
        elif (
            role == "anonymous"
            and want == 302
            and "/account/signin" not in response.location
            and rule.rule not in ELSEWHERE
        ):
            problems.append(f"{method} {rule.rule}: redirects to {response.location}, not to sign in")
    assert problems == []
