"""One SQL query turns a study's answers into the long-form frame the analysis reads.

The only module of the package that touches the database; it takes a connection, not the app."""
import numpy as np
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


def frame_of(rows) -> pd.DataFrame:
    """Rows of the answers query as the long frame, built column by column (pandas probing each
    SQLAlchemy Row in `from_records` costs more than the query itself)."""
    columns = list(zip(*rows)) if rows else [()] * len(COLUMNS)
    return pd.DataFrame({
        **{name: pd.Categorical(values) for name, values in zip(COLUMNS[:4], columns[:4])},
        "number": np.array(columns[4], dtype=float),
        "text": pd.array(columns[5], dtype="str"),
    })


def load_answers(connection, study_id: int, query=None) -> pd.DataFrame:
    """Every remaining answer of the study: (participant_code, arm, timepoint, item, number, text)."""
    return frame_of(connection.execute(query if query is not None else answers_query(study_id)).all())
