"""The /api/v1 blueprint: thin handlers over the same services as the pages."""

from flask import Blueprint

from ..notifications.api import bp as notifications_bp
from .accounts import bp as accounts_bp
from .amendments import bp as amendments_bp
from .audit import bp as audit_bp
from .common import require_json_body
from .corrections import bp as corrections_bp
from .correlations import bp as correlations_bp
from .exports import bp as exports_bp
from .lay_summary import bp as lay_summary_bp
from .observatory import bp as observatory_bp
from .openapi import bp as openapi_bp
from .organisation import bp as organisation_bp
from .participation import bp as participation_bp
from .processing_record import bp as processing_record_bp
from .quality import bp as quality_bp
from .reports import bp as reports_bp
from .results import bp as results_bp
from .retention import bp as retention_bp
from .review_letter import bp as review_letter_bp
from .studies import bp as studies_bp
from .survey_editing import bp as survey_editing_bp
from .survey_reuse import bp as survey_reuse_bp

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(require_json_body)
bp.register_blueprint(accounts_bp)
bp.register_blueprint(studies_bp)
bp.register_blueprint(openapi_bp)
bp.register_blueprint(organisation_bp)
bp.register_blueprint(participation_bp)
bp.register_blueprint(results_bp)
bp.register_blueprint(notifications_bp)
# API parity (issue 10): what the pages do that the API did not
bp.register_blueprint(survey_editing_bp)
bp.register_blueprint(exports_bp)
bp.register_blueprint(observatory_bp)
bp.register_blueprint(audit_bp)
bp.register_blueprint(lay_summary_bp)
bp.register_blueprint(corrections_bp)  # corrections of submitted answers (issue 11, item 13)
bp.register_blueprint(amendments_bp)  # issue 12: amendments, registrations, re-consent
bp.register_blueprint(retention_bp)  # issue 12: retention, upcoming purges, postponements
bp.register_blueprint(review_letter_bp)  # issue 12: review comments on every section, the response letter
bp.register_blueprint(quality_bp)  # issue 13, item 7: data-quality flags, exclusions of responses
bp.register_blueprint(correlations_bp)  # issue 13, item 5: correlations on request
bp.register_blueprint(reports_bp)  # issue 14, item 7: problem reports, the repeated reports in long form
bp.register_blueprint(processing_record_bp)  # issue 12: the record of processing (GDPR art. 30)
bp.register_blueprint(survey_reuse_bp)  # issue 14, item 5: copies, the question library, survey templates
