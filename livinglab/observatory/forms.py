"""The observatory's filters: a GET form, so no CSRF token."""

from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from ..studies.forms import DOMAIN_LABELS
from .services import Scope


class ScopeForm(Form):
    domain = SelectField(_l("Domain"), choices=[], validate_choice=False)
    year = SelectField(_l("Year of creation"), choices=[], validate_choice=False)

    def __init__(self, formdata, years: list[int]):
        super().__init__(formdata)
        self.domain.choices = [SelectChoice("", _l("Any domain"))] + [
            SelectChoice(str(value), label) for value, label in DOMAIN_LABELS.items()
        ]
        self.year.choices = [SelectChoice("", _l("Any year"))] + [SelectChoice(str(y), str(y)) for y in years]

    def scope(self) -> Scope:
        """The studies these filters select; a value not in the lists is reported and ignored."""
        domain, year = (self.domain.data or "").strip(), (self.year.data or "").strip()
        if domain and domain not in {str(d) for d in DOMAIN_LABELS}:
            self.domain.errors = [_l("Choose a domain from the list.")]
            domain = ""
        if year and not (year.isascii() and year.isdigit() and 1970 <= int(year) <= 9999):
            self.year.errors = [_l("Choose a year from the list.")]
            year = ""
        if year and year not in {c.value for c in self.year.choices}:
            self.year.choices.append(SelectChoice(year, year))  # a year without studies: empty figures
        self.domain.data, self.year.data = domain, year
        return Scope(domain=domain or None, year=int(year) if year else None)

    @property
    def has_errors(self) -> bool:
        return bool(self.domain.errors or self.year.errors)
