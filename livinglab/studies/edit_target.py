"""What the protocol, consent and survey editors work on: a study's own draft, or the proposed version of an
amendment. The same templates serve both; the target gives them their links (breadcrumbs, "back", the survey
builder's form actions) and what the page says about the state."""

from functools import cached_property

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..policy import can
from .models import Amendment, Study


class StudyTarget:
    """The study's own protocol, while it is a draft or changes are requested."""

    amendment: Amendment | None = None

    def __init__(self, study: Study):
        self.study = study

    @property
    def status(self) -> str:
        return str(self.study.status)

    @property
    def crumbs(self) -> list[tuple[str, str]]:
        return [(url_for("studies.show", study_id=self.study.id), self.study.title)]

    @property
    def back(self) -> str:
        return url_for("studies.show", study_id=self.study.id)

    @property
    def back_label(self) -> str:
        return _("Back to the study")

    @property
    def editable(self) -> bool:
        return can(current_user, "edit", self.study)

    def survey_url(self, endpoint: str, survey, **values) -> str:
        return url_for(f"surveys.{endpoint}", study_id=self.study.id, survey_id=survey.id, **values)

    def new_survey_url(self) -> str:
        return url_for("surveys.new", study_id=self.study.id)

    def locked(self, survey) -> bool:
        """Whether only the wording of this survey may change (never, in a draft)."""
        return False


class AmendmentTarget(StudyTarget):
    """An amendment's proposed protocol, consent and surveys (its record), while it is editable."""

    def __init__(self, study: Study, amendment: Amendment):
        super().__init__(study)
        self.amendment = amendment

    @property
    def status(self) -> str:
        return str(self.amendment.status)  # type: ignore[union-attr]  # an amendment's target has one

    @property
    def crumbs(self) -> list[tuple[str, str]]:
        return [*super().crumbs, (self.back, _("Amendment %(n)d", n=self.version))]

    @property
    def version(self) -> int:
        return self.amendment.version  # type: ignore[union-attr]

    @property
    def back(self) -> str:
        return url_for("amendments.show", study_id=self.study.id, version=self.version)

    @property
    def back_label(self) -> str:
        return _("Back to the amendment")

    @property
    def editable(self) -> bool:
        from .amendments import EDITABLE

        return self.amendment.status in EDITABLE and can(current_user, "amend", self.study)  # type: ignore[union-attr]

    def survey_url(self, endpoint: str, survey, **values) -> str:
        return url_for(
            f"amendment_editing.survey_{endpoint}",
            study_id=self.study.id,
            version=self.version,
            key=survey.key,
            **values,
        )

    def new_survey_url(self) -> str:
        return url_for("amendment_editing.survey_new", study_id=self.study.id, version=self.version)

    @cached_property
    def _opened(self) -> set[str]:
        from .amendments import opened_timepoints

        return opened_timepoints(self.study)

    def approved(self, survey) -> bool:
        """Whether the pilot already runs this survey (a survey new in the amendment is not)."""
        return any(s.key == survey.key for s in self.study.surveys)

    def locked(self, survey) -> bool:
        """The survey's timepoint has opened for a participant: only its wording may change
        (`amendments.check_surveys` decides; this only tells the page)."""
        approved = next((s for s in self.study.surveys if s.key == survey.key), None)
        return approved is not None and approved.timepoint in self._opened
