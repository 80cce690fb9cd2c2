"""ember.viz.SummaryWriter: every kind of event, read back with TensorBoard's own reader."""

import io
import os
import socket
import time

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

import ember
from ember.errors import ShapeError
from ember.viz import SummaryWriter


def read(log_dir):
    """All the events of a run folder (size_guidance 0 keeps every event)."""
    accumulator = EventAccumulator(
        str(log_dir),
        size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0},
    )
    return accumulator.Reload()


def decode_png(encoded):
    return matplotlib.image.imread(io.BytesIO(encoded), format="png")


def test_scalars_from_tensors_arrays_and_numbers(tmp_path):
    values = [ember.tensor(0.5), np.float32(0.25), 0.125, ember.tensor([2.0], requires_grad=True)]
    with SummaryWriter(tmp_path) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("loss", value, step * 10)
        writer.add_scalar("lr", 0.1, global_step=ember.tensor(3))
    events = read(tmp_path).Scalars("loss")
    assert [e.step for e in events] == [0, 10, 20, 30]
    assert [e.value for e in events] == [0.5, 0.25, 0.125, 2.0]
    assert read(tmp_path).Scalars("lr")[0].step == 3


def test_scalar_with_walltime(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", 1, 0, walltime=1234.5)
    assert read(tmp_path).Scalars("x")[0].wall_time == 1234.5


def test_scalar_with_many_elements_names_the_shape(tmp_path):
    with SummaryWriter(tmp_path) as writer, pytest.raises(ShapeError, match=r"\(2, 3\)"):
        writer.add_scalar("loss", ember.zeros(2, 3))


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(2):
            writer.add_scalars("loss", {"train": ember.tensor(1.0 + step), "val": 3.0}, step)
    train = read(tmp_path / "loss_train").Scalars("loss")
    val = read(tmp_path / "loss_val").Scalars("loss")
    assert [e.value for e in train] == [1.0, 2.0]
    assert [e.value for e in val] == [3.0, 3.0]


def test_histogram_counts_every_value(tmp_path):
    ember.manual_seed(0)
    values = ember.randn(1000)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", values, 5)
        writer.add_histogram("auto", values.numpy(), 5, bins="auto")
        writer.add_histogram("ten", [1, 2, 3, 4], 5, bins=10)
    run = read(tmp_path)
    for tag, count in (("weights", 1000), ("auto", 1000), ("ten", 4)):
        (event,) = run.Histograms(tag)
        assert event.step == 5
        assert event.histogram_value.num == count
    histogram = run.Histograms("weights")[0].histogram_value
    assert histogram.min == pytest.approx(values.min().item())
    assert histogram.max == pytest.approx(values.max().item())
    assert histogram.sum == pytest.approx(values.sum().item(), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("values, problem", [([], "is empty"), ([1.0, float("nan")], "NaN or Inf")])
def test_histogram_of_bad_values(tmp_path, values, problem):
    with SummaryWriter(tmp_path) as writer, pytest.raises(ValueError, match=problem):
        writer.add_histogram("w", ember.tensor(values))


def test_image_chw_float_is_scaled_and_clipped(tmp_path):
    image = np.zeros((3, 8, 10), dtype=np.float32)
    image[0] = 1.0
    image[1, 0, 0] = 2.0
    image[2] = 0.5
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("picture", ember.tensor(image), 1)
    (event,) = read(tmp_path).Images("picture")
    assert (event.width, event.height, event.step) == (10, 8, 1)
    pixels = decode_png(event.encoded_image_string)
    assert pixels.shape == (8, 10, 3)
    np.testing.assert_allclose(pixels[..., 0], 1.0)
    assert pixels[0, 0, 1] == 1.0
    assert pixels[1, 1, 1] == 0.0
    np.testing.assert_allclose(pixels[..., 2], 127 / 255)


def test_image_nan_and_inf_become_black_and_white(tmp_path):
    image = np.array([[[np.nan, np.inf, -np.inf]]])
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("picture", image, dataformats="CHW")
    (event,) = read(tmp_path).Images("picture")
    np.testing.assert_allclose(decode_png(event.encoded_image_string)[0, :, 0], [0, 1, 0])


@pytest.mark.parametrize(
    "shape, dataformats", [((6, 4, 3), "HWC"), ((6, 4), "HW"), ((1, 6, 4), "CHW")]
)
def test_image_layouts(tmp_path, shape, dataformats):
    image = np.full(shape, 200, dtype=np.uint8)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("picture", image, dataformats=dataformats)
    (event,) = read(tmp_path).Images("picture")
    assert (event.height, event.width) == (6, 4)
    np.testing.assert_allclose(decode_png(event.encoded_image_string), 200 / 255)


def test_images_are_shown_as_a_grid(tmp_path):
    batch = ember.rand(4, 1, 5, 6)
    with SummaryWriter(tmp_path) as writer:
        writer.add_images("batch", batch, 0)
        writer.add_images("nhwc", batch.numpy().transpose(0, 2, 3, 1), 0, dataformats="NHWC")
    run = read(tmp_path)
    for tag in ("batch", "nhwc"):
        (event,) = run.Images(tag)
        assert (event.height, event.width) == (5, 24)
        assert decode_png(event.encoded_image_string).shape == (5, 24, 3)


@pytest.mark.parametrize(
    "method, shape, dataformats, error, match",
    [
        ("add_image", (3, 8, 8), "HWC", ShapeError, "8 channels"),
        ("add_image", (8, 8), "CHW", ShapeError, r"\(8, 8\) does not match"),
        ("add_image", (2, 8, 8), "CHW", ShapeError, "2 channels"),
        ("add_image", (3, 8, 8), "CHX", ValueError, "dataformats"),
        ("add_image", (3, 8, 8), "CCW", ValueError, "dataformats"),
        ("add_images", (3, 8, 8), "CHW", ValueError, "4 dims"),
        ("add_images", (2, 3, 8), "NCHW", ShapeError, "does not match"),
    ],
)
def test_bad_images(tmp_path, method, shape, dataformats, error, match):
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=match):
        getattr(writer, method)("img", np.zeros(shape), dataformats=dataformats)


def test_add_text(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_text("notes", "**lr** = 0.1", 2)
    (event,) = read(tmp_path).Tensors("notes/text_summary")
    assert event.step == 2
    assert event.tensor_proto.string_val == [b"**lr** = 0.1"]


def test_add_figure_renders_the_figure(tmp_path):
    figure = Figure(figsize=(2, 1), dpi=50)
    figure.subplots().plot([0, 1], [1, 0])
    pair = [Figure(figsize=(2, 1), dpi=50) for _ in range(2)]
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("curve", figure, 3)
        writer.add_figure("pair", pair, 3)
    run = read(tmp_path)
    (event,) = run.Images("curve")
    assert (event.width, event.height, event.step) == (100, 50, 3)
    assert decode_png(event.encoded_image_string).shape == (50, 100, 4)
    (event,) = run.Images("pair")
    assert (event.width, event.height) == (200, 50)


def test_add_figure_list_of_different_sizes(tmp_path):
    figures = [Figure(figsize=(2, 1), dpi=50), Figure(figsize=(1, 1), dpi=50)]
    with SummaryWriter(tmp_path) as writer, pytest.raises(ShapeError, match="one size"):
        writer.add_figure("pair", figures)


def test_add_hparams_is_read_by_the_hparams_plugin(tmp_path):
    hparams = {"lr": ember.tensor(0.1), "optimizer": "adam", "nesterov": True, "layers": 3}
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams(
            hparams,
            {"hparam/accuracy": ember.tensor(0.9)},
            hparam_domain_discrete={"optimizer": ["sgd", "adam"], "layers": [2, 3]},
            run_name="trial",
        )
    run = read(tmp_path / "trial")
    contents = run.PluginTagToContent("hparams")
    assert set(contents) == {
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }
    start = plugin_data_pb2.HParamsPluginData.FromString(
        contents["_hparams_/session_start_info"]
    ).session_start_info
    assert start.hparams["lr"].number_value == pytest.approx(0.1)
    assert start.hparams["optimizer"].string_value == "adam"
    assert start.hparams["nesterov"].bool_value is True
    assert start.hparams["layers"].number_value == 3
    experiment = plugin_data_pb2.HParamsPluginData.FromString(
        contents["_hparams_/experiment"]
    ).experiment
    infos = {info.name: info for info in experiment.hparam_infos}
    assert [v.string_value for v in infos["optimizer"].domain_discrete.values] == ["sgd", "adam"]
    assert [v.number_value for v in infos["layers"].domain_discrete.values] == [2, 3]
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    assert run.Scalars("hparam/accuracy")[0].value == pytest.approx(0.9)


def test_add_hparams_default_run_name(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.1}, {"hparam/loss": 1.0})
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    float(run_dir.name)
    assert "_hparams_/experiment" in read(run_dir).PluginTagToContent("hparams")


@pytest.mark.parametrize(
    "hparams, domains, error, match",
    [
        ({"layers": [1, 2]}, None, TypeError, "hparam_dict\\['layers'\\]"),
        ({"lr": 0.1}, {"momentum": [0.9]}, ValueError, "'momentum'"),
        ({"opt": "sgd"}, {"opt": "sgd"}, TypeError, "must be a list"),
        ({"opt": "sgd"}, {"opt": ["sgd", 1]}, TypeError, "same type"),
        ({"lr": 0.1}, ["lr"], TypeError, "dict of lists"),
    ],
)
def test_add_hparams_errors(tmp_path, hparams, domains, error, match):
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=match):
        writer.add_hparams(hparams, {"m": 1.0}, hparam_domain_discrete=domains, run_name="r")


def test_default_log_dir_like_pytorch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_exp", filename_suffix=".ember") as writer:
        writer.add_scalar("x", 1.0)
        log_dir = writer.get_logdir()
    assert log_dir == writer.log_dir
    assert os.path.dirname(log_dir) == "runs"
    assert log_dir.endswith(f"_{socket.gethostname()}_exp")
    (event_file,) = os.listdir(log_dir)
    assert event_file.startswith("events.out.tfevents.")
    assert event_file.endswith(".ember")


def test_flush_makes_every_event_readable_before_close(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=1000, flush_secs=3600)
    try:
        for step in range(20):
            writer.add_scalar("x", float(step), step)
            writer.flush()
            assert read(tmp_path).Scalars("x")[-1].step == step
    finally:
        writer.close()


def test_max_queue_hands_events_to_the_os(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=3, flush_secs=3600)
    try:
        for step in range(3):
            writer.add_scalar("x", 1.0, step)
        assert len(read(tmp_path).Scalars("x")) == 3
    finally:
        writer.close()


def test_flush_secs_flushes_a_quiet_writer(tmp_path):
    writer = SummaryWriter(tmp_path, max_queue=1000, flush_secs=0.05)
    try:
        writer.add_scalar("x", 1.0, 0)
        deadline = time.monotonic() + 10
        while "x" not in read(tmp_path).Tags()["scalars"]:
            assert time.monotonic() < deadline, "the flushing thread never wrote the event"
            time.sleep(0.02)
    finally:
        writer.close()


def test_close_is_idempotent_and_logging_after_close_opens_a_new_file(tmp_path):
    writer = SummaryWriter(tmp_path)
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.close()
    writer.add_scalar("x", 2.0, 1)
    writer.close()
    assert len(os.listdir(tmp_path)) == 2
    assert [e.value for e in read(tmp_path).Scalars("x")] == [1.0, 2.0]


def test_two_writers_in_one_folder_keep_separate_files(tmp_path):
    with SummaryWriter(tmp_path) as first, SummaryWriter(tmp_path) as second:
        first.add_scalar("a", 1.0, 0)
        second.add_scalar("b", 2.0, 0)
    assert len(os.listdir(tmp_path)) == 2
    tags = read(tmp_path).Tags()["scalars"]
    assert sorted(tags) == ["a", "b"]


def test_purge_step_hides_the_crashed_runs_later_events(tmp_path):
    with SummaryWriter(tmp_path) as crashed:
        for step in range(10):
            crashed.add_scalar("loss", 1.0, step)
    time.sleep(0.01)
    with SummaryWriter(tmp_path, purge_step=5) as resumed:
        for step in range(5, 8):
            resumed.add_scalar("loss", 2.0, step)
    events = read(tmp_path).Scalars("loss")
    assert [(e.step, e.value) for e in events] == [(s, 1.0) for s in range(5)] + [
        (s, 2.0) for s in range(5, 8)
    ]


@pytest.mark.parametrize("flush_secs", [0, -1])
def test_flush_secs_must_be_positive(tmp_path, flush_secs):
    with pytest.raises(ValueError, match="flush_secs must be positive"):
        SummaryWriter(tmp_path, flush_secs=flush_secs)
    assert not os.listdir(tmp_path)


def test_missing_tensorboardx_names_the_package(tmp_path, hide_package):
    hide_package("tensorboardX")
    with pytest.raises(ImportError, match="pip install tensorboardX"):
        SummaryWriter(tmp_path)
    assert not os.listdir(tmp_path)


def test_hparams_without_tensorboardx_names_the_package(tmp_path, hide_package):
    with SummaryWriter(tmp_path) as writer:
        hide_package("tensorboardX")
        with pytest.raises(ImportError, match="pip install tensorboardX"):
            writer.add_hparams({"lr": 0.1}, {"loss": 1.0})


def test_add_figure_without_matplotlib_names_the_package(tmp_path, hide_package):
    with SummaryWriter(tmp_path) as writer:
        hide_package("matplotlib")
        with pytest.raises(ImportError, match="pip install matplotlib"):
            writer.add_figure("f", object())
