"""The transposed convolution by shifted windows against PyTorch's input gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from ember.backend.shifts import ShiftGrid, convolve_transpose

_CONV = {1: TF.conv1d, 2: TF.conv2d, 3: TF.conv3d}

# (input shape, weight shape, stride, (before, after) padding, dilation, groups)
GEOMETRIES = [
    ((2, 4, 7, 6), (6, 4, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 8, 8), (6, 4, 3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 9, 7), (6, 2, 3, 2), (2, 3), ((1, 0), (2, 1)), (1, 2), 2),
    ((3, 2, 14, 14), (4, 2, 5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 3, 11), (4, 3, 4), (3,), ((2, 1),), (2,), 1),
    ((2, 2, 5, 6, 4), (3, 2, 2, 3, 2), (2, 1, 2), ((1, 0), (1, 1), (0, 1)), (1, 1, 2), 1),
    # A 1x1 kernel at stride 2 reaches one phase in four: the others get zeros.
    ((2, 4, 16, 16), (6, 4, 1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1), 1),
    # Negative padding after: the last input column lies past the padded extent.
    ((2, 4, 7, 7), (6, 4, 3, 3), (3, 3), ((1, 0), (1, -1)), (1, 1), 1),
    ((1, 6, 5, 5), (6, 2, 3, 3), (1, 1), ((2, 2), (2, 2)), (2, 2), 3),
]
IDS = [f"{g[0]}-{g[1]}-s{g[2]}" for g in GEOMETRIES]


def _torch_input_grad(x, w, g, stride, padding, dilation, groups):
    tx = torch.tensor(x, requires_grad=True)
    pad = [p for pair in reversed(padding) for p in pair]
    out = _CONV[len(stride)](TF.pad(tx, pad), torch.tensor(w), None, stride, 0, dilation, groups)
    assert out.shape == g.shape
    out.backward(torch.tensor(g))
    return tx.grad.numpy()


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_convolve_transpose_is_the_input_gradient(geometry, dtype, rtol):
    x_shape, w_shape, stride, padding, dilation, groups = geometry
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    grid = ShiftGrid(x_shape[2:], w_shape[2:], stride, padding, dilation)
    out_size = tuple(
        (n + lo + hi - d * (k - 1) - 1) // s + 1
        for n, k, s, (lo, hi), d in zip(
            x_shape[2:], w_shape[2:], stride, padding, dilation, strict=True
        )
    )
    g = rng.standard_normal((x_shape[0], w_shape[0], *out_size)).astype(dtype)
    ours = convolve_transpose(np, grid, g, w, groups)
    expected = _torch_input_grad(x, w, g, stride, padding, dilation, groups)
    assert ours.shape == x_shape and ours.dtype == dtype
    np.testing.assert_allclose(ours, expected, rtol=rtol, atol=rtol * 10)
    assert np.abs(ours).max() > 0


def test_grid_rows_share_their_padding():
    """A 'same' 3x3 convolution on 16x16 maps: rows of 17, one column of padding between
    neighbours, so the grid is 17 * 17 / 256 times the output."""
    grid = ShiftGrid((16, 16), (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1))
    assert grid.span == 17 * 17
    assert grid.waste() == pytest.approx(17 * 17 / 256)
    assert [shift for _, shift in grid.offsets] == [0, 1, 2, 17, 18, 19, 34, 35, 36]


def test_grid_refuses_cropping_before_the_data():
    with pytest.raises(ValueError, match="padding before must be >= 0"):
        ShiftGrid((8,), (3,), (1,), ((-1, 1),), (1,))
