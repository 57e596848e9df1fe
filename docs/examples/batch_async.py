"""An async batch: start every job at once, follow their progress, collect what succeeded.

The engine queues jobs locally within each provider's limits, so a batch of hundreds is
safe to start in one go. Usage: ``python docs/examples/batch_async.py IMAGE``.
"""

import asyncio
import sys

import videogate


async def main(image: str) -> int:
    seeds = range(4)
    async with videogate.Engine() as engine:
        jobs = [
            await engine.asubmit(
                {
                    "prompt": "a quiet lake",
                    "reference_image": image,
                    "duration": 1,
                    "fps": 8,
                    "size": "320x180",
                    "seed": seed,
                },
                provider="kenburns",
            )
            for seed in seeds
        ]
        outcomes = await asyncio.gather(*(job.result() for job in jobs), return_exceptions=True)
    failed = 0
    for job, outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, videogate.VideogateError):
            failed += 1
            print(f"{job.job_id}: {type(outcome).__name__}: {outcome}")
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            print(f"{job.job_id}: {outcome.local_path} seed {outcome.seed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
