"""One SQL query turns a study's answers into the long-form frame the analysis reads.

The only module of the package that touches the database; it takes a connection, not the app."""
import pandas as pd
from sqlalchemy import select

from ..participants.models import Answer, Enrolment, Response
from ..surveys.models import Survey

COLUMNS = ["participant_code", "arm", "timepoint", "item", "number", "text"]


def answers_query(study_id: int):
    return (select(Enrolment.participant_code, Enrolment.arm, Survey.timepoint, Answer.item_key,
                   Answer.number, Answer.text)
            .select_from(Answer)
            .join(Response, Answer.response_id == Response.id)
            .join(Enrolment, Response.enrolment_id == Enrolment.id)
            .join(Survey, Response.survey_id == Survey.id)
            .where(Enrolment.study_id == study_id))


def load_answers(connection, study_id: int) -> pd.DataFrame:
    """Every remaining answer of the study: (participant_code, arm, timepoint, item, number, text)."""
    rows = connection.execute(answers_query(study_id)).all()
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    frame["number"] = frame["number"].astype(float)
    return frame
