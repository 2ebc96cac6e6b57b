"""The domain errors services raise, and the one place that maps them to HTTP answers."""

from itertools import islice

from flask import render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from .extensions import db


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class Malformed(DomainError):
    status, code = 400, "malformed"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class Invalid(DomainError):
    status, code = 422, "invalid"


class TooMany(DomainError):
    status, code = 429, "too_many_requests"


MAX_FIELDS, MAX_MESSAGE, MAX_FIELD_NAME = 100, 500, 200  # API.md v1.1: error bodies are bounded


def _clip(text, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The one place errors become bodies: at most 100 fields, each name and message clipped, so that
    a body of a million unknown keys cannot ask for a bigger answer."""
    clipped = {}
    for name, text in islice((fields or {}).items(), MAX_FIELDS):
        clipped[_clip(name, MAX_FIELD_NAME)] = _clip(text, MAX_MESSAGE)
    return {"error": {"code": code, "message": _clip(message, MAX_MESSAGE), "fields": clipped}}


def wants_json() -> bool:
    return request.path.startswith("/api/")


HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def _http_message(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist, or you cannot see it."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
        415: _("Send JSON with Content-Type: application/json."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }.get(status, _("Something went wrong on our side. Nothing was saved."))


def register_errorhandlers(app):
    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        db.session.rollback()
        if wants_json():
            return error_body(err.code, err.message, err.fields), err.status
        return render_template("errors/error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        if status >= 500:
            db.session.rollback()
        message = _http_message(status)
        if status == 400 and getattr(err, "description", "") and "CSRF" in str(err.description):  # type: ignore[arg-type]  # werkzeug's stub types the attribute too narrowly
            message = _("Your form expired. Please go back, reload the page and try again.")
        if wants_json():
            response = app.json.response(error_body(HTTP_CODES.get(status, "error"), message))
            response.status_code = status
            if getattr(err, "valid_methods", None):
                response.headers["Allow"] = ", ".join(err.valid_methods)  # type: ignore[attr-defined]  # only MethodNotAllowed has it: read after getattr above
            return response
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        message = _http_message(500)
        if wants_json():
            return error_body("server_error", message), 500
        return render_template("errors/error.html", status=500, message=message), 500
