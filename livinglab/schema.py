"""Declaring a field once: its kind (type and limits), label, help, whether it is needed for submission,
public, fingerprinted. From the declarations come the pydantic model that validates API bodies (and
whose JSON Schema is the OpenAPI description), the WTForms field, the database column of a new field,
the checklist, the registration hash input and the pages.

Each kind's limits are written once and give both the JSON Schema constraints and the check that
produces the app's messages (`validation`); `validate` maps pydantic's errors onto the API's error
contract (400 for a wrong type, 422 for a bad value, one message per field) in one place."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic import Field as Limits
from pydantic_core import ErrorDetails
from sqlalchemy import Boolean, Date, Float, Integer, String, Text
from sqlalchemy.orm import mapped_column
from typing_extensions import TypeAliasType
from wtforms import BooleanField, DateField, FloatField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from . import validation as v

# A named type: its JSON Schema is one component, `Key`, that the others refer to
Key = TypeAliasType(
    "Key",
    Annotated[
        str,
        Limits(
            max_length=48,
            pattern=v.KEY_RE.pattern,
            description=("Lower-case letters, digits and `_`, starting with a letter."),
        ),
    ],
)


def values_of(options) -> tuple[str, ...]:
    return tuple(str(getattr(o, "value", o)) for o in options)


# Kinds: a type with its limits, and everything that follows from it


@dataclass(frozen=True)
class Kind:
    """The type and limits of a field; subclasses say how each derived artefact reads them."""

    show = "text"  # how a page shows the value: text, choice, flag, months, or a template of its own

    if TYPE_CHECKING:  # each kind's own (a method, or CompositeKind's field): no default for dataclasses to inherit

        def check(self, value) -> Any:
            """The value, cleaned; a `validation.FieldError` when it is not valid."""

    @property
    def annotation(self):
        raise NotImplementedError

    def column(self):
        raise NotImplementedError

    def form_field(self, label, description):
        raise NotImplementedError

    def initial(self, value):
        """The value as the form shows it."""
        return value

    def to_api(self, value):
        return value

    def from_api(self, value):
        """The value as the model holds it, from its JSON form (`to_api`'s inverse; a stored snapshot)."""
        return value

    def filled(self, value) -> bool:
        return bool(value and str(value).strip())


@dataclass(frozen=True)
class TextKind(Kind):
    max_len: int
    required: bool = False
    single_line: bool = False

    def check(self, value):
        return v.text(value, max_len=self.max_len, required=self.required, single_line=self.single_line)

    @property
    def annotation(self):
        limits = Limits(
            max_length=self.max_len,
            min_length=1 if self.required else None,
            pattern=r"^[^\r\n]*$" if self.single_line else None,
        )
        return Annotated[str, limits, BeforeValidator(self.check)]

    def column(self):
        return mapped_column(
            String(self.max_len) if self.single_line else Text, nullable=False, default="", server_default=""
        )

    def form_field(self, label, description):
        cls = StringField if self.single_line else TextAreaField
        return cls(label, description=description, render_kw={"maxlength": self.max_len} if self.single_line else None)

    def to_api(self, value):
        return value if value is not None else ""


@dataclass(frozen=True)
class IntegerKind(Kind):
    lo: int
    hi: int
    required: bool = False
    default: int | None = None  # what an absent value means

    def check(self, value):
        value = self.default if value is None else value
        return v.integer(value, lo=self.lo, hi=self.hi, required=self.required)

    @property
    def annotation(self):
        number = Annotated[
            int,
            Limits(
                ge=self.lo,
                le=self.hi,
                json_schema_extra=({"default": self.default} if self.default is not None else None),
            ),
        ]
        optional = not self.required and self.default is None
        return Annotated[number | None if optional else number, BeforeValidator(self.check)]

    def column(self):
        return mapped_column(Integer, nullable=not self.required)

    def form_field(self, label, description):
        return IntegerField(
            label,
            validators=[Optional()],
            description=description,
            render_kw={"min": self.lo, "max": self.hi, "inputmode": "numeric"},
        )

    def filled(self, value) -> bool:
        return bool(value)


@dataclass(frozen=True)
class NumberKind(Kind):
    lo: float
    hi: float
    default: float | None = None
    required: bool = False
    step: float | None = None

    def check(self, value):
        return v.number(value, lo=self.lo, hi=self.hi, required=self.required)

    @property
    def annotation(self):
        number = Annotated[
            float,
            Limits(
                ge=self.lo,
                le=self.hi,
                json_schema_extra=({"default": self.default} if self.default is not None else None),
            ),
        ]
        return Annotated[number if self.required else number | None, BeforeValidator(self.check)]

    def column(self):
        return mapped_column(Float, nullable=not self.required, default=self.default)

    def form_field(self, label, description):
        return FloatField(
            label,
            validators=[Optional()],
            description=description,
            render_kw={"min": self.lo, "max": self.hi, "step": self.step or "any"},
        )

    def filled(self, value) -> bool:
        return value is not None


@dataclass(frozen=True)
class ChoiceKind(Kind):
    options: Any  # an enum
    labels: dict  # value → lazy label
    required: bool = True
    blank: Any = None  # the label of "not chosen" in the form
    show = "choice"

    def check(self, value):
        return v.choice(value, self.options, required=self.required)

    @property
    def annotation(self):
        allowed = Literal[values_of(self.options)]
        return Annotated[allowed if self.required else allowed | None, BeforeValidator(self.check)]

    def column(self):
        from .auth.models import enum_column

        return mapped_column(enum_column(self.options, name=self.options.__name__.lower()), nullable=not self.required)

    def form_field(self, label, description):
        choices = ([SelectChoice("", self.blank)] if self.blank else []) + [
            SelectChoice(str(value), text) for value, text in self.labels.items()
        ]
        return SelectField(label, choices=choices, validate_choice=False, description=description)

    def initial(self, value):
        return str(value) if value else ""

    def to_api(self, value):
        return str(value) if value else None

    def filled(self, value) -> bool:
        return value is not None


@dataclass(frozen=True)
class BooleanKind(Kind):
    show = "flag"

    default: bool | None = None  # what an absent value means; None: it must be sent

    def check(self, value):
        return self.default if value is None and self.default is not None else v.boolean(value)

    @property
    def annotation(self):
        extra = {"default": self.default} if self.default is not None else None
        return Annotated[bool, Limits(json_schema_extra=extra), BeforeValidator(self.check)]

    def column(self):
        return mapped_column(Boolean, nullable=False, default=False, server_default="0")

    def form_field(self, label, description):
        return BooleanField(label, description=description)

    def filled(self, value) -> bool:
        return bool(value)


@dataclass(frozen=True)
class CompositeKind(Kind):
    """A value of several parts (a list, an object), checked by `check`; its form inputs and page
    rendering are written by hand (`show` names the template part), its column by the model."""

    type: Any
    check: Callable
    show: str = "composite"

    @property
    def annotation(self):
        return Annotated[self.type, BeforeValidator(self.check)]

    def column(self):
        raise TypeError("a composite field's column is declared in the model")

    def form_field(self, label, description):
        return None


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class DateKind(Kind):
    """A calendar day, `YYYY-MM-DD` in the API; optional."""

    show = "date"

    def check(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise v.FieldError(_("Must be a date (YYYY-MM-DD)."), 400)
        try:
            if not ISO_DATE.match(value.strip()):
                raise ValueError(value)
            return date.fromisoformat(value.strip())
        except ValueError:
            raise v.FieldError(_("Must be a date (YYYY-MM-DD).")) from None

    @property
    def annotation(self):
        return Annotated[date | None, BeforeValidator(self.check)]

    def column(self):
        return mapped_column(Date, nullable=True)

    def form_field(self, label, description):
        return DateField(label, validators=[Optional()], description=description)

    def to_api(self, value):
        return value.isoformat() if value else None

    def from_api(self, value):
        return date.fromisoformat(value) if isinstance(value, str) and value else value or None

    def filled(self, value) -> bool:
        return value is not None


def text(max_len, *, required=False, single_line=False) -> TextKind:
    return TextKind(max_len, required, single_line)


def integer(lo, hi, *, required=False, default=None) -> IntegerKind:
    return IntegerKind(lo, hi, required, default)


def number(lo, hi, *, default=None, required=False, step=None) -> NumberKind:
    return NumberKind(lo, hi, default, required, step)


def choice(options, labels: dict, *, required=True, blank=None) -> ChoiceKind:
    return ChoiceKind(options, labels, required, blank)


def boolean(*, default=None) -> BooleanKind:
    return BooleanKind(default)


def day() -> DateKind:
    return DateKind()


def composite(type_, check, show="composite") -> CompositeKind:
    return CompositeKind(type_, check, show)


# The declaration of one field


@dataclass(frozen=True)
class Field:
    """One field, declared once. `needed` says what submission requires of it: True (filled in), a
    predicate on the object (True when met; False or a sentence saying why when not), or None
    (nothing); `needed_label` is the checklist's line (the label when not given). `public`: on the
    catalogue and the public page; `hashed`: in the registration hash input (every editable field is,
    as the API contract says; the flag makes it explicit)."""

    name: str
    kind: Kind
    label: Any
    help: Any = None
    section: str = "protocol"
    needed: Any = None
    needed_label: Any = None
    public: bool = False
    hashed: bool = True
    form_label: Any = None  # the form's wording, when it is a question rather than a name
    public_label: Any = None  # the public page's wording
    read: Callable | None = None  # value from the object (default: the attribute of that name)
    write: Callable | None = None  # value onto the object: returns {attribute: value}
    extra: dict = field(default_factory=dict)

    @property
    def simple(self) -> bool:
        return not isinstance(self.kind, CompositeKind)

    def value(self, obj):
        """The value as the API serves it (and as it enters the registration hash)."""
        return self.read(obj) if self.read else self.kind.to_api(getattr(obj, self.name))

    def attributes(self, value) -> dict:
        return self.write(value) if self.write else {self.name: value}

    def form_field(self):
        return self.kind.form_field(self.form_label or self.label, self.help)

    def needed_state(self, obj):
        """For a field needed for submission: True when met; False, or a sentence saying why, when not."""
        if self.needed is True:
            return self.kind.filled(getattr(obj, self.name))
        return self.needed(obj)


# Models, validation and the JSON Schema


def model_of(
    name: str, fields, *, required=(), doc: str | None = None, base: type[BaseModel] | None = None
) -> type[BaseModel]:
    """A pydantic model of these fields; fields not in `required` may be left out."""
    definitions = {f.name: (f.kind.annotation, ... if f.name in required else None) for f in fields}
    config = None if base else ConfigDict(extra="ignore", json_schema_extra=_no_title)
    # pydantic's overloads take __base__=None and a class apart; `base` is either
    return create_model(name, __config__=config, __base__=base, __doc__=doc, **definitions)  # type: ignore[call-overload]


def _no_title(schema: dict, _model=None) -> None:
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        if prop.get("default", 0) is None:
            prop.pop("default")


class Body(BaseModel):
    """A body whose unknown fields are ignored (the service names them), described without pydantic's titles."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=_no_title)


# What pydantic says, in the app's words, for the errors no check of ours raised first
TYPE_ERRORS = {
    "string_type": lambda ctx: _("Must be text."),
    "int_type": lambda ctx: _("Must be a whole number."),
    "int_parsing": lambda ctx: _("Must be a whole number."),
    "int_from_float": lambda ctx: _("Must be a whole number."),
    "float_type": lambda ctx: _("Must be a number."),
    "float_parsing": lambda ctx: _("Must be a number."),
    "bool_type": lambda ctx: _("Must be true or false."),
    "bool_parsing": lambda ctx: _("Must be true or false."),
    "list_type": lambda ctx: _("Must be a list."),
    "dict_type": lambda ctx: _("Must be an object."),
    "model_type": lambda ctx: _("Must be an object."),
    "model_attributes_type": lambda ctx: _("Must be an object."),
}
VALUE_ERRORS = {
    "missing": lambda ctx: _("This field is required."),
    "string_too_long": lambda ctx: _("At most %(n)d characters.", n=ctx["max_length"]),
    "string_too_short": lambda ctx: _("This field is required."),
    "too_long": lambda ctx: _("At most %(n)d entries.", n=ctx["max_length"]),
    "too_short": lambda ctx: _("At least %(n)d entries.", n=ctx["min_length"]),
    "literal_error": lambda ctx: _("Must be one of: %(values)s.", values=ctx["expected"].replace("'", "")),
}


def field_error(error: ErrorDetails) -> v.FieldError:
    """One pydantic error as the app's FieldError (status 400 for a wrong type, else 422)."""
    found = (error.get("ctx") or {}).get("error")
    if isinstance(found, v.FieldError):
        return found
    ctx = error.get("ctx") or {}
    if error["type"] in TYPE_ERRORS:
        return v.FieldError(TYPE_ERRORS[error["type"]](ctx), 400)
    if error["type"] in VALUE_ERRORS:
        return v.FieldError(VALUE_ERRORS[error["type"]](ctx))
    return v.FieldError(_("Some values are not valid."))


def validate(
    model: type[BaseModel], data: dict, *, depth: int = 1, partial: type[BaseModel] | None = None
) -> tuple[dict, dict]:
    """Validate `data` with `model`: (clean values of the fields sent, {field: FieldError}); a field is
    named by the first `depth` parts of its location (`clauses.0`). With errors, the clean values are
    those of the other fields by the `partial` model (its fields all optional), for checks across fields."""
    try:
        instance = model.model_validate(data)
    except ValidationError as err:
        errors: dict[str, v.FieldError] = {}
        for error in err.errors():
            name = ".".join(str(part) for part in error["loc"][:depth]) or "body"
            errors.setdefault(name, field_error(error))
        if partial is None:
            return {}, errors
        return validate(partial, {name: x for name, x in data.items() if name not in errors})[0], errors
    values = instance.model_dump(include=instance.model_fields_set)
    return {name: values[name] for name in data if name in values}, {}  # in the order sent


def json_schemas(*models: type[BaseModel], mode: Literal["validation", "serialization"] = "validation") -> dict:
    """The OpenAPI components of these models (and of the models they nest), by name."""
    out = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out
