from enginekit import REQUEST, make_config

from videogate import JobPhase
from videogate._state.journal import JobState


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


def test_a_plugin_storage_backend_wins_over_fsspec(make_engine, service, tmp_path):
    """``register_storage`` of the engine's plugins applies even to a scheme fsspec knows."""
    import videogate
    from videogate._artifacts.fsspec_storage import FsspecStorage
    from videogate._plugins.config import StorageConfig

    opened = []

    class Plugin:
        @videogate.hookimpl
        def register_storage(self, register):
            def factory(url, public_url=None, **options):
                opened.append(url)
                return FsspecStorage(str(tmp_path / "plugin-store"), public_url=public_url)

            register("memory", factory)

    config = make_config(tmp_path, storage=StorageConfig(url="memory://shelf/{namespace}"))
    engine = make_engine(plugins=[("store", Plugin())], config=config)
    result = engine.generate(REQUEST)
    assert opened == ["memory://shelf/fake"]
    assert result.video_url.startswith((tmp_path / "plugin-store").as_uri())


def test_finished_runs_are_released_and_the_journal_keeps_them(engine):
    import gc
    import time
    import weakref

    runner = engine._runner
    results = [engine.generate({**REQUEST, "prompt": f"release {i}"}) for i in range(5)]
    assert runner.runs == {}
    assert runner.inflight == {}
    records = {r.job_id: r for r in engine.jobs()}
    assert {r.task_id for r in results} <= {r.task_id for r in records.values()}
    assert all(r.state == "succeeded" for r in records.values())
    job = engine.submit({**REQUEST, "prompt": "weak"})
    run = weakref.ref(job._run)
    job.wait()
    assert runner.runs == {}
    del job
    # The run's task may still be ending (claim released, journal written) when wait()
    # returns; once it has, nothing holds the run.
    for _ in range(200):
        gc.collect()
        if run() is None:
            break
        time.sleep(0.01)
    assert run() is None
