"""Samples for the conv family (see ``tests/ops/samples/base.py``).

The public functions (``conv2d``, ``conv_transpose2d``, ...) are composites over three
records, ``convolution``, ``conv_transpose`` and ``conv_weight``, whose ``padding`` holds a
``(before, after)`` pair per dim. Their samples call the records directly, with padding
PyTorch's functions cannot take (asymmetric, negative), against ``F.pad`` plus a torch
convolution; ``conv_weight`` is compared with the weight gradient torch computes.
"""

import torch
import torch.nn.functional as TF

from ember.ops import OP_TABLE, apply
from tests.ops.samples.base import Sample, randn

_TORCH_CONV = {1: TF.conv1d, 2: TF.conv2d, 3: TF.conv3d}
_TORCH_CONV_T = {1: TF.conv_transpose1d, 2: TF.conv_transpose2d, 3: TF.conv_transpose3d}


def _torch_pad(padding):
    """``F.pad`` widths (last dim first) for ``(before, after)`` pairs (first dim first)."""
    return [p for pair in reversed(padding) for p in pair]


def _record(name, x, w, **attrs):
    """A sample calling record ``name`` on float arrays ``x`` and ``w`` with ``attrs``."""
    nd = len(attrs["stride"])
    conv_attrs = {k: attrs[k] for k in ("stride", "dilation", "groups")}
    pad = _torch_pad(attrs["padding"])

    def torch_conv(x, w):
        return _TORCH_CONV[nd](TF.pad(x, pad), w, **conv_attrs)

    def torch_transpose(x, w):
        # The full transposed output cropped (or, with negative widths, widened) by padding.
        return TF.pad(_TORCH_CONV_T[nd](x, w, **conv_attrs), [-p for p in pad])

    def torch_weight(x, g):
        kernel = (g.shape[1], x.shape[1] // attrs["groups"], *attrs["kernel_size"])
        w0 = torch.zeros(kernel, dtype=x.dtype, requires_grad=True)
        out = torch_conv(x, w0)
        return torch.autograd.grad(out, w0, g, create_graph=True)[0]

    torch_fn = {
        "convolution": torch_conv,
        "conv_transpose": torch_transpose,
        "conv_weight": torch_weight,
    }[name]
    return Sample(
        (x, w), ember_fn=lambda x, w: apply(OP_TABLE[name], x, w, **attrs), torch_fn=torch_fn
    )


def _attrs(nd, stride=1, padding=0, dilation=1, groups=1):
    return {
        "stride": (stride,) * nd if isinstance(stride, int) else stride,
        "padding": ((padding, padding),) * nd if isinstance(padding, int) else padding,
        "dilation": (dilation,) * nd if isinstance(dilation, int) else dilation,
        "groups": groups,
    }


SAMPLES: dict[str, list[Sample]] = {
    "conv1d": [
        Sample((randn(2, 3, 7), randn(4, 3, 3), randn(4))),
        Sample((randn(2, 3, 7), randn(4, 3, 3)), {"stride": 2, "padding": 1}),
        # An even kernel: 'same' pads 1 before and 2 after.
        Sample((randn(2, 2, 6), randn(3, 2, 4)), {"padding": "same"}),
        Sample((randn(2, 4, 7), randn(6, 2, 2), randn(6)), {"dilation": 2, "groups": 2}),
        Sample((randn(3, 6), randn(2, 3, 3), randn(2)), {"padding": "valid"}),
    ],
    "conv2d": [
        Sample((randn(2, 3, 5, 6), randn(4, 3, 3, 3), randn(4))),
        Sample((randn(2, 3, 6, 5), randn(2, 3, 3, 3)), {"stride": 2, "padding": 1}),
        # Stride 3 over 7 rows leaves the last padded row unused: its gradient is zero.
        Sample((randn(2, 2, 7, 6), randn(3, 2, 3, 2)), {"stride": (3, 2), "padding": (1, 0)}),
        Sample((randn(2, 2, 5, 5), randn(3, 2, 2, 3), randn(3)), {"padding": "same"}),
        Sample((randn(1, 2, 6, 6), randn(2, 2, 3, 2)), {"padding": "same", "dilation": (2, 1)}),
        Sample((randn(2, 2, 5, 4), randn(3, 2, 2, 2)), {"padding": "valid"}),
        Sample((randn(1, 2, 7, 7), randn(2, 2, 3, 3), randn(2)), {"padding": 2, "dilation": 2}),
        Sample((randn(2, 4, 5, 5), randn(6, 2, 3, 3), randn(6)), {"padding": 1, "groups": 2}),
        # Depthwise: one group per channel.
        Sample((randn(1, 3, 5, 5), randn(3, 1, 2, 2)), {"stride": 2, "groups": 3}),
        Sample((randn(3, 5, 5), randn(2, 3, 3, 3), randn(2)), {"padding": (0, 1)}),
        Sample((randn(2, 3, 4, 4), randn(2, 3, 1, 1), randn(2))),
        # More output than input channels: the input gradient takes the col2im path.
        Sample((randn(2, 1, 5, 5), randn(4, 1, 3, 3), randn(4)), {"padding": 1}),
    ],
    "conv3d": [
        Sample((randn(1, 2, 3, 4, 4), randn(3, 2, 2, 2, 2), randn(3))),
        Sample((randn(1, 2, 3, 4, 4), randn(2, 2, 2, 3, 3)), {"stride": 2, "padding": 1}),
        Sample((randn(2, 3, 4, 4), randn(2, 2, 3, 2, 2), randn(2)), {"padding": "same"}),
    ],
    "conv_transpose1d": [
        Sample((randn(2, 3, 5), randn(3, 2, 3), randn(2))),
        Sample((randn(2, 3, 4), randn(3, 2, 3)), {"stride": 2, "padding": 1, "output_padding": 1}),
        Sample(
            (randn(2, 4, 4), randn(4, 1, 2), randn(2)),
            {"stride": 3, "output_padding": 2, "groups": 2, "dilation": 2},
        ),
        Sample((randn(2, 5), randn(2, 3, 3)), {"padding": 2, "dilation": 2}),
        # Stride 1 with many more input than output channels: col2im rather than a conv.
        Sample((randn(2, 7, 4), randn(7, 2, 3), randn(2)), {"padding": 1}),
    ],
    "conv_transpose2d": [
        Sample((randn(2, 3, 4, 4), randn(3, 2, 3, 3), randn(2))),
        Sample(
            (randn(2, 2, 3, 3), randn(2, 2, 3, 3)),
            {"stride": 2, "padding": 1, "output_padding": 1},
        ),
        Sample(
            (randn(2, 4, 3, 3), randn(4, 2, 2, 3), randn(4)),
            {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2), "groups": 2},
        ),
        Sample((randn(1, 2, 3, 4), randn(2, 3, 2, 2)), {"dilation": 2, "padding": 1}),
        Sample((randn(2, 3, 3), randn(2, 2, 2, 2), randn(2)), {"stride": 2}),
    ],
    "conv_transpose3d": [
        Sample(
            (randn(1, 2, 2, 3, 3), randn(2, 2, 2, 2, 2), randn(2)),
            {"stride": 2, "output_padding": (1, 0, 1)},
        ),
    ],
    "convolution": [
        _record("convolution", randn(2, 2, 5), randn(3, 2, 2), **_attrs(1, padding=((2, 0),))),
        # A negative width crops the input before it is convolved.
        _record(
            "convolution",
            randn(1, 2, 6, 5),
            randn(2, 1, 2, 2),
            **_attrs(2, stride=(2, 1), padding=((1, -1), (0, 2)), groups=2),
        ),
    ],
    "conv_transpose": [
        _record("conv_transpose", randn(2, 3, 4), randn(3, 2, 2), **_attrs(1, 2, ((1, -1),))),
        _record(
            "conv_transpose",
            randn(1, 4, 3, 3),
            randn(4, 1, 2, 3),
            **_attrs(2, stride=(1, 2), padding=((0, 1), (-2, 1)), dilation=(2, 1), groups=2),
        ),
    ],
    "conv_weight": [
        _record("conv_weight", randn(2, 3, 7), randn(2, 4, 3), kernel_size=(3,), **_attrs(1, 3, 1)),
        _record(
            "conv_weight",
            randn(1, 4, 5, 5),
            randn(1, 4, 3, 2),
            kernel_size=(2, 2),
            **_attrs(2, stride=(2, 3), padding=((1, 0), (1, 1)), dilation=(1, 2), groups=2),
        ),
    ],
}
