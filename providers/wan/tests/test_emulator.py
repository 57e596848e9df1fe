"""The emulator speaks the DashScope wire protocol: checked with plain HTTP and the SDK."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from videogate_wan.emulator.testing import emulator_process

SUBMIT = "/services/aigc/video-generation/video-synthesis"
AUTH = {"Authorization": "Bearer sk-wire-test"}
ASYNC = {**AUTH, "X-DashScope-Async": "enable"}


def _body(**parameters):
    return {
        "model": "wan2.6-i2v-flash",
        "input": {"prompt": "x", "img_url": "https://example.com/a.png"},
        "parameters": {"resolution": "720P", "duration": 2, **parameters},
    }


def test_submit_needs_a_key_and_the_async_header(emu):
    url = emu.base_url + SUBMIT
    answer = requests.post(url, json=_body(), timeout=10)
    assert answer.status_code == 401 and answer.json()["code"] == "InvalidApiKey"
    answer = requests.post(url, json=_body(), headers=AUTH, timeout=10)
    assert answer.status_code == 403
    assert "synchronous" in answer.json()["message"]
    answer = requests.post(url, json=_body(), headers=ASYNC, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["output"]["task_status"] == "PENDING"
    assert emu.stats()["submissions"] == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "wan2.6-i2v"}, "Model not exist"),
        ({"input": {"img_url": None}}, "Field required: input.img_url"),
        ({"parameters": {"duration": 16}}, "duration"),
        ({"parameters": {"duration": 5.0}}, "duration"),
        ({"parameters": {"resolution": "480P"}}, "resolution"),
        ({"parameters": {"seed": -1}}, "seed"),
        ({"parameters": {"audio": "no"}}, "audio"),
        ({"parameters": {"shot_type": "many"}}, "shot_type"),
        ({"input": {"img_url": "oss://not/uploaded.png"}}, "X-DashScope-OssResourceResolve"),
        ({"input": {"img_url": "data:image/png;base64,AAAA"}}, "decodable"),
    ],
)
def test_submit_validation(emu, change, message):
    body = _body()
    for key, value in change.items():
        body[key] = {**body[key], **value} if isinstance(value, dict) else value
    answer = requests.post(emu.base_url + SUBMIT, json=body, headers=ASYNC, timeout=10)
    assert answer.status_code == 400
    payload = answer.json()
    assert payload["code"] == "InvalidParameter" and payload["request_id"]
    assert message in payload["message"]
    assert emu.stats()["submissions"] == 0


def test_task_query_tolerates_trailing_slash_and_query(emu):
    created = requests.post(emu.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=10)
    task_id = created.json()["output"]["task_id"]
    answer = requests.get(
        f"{emu.base_url}/tasks/{task_id}/?duration=2&resolution=720P", headers=AUTH, timeout=10
    )
    output = answer.json()["output"]
    assert output["task_status"] == "SUCCEEDED"
    assert output["video_url"].startswith(emu.origin)
    assert answer.json()["usage"]["output_video_duration"] == 2
    listing = requests.get(f"{emu.base_url}/tasks?page_no=1&page_size=5", headers=AUTH, timeout=10)
    assert listing.json()["total"] == 1
    assert listing.json()["tasks"][0]["task_id"] == task_id
    video = requests.get(output["video_url"], timeout=30)
    assert video.headers["Content-Type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"


def test_the_sdk_list_and_cancel_calls_work(emu):
    import dashscope

    emu.inject("stuck", state="PENDING")
    created = requests.post(emu.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=10)
    task_id = created.json()["output"]["task_id"]
    listing = dashscope.VideoSynthesis.list(api_key="sk-wire", base_address=emu.base_url)
    assert listing.status_code == 200 and listing.output["tasks"][0]["task_status"] == "PENDING"
    cancel = f"{emu.base_url}/tasks/{task_id}/cancel/"  # the aio client's trailing slash
    assert requests.post(cancel, headers=AUTH, timeout=10).status_code == 200
    again = requests.post(cancel, headers=AUTH, timeout=10)
    assert again.status_code == 400 and again.json()["code"] == "UnsupportedOperation"
    state = requests.get(f"{emu.base_url}/tasks/{task_id}", headers=AUTH, timeout=10).json()
    assert state["output"]["task_status"] == "CANCELED"
    assert emu.stats()["cancelled"] == 1


def test_fault_control_over_http(emu):
    control = emu.origin + "/_emulator/faults"
    assert requests.post(control, json={"kind": "bogus"}, timeout=10).status_code == 400
    assert (
        requests.post(control, json={"kind": "throttle", "oops": 1}, timeout=10).status_code == 400
    )
    scheduled = requests.post(
        control,
        json={"faults": [{"kind": "throttle", "endpoint": "submit", "seconds": 3}]},
        timeout=10,
    )
    assert scheduled.json() == {"scheduled": 1}
    answer = requests.post(emu.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=10)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    stats = requests.get(emu.origin + "/_emulator/stats", timeout=10).json()
    assert stats["faults_fired"] == 1 and stats["submissions"] == 0
    assert {"submissions", "queries", "cancels", "uploads"} <= set(stats)


def test_service_limits_can_be_enforced(emu):
    emu.configure(enforce_limits=True)
    codes = [
        requests.post(emu.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=10).status_code
        for _ in range(7)
    ]
    assert codes.count(200) == 5 and codes.count(429) == 2


def test_the_command_prints_its_base_url_first():
    with emulator_process("--pending", "0") as process:
        assert process.base_url.startswith("http://127.0.0.1:")
        assert process.base_url.endswith("/api/v1")
        assert process.stats()["submissions"] == 0
        process.inject("throttle", endpoint="submit")
        answer = requests.post(process.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=10)
        assert answer.status_code == 429


def test_the_command_refuses_non_loopback_hosts():
    done = subprocess.run(
        [sys.executable, "-m", "videogate_wan.emulator._cli", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "loopback" in done.stderr
    assert json.dumps(done.stdout) == '""'


def test_settle_waits_for_a_submit_the_client_gave_up_on(emu):
    emu.inject("latency", endpoint="submit", seconds=0.6)
    with pytest.raises(requests.exceptions.Timeout):
        requests.post(emu.base_url + SUBMIT, json=_body(), headers=ASYNC, timeout=0.1)
    assert emu.settle(timeout=5)
    assert emu.stats()["submissions"] == 1
    assert emu.stats()["submits_in_flight"] == 0
