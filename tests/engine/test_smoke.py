from conftest import REQUEST

from videogate import JobPhase
from videogate._journal import JobState


def test_generate_returns_a_probed_stored_video(engine, service):
    events = []
    result = engine.generate(REQUEST, on_progress=events.append)
    assert result.duration == 1.0
    assert result.fps == 8
    assert str(result.size) == "64*48"
    assert result.provider == "fake"
    assert result.seed is not None
    assert service.counts["accepted"] == 1
    assert events[-1].phase is JobPhase.DONE
    jobs = engine.jobs()
    assert len(jobs) == 1 and jobs[0].state is JobState.SUCCEEDED
