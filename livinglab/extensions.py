"""Flask extensions, created unbound here and bound in `create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .clients import client_address

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:  # mypy cannot take `db.Model`, an attribute of an instance, as a base class
    Model = Base
else:
    Model = db.Model  # the base of every model: Base with Flask-SQLAlchemy's table names and query
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# One date format per language, whatever a template asks for ("medium", "long"...): "30 Nov 2026" in
# English, "30 nov. 2026" in French; with the time, "30 Nov 2026, 14:05".
DATE = "d MMM y"
DATE_FORMATS = {
    "time": "medium",
    "date": "medium",
    "datetime": "medium",
    **{f"time.{size}": "HH:mm" for size in ("short", "medium", "long", "full")},
    **{f"date.{size}": DATE for size in ("short", "medium", "long", "full")},
    **{f"datetime.{size}": f"{DATE}, HH:mm" for size in ("short", "medium", "long", "full")},
}
babel = Babel(date_formats=DATE_FORMATS)
limiter = Limiter(key_func=client_address)
