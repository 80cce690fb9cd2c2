"""Flatten, Unflatten, Upsample and the pixel shuffles against torch.nn: outputs and
gradients, reprs, argument checks and the errors users see."""

import pytest
import torch

import ember
from ember import nn
from tests.nn.layers.helpers import build, check_train_and_eval, error_message, randn

LAYERS = [
    ("Flatten", (), {}, (2, 3, 4, 2)),
    ("Flatten", (0, 2), {}, (2, 3, 4, 2)),
    ("Flatten", (), {"start_dim": -2}, (2, 3, 4)),
    ("Unflatten", (1, (2, 3)), {}, (2, 6, 2)),
    ("Unflatten", (-1, [2, -1]), {}, (2, 3, 4)),
    ("Upsample", (), {"scale_factor": 2}, (2, 3, 4)),
    ("Upsample", (), {"size": (5, 3), "mode": "bilinear"}, (2, 2, 3, 4)),
    (
        "Upsample",
        (),
        {"scale_factor": (1.5, 2), "mode": "bilinear", "align_corners": True},
        (2, 2, 3, 4),
    ),
    ("Upsample", (), {"scale_factor": 1.7, "recompute_scale_factor": True}, (2, 2, 3, 4)),
    ("Upsample", (), {"size": 5, "mode": "linear"}, (2, 3, 4)),
    ("Upsample", (), {"scale_factor": 2, "mode": "trilinear"}, (1, 2, 2, 3, 2)),
    ("Upsample", (), {"size": (2, 3), "mode": "area"}, (2, 2, 5, 7)),
    ("Upsample", (), {"scale_factor": 3, "mode": "nearest-exact"}, (1, 2, 2, 3)),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}, (2, 2, 3, 4)),
    ("UpsamplingBilinear2d", ((5, 6),), {}, (2, 2, 3, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 2)),
    ("PixelShuffle", (3,), {}, (9, 2, 2)),
    ("PixelUnshuffle", (2,), {}, (2, 2, 4, 6)),
    ("PixelUnshuffle", (3,), {}, (2, 1, 2, 3, 6)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", LAYERS, ids=str)
def test_layer_matches_torch(name, args, kwargs, shape):
    torch_layer, ember_layer = build(name, *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, randn(*shape))


def test_upsample_stores_its_arguments_as_torch():
    for kwargs in [{"scale_factor": 2}, {"scale_factor": (2, 3)}, {"size": 4}, {}]:
        layer, reference = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
        for name in ["name", "size", "scale_factor", "mode", "align_corners"]:
            assert getattr(layer, name) == getattr(reference, name), (kwargs, name)
    assert nn.UpsamplingBilinear2d(scale_factor=2).align_corners is True


def test_unflatten_rejects_sizes_that_are_not_ints():
    with pytest.raises(TypeError, match="must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 6)
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (2, 3.0))


@pytest.mark.parametrize("name", ["PixelShuffle", "PixelUnshuffle"])
@pytest.mark.parametrize("factor", [0, -2, 1.5])
def test_pixel_shuffle_factor_must_be_positive(name, factor):
    with pytest.raises(ValueError, match="must be a positive int"):
        getattr(nn, name)(factor)


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (
            nn.PixelShuffle(2),
            (1, 6, 2, 2),
            "PixelShuffle(upscale_factor=2) in model.1 got input of shape (1, 6, 2, 2): expected "
            "(*, C, H, W) with C divisible by upscale_factor squared (4)",
        ),
        (
            nn.PixelShuffle(2),
            (4, 2),
            "PixelShuffle(upscale_factor=2) in model.1 got input of shape (4, 2): expected "
            "(*, C, H, W)",
        ),
        (
            nn.PixelUnshuffle(2),
            (1, 1, 4, 3),
            "PixelUnshuffle(downscale_factor=2) in model.1 got input of shape (1, 1, 4, 3): "
            "expected (*, C, H, W) with H and W divisible by downscale_factor 2",
        ),
        (
            nn.Upsample(scale_factor=2),
            (4, 4),
            "Upsample(scale_factor=2.0, mode='nearest') in model.1 got input of shape (4, 4): "
            "expected a 3-D, 4-D or 5-D (N, C, ...) input",
        ),
    ],
    ids=lambda v: v if isinstance(v, tuple) else None,
)
def test_input_errors_name_the_path(layer, shape, expected):
    model = nn.Sequential(nn.Identity(), layer)
    message = error_message(lambda: model(ember.ones(*shape)))
    assert message.startswith(expected)
    assert "(called from test_shape.py:" in message


def test_op_errors_inside_shape_layers_name_the_layer():
    model = nn.Sequential(nn.Flatten(2))
    message = error_message(lambda: model(ember.ones(3, 4)))
    assert message.startswith("flatten:")
    assert message.endswith("(in model.0: Flatten(start_dim=2, end_dim=-1))")
    model = nn.Sequential(nn.Unflatten(1, (4, 2)))
    message = error_message(lambda: model(ember.ones(3, 6)))
    assert "sizes (4, 2) do not multiply up to the size 6" in message
    assert message.endswith("(in model.0: Unflatten(dim=1, unflattened_size=(4, 2)))")
    model = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"))
    with pytest.raises(ember.errors.ShapeError, match="needs a 4-D input"):
        model(ember.ones(1, 2, 3))
