"""A pipeline in 30 lines: render a clip per prompt, keep the files, report what was made.

Usage: ``python docs/examples/pipeline.py IMAGE OUT_DIR`` (kenburns: offline, no key).
"""

import sys
from pathlib import Path

import videogate

PROMPTS = ["dawn over the lake", "a heron takes off", "dusk, birds crossing the sky"]


def main(image: str, out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with videogate.Engine() as engine:
        for n, prompt in enumerate(PROMPTS):
            request = {"prompt": prompt, "reference_image": image, "duration": 2, "fps": 12}
            request["size"] = "640x360"
            result = engine.generate(request, provider="kenburns", mode="adjust")
            target = out / f"clip-{n}.mp4"
            target.write_bytes(result.read_bytes())
            notes = "; ".join(map(str, result.warnings)) or "as asked"
            print(f"{target}  job {result.job_id}  {result.duration:g} s  {notes}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
