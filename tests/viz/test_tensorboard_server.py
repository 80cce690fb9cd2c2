"""A real TensorBoard server reads what ember.viz.SummaryWriter wrote."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ember.viz import SummaryWriter

STARTUP_SECONDS = 60


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def tensorboard(tmp_path):
    """Start ``tensorboard`` on ``tmp_path/logs``; yields (log folder, base URL)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    port = free_port()
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(logs)]
    command += ["--port", str(port), "--host", "127.0.0.1", "--reload_interval", "1"]
    with open(tmp_path / "tensorboard.out", "wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield logs, f"http://127.0.0.1:{port}", server
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


# Starting the server takes about 2 s.
@pytest.mark.slow
def test_tensorboard_serves_logged_scalars(tensorboard, tmp_path):
    logs, base, server = tensorboard
    with SummaryWriter(logs / "run1") as writer:
        for step in range(3):
            writer.add_scalar("train/loss", 1.0 / (step + 1), step)
    query = urllib.parse.urlencode({"run": "run1", "tag": "train/loss"})
    deadline = time.monotonic() + STARTUP_SECONDS
    points = []
    while len(points) < 3:
        if server.poll() is not None:
            log = (tmp_path / "tensorboard.out").read_text(errors="replace")
            pytest.fail(f"tensorboard exited with {server.returncode}:\n{log}")
        if time.monotonic() > deadline:
            pytest.fail(f"tensorboard did not serve the scalars within {STARTUP_SECONDS} s")
        try:
            points = get_json(f"{base}/data/plugin/scalars/scalars?{query}")
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            points = []
        if len(points) < 3:
            time.sleep(0.2)
    assert [(step, value) for _, step, value in points] == [
        (0, 1.0),
        (1, 0.5),
        (2, pytest.approx(1 / 3)),
    ]
    assert "run1" in get_json(f"{base}/data/runs")
