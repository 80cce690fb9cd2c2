import colorsys
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as torch_f

import ember
from ember.data.transforms import functional as F


def _image(shape, seed=0, dtype=np.float32):
    values = np.random.default_rng(seed).random(shape)
    if dtype == np.uint8:
        return (values * 255).round().astype(np.uint8)
    return values.astype(dtype)


# ------------------------------------------------------------------ conversion


def test_to_tensor_scales_uint8_and_moves_channels_first():
    image = _image((4, 5, 3), dtype=np.uint8)
    tensor = F.to_tensor(image)
    assert tensor.shape == (3, 4, 5) and tensor.dtype == ember.float32
    np.testing.assert_allclose(tensor.numpy(), image.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert F.to_tensor(image[:, :, 0]).shape == (1, 4, 5)


def test_to_tensor_keeps_other_dtypes():
    image = _image((2, 3, 1), dtype=np.float64) * 7
    tensor = F.to_tensor(image)
    assert tensor.dtype == ember.float64
    np.testing.assert_array_equal(tensor.numpy(), image.transpose(2, 0, 1))


def test_to_tensor_errors():
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2, 2\)"):
        F.to_tensor(np.zeros((2, 2, 2, 2)))
    with pytest.raises(TypeError, match="Tensor"):
        F.to_tensor(ember.zeros(2, 2))


def test_normalize_matches_formula_and_inplace():
    image = ember.tensor(_image((3, 4, 4)))
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]
    expected = (image.numpy() - np.reshape(mean, (3, 1, 1))) / np.reshape(std, (3, 1, 1))
    out = F.normalize(image, mean, std)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert out is not image
    same = F.normalize(image, mean, std, inplace=True)
    assert same is image
    np.testing.assert_allclose(image.numpy(), expected, rtol=1e-6, atol=1e-6)
    batch = F.normalize(np.ones((2, 3, 2, 2), np.float32), mean, std)
    assert batch.shape == (2, 3, 2, 2) and isinstance(batch, np.ndarray)


def test_normalize_errors():
    with pytest.raises(TypeError, match="floating"):
        F.normalize(np.zeros((1, 2, 2), np.uint8), [0], [1])
    with pytest.raises(ValueError, match="zero"):
        F.normalize(np.zeros((1, 2, 2), np.float32), [0], [0])
    with pytest.raises(ValueError, match="C, H, W"):
        F.normalize(np.zeros((2, 2), np.float32), [0], [1])


# ------------------------------------------------------------------ geometry


@pytest.mark.parametrize(
    "mode, torch_mode", [("constant", "constant"), ("edge", "replicate"), ("reflect", "reflect")]
)
@pytest.mark.parametrize("padding", [1, (2, 1), (1, 2, 3, 0)])
def test_pad_matches_torch(mode, torch_mode, padding):
    image = _image((2, 5, 6))
    left, top, right, bottom = (
        (padding,) * 4
        if isinstance(padding, int)
        else padding * 2
        if len(padding) == 2
        else padding
    )
    expected = torch_f.pad(
        torch.from_numpy(image)[None], (left, right, top, bottom), mode=torch_mode
    )[0]
    np.testing.assert_array_equal(F.pad(image, padding, padding_mode=mode), expected.numpy())


def test_pad_fill_symmetric_and_errors():
    image = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    assert F.pad(image, 1, fill=9)[0, 0].tolist() == [9.0] * 5
    assert F.pad(image, (1, 0), padding_mode="symmetric")[0, 0].tolist() == [0, 0, 1, 2, 2]
    with pytest.raises(ValueError, match="padding_mode"):
        F.pad(image, 1, padding_mode="wrap")
    with pytest.raises(ValueError, match="1, 2 or 4"):
        F.pad(image, (1, 2, 3))


def test_crop_and_center_crop():
    image = np.arange(30).reshape(1, 5, 6)
    assert F.crop(image, 1, 2, 2, 3).tolist() == [[[8, 9, 10], [14, 15, 16]]]
    outside = F.crop(image, -1, 4, 2, 3)
    assert outside.tolist() == [[[0, 0, 0], [4, 5, 0]]]
    assert F.center_crop(image, (3, 2)).tolist() == [[[8, 9], [14, 15], [20, 21]]]
    padded = F.center_crop(image, (7, 6))
    assert padded.shape == (1, 7, 6) and padded[0, 0].sum() == 0 and padded[0, 1, 0] == 0


def test_flips_keep_the_input_kind():
    image = ember.arange(6).reshape(1, 2, 3)
    flipped = F.hflip(image)
    assert isinstance(flipped, ember.Tensor) and flipped.tolist() == [[[2, 1, 0], [5, 4, 3]]]
    assert F.vflip(image.numpy()).tolist() == [[[3, 4, 5], [0, 1, 2]]]


@pytest.mark.parametrize("size", [(3, 4), (9, 13), (7, 5), (5, 12)])
@pytest.mark.parametrize("antialias", [False, True])
def test_bilinear_resize_matches_torch(size, antialias):
    image = _image((2, 3, 7, 9), seed=1)
    expected = torch_f.interpolate(
        torch.from_numpy(image),
        size=size,
        mode="bilinear",
        align_corners=False,
        antialias=antialias,
    )
    out = F.resize(image, size, antialias=antialias)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("size", [(3, 4), (11, 20)])
def test_nearest_resize_matches_torch(size):
    image = _image((1, 2, 7, 9), seed=2)
    expected = torch_f.interpolate(torch.from_numpy(image), size=size, mode="nearest")
    np.testing.assert_array_equal(F.resize(image, size, interpolation="nearest"), expected)


def test_resize_short_edge_and_uint8():
    assert F.resize(np.zeros((3, 10, 20), np.float32), 5).shape == (3, 5, 10)
    assert F.resize(np.zeros((3, 20, 10), np.float32), [5]).shape == (3, 10, 5)
    image = _image((3, 8, 8), dtype=np.uint8)
    out = F.resize(image, (4, 4))
    as_float = F.resize(image.astype(np.float32), (4, 4))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, np.clip(np.rint(as_float), 0, 255))
    with pytest.raises(ValueError, match="interpolation"):
        F.resize(image, 4, interpolation="bicubic")


def _torch_rotate(image, angle, mode, fill):
    """torchvision's rotate: an affine grid of output pixel centres about the image centre,
    normalised by half the input size, sampled with grid_sample(align_corners=False); pixels
    from outside take ``fill`` through a sampled mask of ones."""
    c, h, w = image.shape
    radians = math.radians(angle)
    # Inverse map (output -> input) of a counter-clockwise turn with y pointing down.
    theta = torch.tensor(
        [[math.cos(radians), -math.sin(radians), 0.0], [math.sin(radians), math.cos(radians), 0.0]],
        dtype=torch.float64,
    )
    xs = torch.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w, dtype=torch.float64)
    ys = torch.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h, dtype=torch.float64)
    base = torch.stack(
        (*torch.meshgrid(xs, ys, indexing="xy"), torch.ones(h, w, dtype=torch.float64)), -1
    )
    grid = (base.reshape(-1, 3) @ theta.T) / torch.tensor([0.5 * w, 0.5 * h], dtype=torch.float64)
    grid = grid.reshape(1, h, w, 2)
    data = torch.from_numpy(image.astype(np.float64))[None]
    data = torch.cat([data, torch.ones(1, 1, h, w, dtype=torch.float64)], dim=1)
    out = torch_f.grid_sample(data, grid, mode=mode, padding_mode="zeros", align_corners=False)
    out, mask = out[0, :-1], out[0, -1:].expand(c, h, w)
    fill_image = torch.tensor(fill, dtype=torch.float64).reshape(-1, 1, 1).expand(c, h, w)
    if mode == "nearest":
        return torch.where(mask < 0.5, fill_image, out).numpy()
    return (out * mask + (1 - mask) * fill_image).numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("angle", [17.0, -40.0, 90.0, 133.0])
@pytest.mark.parametrize("shape", [(2, 7, 7), (3, 6, 9)])
def test_rotate_matches_torchvision_grid(mode, angle, shape):
    if mode == "nearest" and angle == 90.0 and shape[1] != shape[2]:
        # Samples fall exactly half-way between pixels; rounding the tie depends on
        # the last bit of two differently ordered computations.
        return
    image = _image(shape, seed=3).astype(np.float64)
    fill = [0.25] * shape[0]
    out = F.rotate(image, angle, interpolation=mode, fill=fill)
    np.testing.assert_allclose(out, _torch_rotate(image, angle, mode, fill), atol=1e-9)


def test_rotate_quarter_turns_are_exact():
    image = np.arange(20).reshape(1, 4, 5)
    square = np.arange(16).reshape(4, 4)
    assert F.rotate(square, 90).tolist() == np.rot90(square).tolist()
    assert F.rotate(square, -90).tolist() == np.rot90(square, -1).tolist()
    assert F.rotate(image, 180).tolist() == np.rot90(image, 2, axes=(1, 2)).tolist()
    assert F.rotate(square, 90, expand=True).tolist() == np.rot90(square).tolist()
    # torchvision rounds the turned corners in the input's frame: 4x5 turns into 6x5.
    assert F.rotate(image, 90, expand=True).shape == (1, 6, 5)
    assert F.rotate(np.ones((6, 6)), 45, expand=True).shape == (10, 10)


def test_rotate_center_fill_and_uint8():
    image = np.full((1, 5, 5), 200, np.uint8)
    corner = F.rotate(image, 45, center=(0, 0), fill=7)
    assert corner.dtype == np.uint8 and corner[0, 0, 0] == 200 and corner[0, 4, 0] == 7
    assert F.rotate(image, 30, fill=None)[0, 0, 0] == 0
    with pytest.raises(ValueError, match="per channel"):
        F.rotate(np.zeros((3, 4, 4)), 10, fill=[1, 2])


# ------------------------------------------------------------------ colour


def _torch_gray(t):
    return (0.2989 * t[0] + 0.587 * t[1] + 0.114 * t[2]).unsqueeze(0)


def _torch_blend(a, b, ratio):
    return (ratio * a + (1 - ratio) * b).clamp(0, 1)


@pytest.mark.parametrize("factor", [0.0, 0.6, 1.0, 1.7])
def test_color_adjustments_match_torchvision_formulas(factor):
    image = _image((3, 5, 4), seed=4).astype(np.float64)
    t = torch.from_numpy(image)
    np.testing.assert_allclose(
        F.adjust_brightness(image, factor), _torch_blend(t, torch.zeros_like(t), factor)
    )
    mean = _torch_gray(t).mean()
    np.testing.assert_allclose(F.adjust_contrast(image, factor), _torch_blend(t, mean, factor))
    np.testing.assert_allclose(
        F.adjust_saturation(image, factor), _torch_blend(t, _torch_gray(t), factor)
    )


def test_color_adjustments_on_uint8_and_grey():
    image = _image((3, 4, 4), seed=5, dtype=np.uint8)
    bright = F.adjust_brightness(image, 1.5)
    assert bright.dtype == np.uint8
    np.testing.assert_array_equal(
        bright, np.clip(1.5 * image.astype(np.float64), 0, 255).astype(np.uint8)
    )
    grey = _image((1, 4, 4), seed=6)
    np.testing.assert_array_equal(F.adjust_saturation(grey, 0.3), grey)
    np.testing.assert_allclose(
        F.adjust_contrast(grey, 0.0), np.full_like(grey, grey.mean()), rtol=1e-6
    )
    with pytest.raises(ValueError, match="1 or 3 channels"):
        F.adjust_contrast(np.zeros((2, 3, 3), np.float32), 0.5)
    with pytest.raises(ValueError, match="non-negative"):
        F.adjust_brightness(grey, -1)


@pytest.mark.parametrize("shift", [-0.5, -0.2, 0.0, 0.13, 0.5])
def test_adjust_hue_matches_colorsys(shift):
    image = _image((3, 4, 5), seed=7).astype(np.float64)
    image[:, 0, 0] = 0.5  # a grey pixel has no hue
    out = F.adjust_hue(image, shift)
    expected = np.empty_like(image)
    for i in range(4):
        for j in range(5):
            h, s, v = colorsys.rgb_to_hsv(*image[:, i, j])
            expected[:, i, j] = colorsys.hsv_to_rgb((h + shift) % 1.0, s, v)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(image, 0.7)


def test_adjust_hue_uint8_and_batch():
    image = _image((2, 3, 4, 4), seed=8, dtype=np.uint8)
    out = F.adjust_hue(image, 0.25)
    assert out.dtype == np.uint8 and out.shape == image.shape
    as_float = F.adjust_hue(image.astype(np.float32) / 255, 0.25)
    assert np.abs(out.astype(int) - (as_float * 255).astype(int)).max() <= 1


def test_rgb_to_grayscale():
    image = _image((3, 2, 2), seed=9)
    gray = F.rgb_to_grayscale(ember.tensor(image), num_output_channels=3)
    assert isinstance(gray, ember.Tensor) and gray.shape == (3, 2, 2)
    expected = 0.2989 * image[0] + 0.587 * image[1] + 0.114 * image[2]
    np.testing.assert_allclose(gray.numpy()[2], expected, rtol=1e-6)
