"""The ``ember`` command: the demo writes a complete run folder, train reads a config,
info reports versions."""

import io
import os

import pytest

from ember import cli


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    out = io.StringIO()
    accuracy = cli.demo(epochs=3, runs=str(runs), name="quick", verbose=0, out=out)
    return runs / "quick", accuracy, out.getvalue()


def test_demo_writes_the_run_folder(demo_run):
    folder, accuracy, text = demo_run
    names = set(os.listdir(folder))
    expected = {
        "history.csv",
        "curves.png",
        "filters.png",
        "feature_maps.png",
        "confusion_matrix.png",
        "model.safetensors",
        "best.safetensors",
        "tensorboard",
    }
    assert expected <= names
    for png in ("curves.png", "filters.png", "feature_maps.png", "confusion_matrix.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((folder / "history.csv").read_text().splitlines()) == 4  # header + 3 epochs
    assert 0.0 < accuracy <= 1.0
    assert "test accuracy" in text and "tensorboard --logdir" in text


def test_demo_event_files_read_back_with_tensorboard(demo_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder = demo_run[0] / "tensorboard"
    runs = [d for d in os.listdir(folder) if (folder / d).is_dir()]
    assert runs
    accumulator = EventAccumulator(str(folder / runs[0]))
    accumulator.Reload()
    tags = accumulator.Tags()["scalars"]
    assert tags and len(accumulator.Scalars(tags[0])) == 3


def test_train_reads_a_toml_config(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        '[model]\nname = "MLP"\nin_features = 64\nhidden = [32]\n'
        '[data]\nname = "digits"\n'
        '[optimizer]\nname = "adam"\nlr = 0.01\n'
        f'[train]\nepochs = 2\nbatch_size = 128\nruns = "{tmp_path / "runs"}"\nrun = "mlp"\n'
        "verbose = 0\n"
    )
    results = cli.train(str(config), out=io.StringIO())
    assert results["accuracy"] > 0.5
    assert (tmp_path / "runs" / "mlp" / "model.safetensors").exists()


def test_info_names_versions():
    out = io.StringIO()
    cli.info(out=out)
    text = out.getvalue()
    assert "ember 0.1.0" in text and "numpy" in text and "backend numpy" in text


def test_main_dispatches_commands(capsys):
    assert cli.main(["info"]) == 0
    assert "ember" in capsys.readouterr().out
