"""Single flight, the cache, and secrets."""

from __future__ import annotations

import asyncio
import json

import pytest
from enginekit import REQUEST
from fakeservice import ApplySecretFaults, FakeProvider

import videogate
from videogate import AuthenticationError


def test_identical_concurrent_requests_share_one_job(engine, service):
    async def main():
        return await asyncio.gather(*(engine.agenerate(REQUEST) for _ in range(5)))

    results = asyncio.run(main())
    assert service.counts["accepted"] == 1
    assert len({r.video_url for r in results}) == 1


def test_different_requests_do_not_share(engine, service):
    async def main():
        return await asyncio.gather(
            *(engine.agenerate({**REQUEST, "prompt": f"p{i}"}) for i in range(3))
        )

    asyncio.run(main())
    assert service.counts["accepted"] == 3


def test_cache_hit_does_not_contact_the_provider(make_engine, service):
    first = make_engine().generate(REQUEST)
    counts = dict(service.counts)
    again = make_engine().generate(REQUEST)  # a fresh engine: only the cache is shared
    assert service.counts == counts
    assert again.cached and not first.cached
    assert again.video_url == first.video_url


def test_no_cache_generates_again(engine, service):
    engine.generate(REQUEST)
    engine.generate(REQUEST, use_cache=False)
    assert service.counts["accepted"] == 2


def test_cache_entry_whose_object_vanished_is_a_miss(engine, service):
    first = engine.generate(REQUEST)
    storage = engine.storage("fake")
    key = first.video_url.rsplit("/videos/", 1)[-1]
    storage.delete(key)
    second = engine.generate(REQUEST)
    assert not second.cached
    assert service.counts["accepted"] == 2


def test_disabled_cache(make_engine, service):
    engine = make_engine(cache=None)
    engine.generate(REQUEST)
    engine.generate(REQUEST)
    assert service.counts["accepted"] == 2


def test_secret_never_leaks(make_engine, service, tmp_path, caplog):
    key = "sk-verysecretkey-123456"
    engine = make_engine(prov=ApplySecretFaults(service, api_key=key))
    with pytest.raises(AuthenticationError) as info:
        engine.generate(REQUEST)
    assert key not in str(info.value) and key not in repr(info.value)
    record = engine.jobs()[0]
    assert key not in json.dumps(record.to_dict())
    job_file = (tmp_path / "output" / "videogate.sqlite3").read_bytes()
    assert key.encode() not in job_file
    assert key not in caplog.text
    ok = make_engine(prov=FakeProvider(service, api_key=key)).generate({**REQUEST, "seed": 1})
    assert key not in videogate.dumps(ok)
