from livinglab.studies.models import StudyStatus


def test_every_demo_path_reaches_its_state(make_study):
    for status in StudyStatus:
        assert make_study(str(status)).status == status
