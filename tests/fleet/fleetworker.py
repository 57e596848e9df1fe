"""One fleet worker process: runs its share of a JSON Lines batch with the wan provider on an
emulator, with the state (journal, cache, account limits) on PostgreSQL.

    python fleetworker.py STATE_URL BASE_URL BATCH OUT SHARD SCALE OUTPUT_DIR

SHARD is ``K/N``; SCALE the time scale (limits are divided by it, poll pacing multiplied).
Prints one JSON line of figures (peak RSS, outcomes) at the end.
"""

from __future__ import annotations

import json
import resource
import sys

from videogate import Config, Engine, ServiceLimits
from videogate._engine.pacing import PollPolicy
from videogate._engine.shared_limits import SharedLimits
from videogate._plugins.config import ProviderEntry, StateConfig
from videogate._state.backend import open_state


def main() -> None:
    url, base_url, batch, out, shard, scale_text, output_dir = sys.argv[1:8]
    scale = float(scale_text)
    k, n = (int(x) for x in shard.split("/"))
    config = Config(
        output_dir=output_dir,
        default_provider="wan",
        timeout=600.0,
        workers=8,
        state=StateConfig(url=url, lease=10.0),
        providers={
            "wan": ProviderEntry(
                name="wan", plugin="wan", options={"base_url": base_url, "api_key": "sk-fleet"}
            )
        },
    )
    limits = ServiceLimits(
        max_concurrent_tasks=5, submits_per_second=5 / scale, queries_per_second=20 / scale
    )
    state = open_state(config)
    store = state.limit_store()
    assert store is not None
    engine = Engine(
        config,
        limits=SharedLimits(store, lambda name: limits),
        poll_policy=PollPolicy().scaled(scale),
    )

    def items():
        with open(batch, encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if number % n == k:
                    record = json.loads(line)
                    record.setdefault("id", str(number))
                    yield record

    ok = failed = 0
    with engine, open(out, "a", encoding="utf-8") as sink:
        for outcome in engine.map(items(), window=32):
            sink.write(json.dumps(outcome.to_dict(), sort_keys=True) + "\n")
            sink.flush()
            ok += outcome.ok
            failed += not outcome.ok
    state.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ok": ok, "failed": failed, "peak_rss_mb": round(rss, 1)}))


if __name__ == "__main__":
    main()
