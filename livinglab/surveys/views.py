from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/studies/<int:study_id>/surveys")
