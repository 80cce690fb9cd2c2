import numpy as np
import pytest

import ember
from ember.data import transforms as T
from ember.data.transforms import functional as F


def _image(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def _twice(transform, image, seed=0):
    ember.manual_seed(seed)
    first = transform(image)
    ember.manual_seed(seed)
    return first, transform(image)


def test_compose_lambda_and_repr():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2), T.Normalize([1.0], [1.0])])
    out = pipeline(np.full((2, 3), 255, np.uint8))
    assert isinstance(out, ember.Tensor) and out.shape == (1, 2, 3)
    assert out.tolist() == [[[1.0] * 3] * 2]
    assert "ToTensor()" in repr(pipeline) and "Normalize(mean=[1.0]" in repr(pipeline)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


def test_random_crop_is_seeded_and_a_window_of_the_padded_image():
    image = _image((3, 10, 12))
    transform = T.RandomCrop((6, 8), padding=2, padding_mode="reflect")
    first, again = _twice(transform, image)
    np.testing.assert_array_equal(first, again)
    padded = F.pad(image, 2, padding_mode="reflect")
    ember.manual_seed(0)
    top, left, height, width = T.RandomCrop.get_params(padded, (6, 8))
    np.testing.assert_array_equal(first, padded[:, top : top + height, left : left + width])
    tops = set()
    for _ in range(30):
        tops.add(T.RandomCrop.get_params(padded, (6, 8))[0])
    assert len(tops) > 3


def test_random_crop_pad_if_needed_and_errors():
    out = T.RandomCrop(8, pad_if_needed=True, fill=5)(np.zeros((1, 4, 6), np.float32))
    assert out.shape == (1, 8, 8)
    assert T.RandomCrop(4)(np.zeros((4, 4))).shape == (4, 4)
    with pytest.raises(ValueError, match=r"crop size \(8, 8\) is larger than the input"):
        T.RandomCrop(8)(np.zeros((1, 4, 6)))


def test_random_horizontal_flip_probability():
    image = ember.tensor(_image((1, 2, 3)))
    assert T.RandomHorizontalFlip(p=1.0)(image).tolist() == F.hflip(image).tolist()
    assert T.RandomHorizontalFlip(p=0.0)(image) is image
    assert T.RandomVerticalFlip(p=1.0)(image).tolist() == F.vflip(image).tolist()
    ember.manual_seed(0)
    flips = sum(T.RandomHorizontalFlip()(image) is not image for _ in range(200))
    assert 70 < flips < 130


def test_random_rotation():
    image = _image((3, 9, 9))
    first, again = _twice(T.RandomRotation(30, fill=[0.1, 0.2, 0.3]), image)
    np.testing.assert_array_equal(first, again)
    ember.manual_seed(0)
    angle = T.RandomRotation.get_params((-30.0, 30.0))
    assert -30 <= angle <= 30
    expected = F.rotate(image, angle, fill=[0.1, 0.2, 0.3])
    np.testing.assert_array_equal(first, expected)
    bilinear = T.RandomRotation((10, 20), interpolation=T.InterpolationMode.BILINEAR)(image)
    assert bilinear.shape == image.shape
    with pytest.raises(ValueError, match="non-negative"):
        T.RandomRotation(-5)


def test_random_resized_crop():
    image = _image((3, 20, 30))
    first, again = _twice(T.RandomResizedCrop(8), image)
    assert first.shape == (3, 8, 8)
    np.testing.assert_array_equal(first, again)
    for _ in range(20):
        top, left, height, width = T.RandomResizedCrop.get_params(image, (0.08, 1.0), (0.75, 1.33))
        assert top >= 0 and top + height <= 20 and left >= 0 and left + width <= 30
    # No window can meet this ratio, so the centre crop of the nearest ratio is used.
    assert T.RandomResizedCrop.get_params(image, (0.9, 1.0), (10.0, 11.0)) == (8, 0, 3, 30)
    with pytest.warns(UserWarning, match="min, max"):
        T.RandomResizedCrop(8, scale=(1.0, 0.5))


def test_resize_center_crop_pad_classes():
    image = ember.tensor(_image((3, 12, 8)))
    assert T.Resize(4)(image).shape == (3, 6, 4)
    assert T.CenterCrop(4)(image).shape == (3, 4, 4)
    assert T.Pad(1)(image).shape == (3, 14, 10)


def test_color_jitter_ranges_and_order():
    jitter = T.ColorJitter(brightness=0.5, contrast=(0.5, 1.5), saturation=0, hue=0.1)
    assert jitter.brightness == (0.5, 1.5) and jitter.saturation is None
    assert jitter.hue == (-0.1, 0.1)
    assert T.ColorJitter(brightness=2).brightness == (0.0, 3.0)
    image = _image((3, 6, 6))
    first, again = _twice(jitter, image)
    np.testing.assert_array_equal(first, again)
    assert first.min() >= 0 and first.max() <= 1
    ember.manual_seed(0)
    order, b, c, s, h = T.ColorJitter.get_params(
        jitter.brightness, jitter.contrast, None, jitter.hue
    )
    assert sorted(order) == [0, 1, 2, 3] and s is None and 0.5 <= b <= 1.5
    expected = image
    for which in order:
        adjust = [F.adjust_brightness, F.adjust_contrast, None, F.adjust_hue][which]
        factor = [b, c, s, h][which]
        if factor is not None:
            expected = adjust(expected, factor)
    np.testing.assert_allclose(first, expected)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(brightness=-1), ValueError),
        (dict(contrast=(1.5, 0.5)), ValueError),
        (dict(hue=0.6), ValueError),
        (dict(hue=(-0.6, 0.1)), ValueError),
        (dict(saturation="a lot"), TypeError),
    ],
)
def test_color_jitter_validation(kwargs, error):
    with pytest.raises(error):
        T.ColorJitter(**kwargs)


def test_transforms_on_uint8_images_stay_uint8():
    image = (np.random.default_rng(0).random((3, 16, 16)) * 255).astype(np.uint8)
    ember.manual_seed(0)
    for transform in [
        T.RandomRotation(20),
        T.RandomResizedCrop(8),
        T.ColorJitter(0.3, 0.3, 0.3, 0.1),
        T.RandomCrop(12, padding=2),
    ]:
        assert transform(image).dtype == np.uint8


def test_transforms_reject_other_inputs():
    with pytest.raises(TypeError, match=r"ember\.Tensor or a numpy\.ndarray"):
        T.RandomHorizontalFlip(1.0)([[1, 2]])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.hflip(np.zeros(3))
