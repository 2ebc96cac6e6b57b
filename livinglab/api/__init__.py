"""The /api/v1 blueprint: thin handlers over the same services as the pages."""
from flask import Blueprint

from ..notifications.api import bp as notifications_bp
from .accounts import bp as accounts_bp
from .common import require_json_body
from .openapi import bp as openapi_bp
from .organisation import bp as organisation_bp
from .participation import bp as participation_bp
from .results import bp as results_bp
from .studies import bp as studies_bp

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(require_json_body)
bp.register_blueprint(accounts_bp)
bp.register_blueprint(studies_bp)
bp.register_blueprint(openapi_bp)
bp.register_blueprint(organisation_bp)
bp.register_blueprint(participation_bp)
bp.register_blueprint(results_bp)
bp.register_blueprint(notifications_bp)
