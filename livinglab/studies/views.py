from flask import Blueprint

bp = Blueprint("studies", __name__, url_prefix="/studies")


@bp.get("/")
def mine():
    return "todo"


@bp.get("/all")
def overview():
    return "todo"


@bp.get("/queue")
def queue():
    return "todo"
