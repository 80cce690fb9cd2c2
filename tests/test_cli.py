"""The ``ember`` command: the demo learns, and info reports versions."""

import io
import re

from ember import cli


def test_demo_loss_falls_and_accuracy_rises():
    out = io.StringIO()
    accuracy = cli.demo(steps=300, out=out)
    losses = [float(m) for m in re.findall(r"loss (\d+\.\d+)", out.getvalue())]
    assert len(losses) == 7
    assert losses[-1] < losses[0] / 3
    assert accuracy > 0.9


def test_info_names_versions():
    out = io.StringIO()
    cli.info(out=out)
    text = out.getvalue()
    assert "ember 0.1.0" in text and "numpy" in text and "backend numpy" in text


def test_main_dispatches_commands(capsys):
    assert cli.main(["info"]) == 0
    assert "ember" in capsys.readouterr().out
