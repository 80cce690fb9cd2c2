"""Residual networks with torchvision's layout, so its ResNet checkpoints load as they are.

``ResNet`` and ``BasicBlock`` name their layers as ``torchvision.models.resnet``
does (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``),
and ``resnet18()`` has exactly torchvision's ``resnet18`` state_dict keys and shapes.
``ResNetSmall`` is a two-block network for 32x32 images, used by the benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence

from ember import nn
from ember.nn import init
from ember.tensor import Tensor

__all__ = ["BasicBlock", "ResNet", "ResNetSmall", "resnet18", "resnet_bench"]


def _conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Module:
    # No bias: the BatchNorm that follows has its own shift.
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def _downsample(in_planes: int, out_planes: int, stride: int) -> nn.Module | None:
    """The shortcut's 1x1 convolution + BatchNorm, or None where the identity fits."""
    if stride == 1 and in_planes == out_planes:
        return None
    return nn.Sequential(
        nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False),
        nn.BatchNorm2d(out_planes),
    )


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm, plus a shortcut: ``relu(bn2(conv2(...)) + x)``.

    Args:
        inplanes: the input channels.
        planes: the output channels.
        stride: of the first convolution (2 halves the height and width).
        downsample: maps the input to the output's shape for the shortcut
            (torchvision uses a 1x1 convolution + BatchNorm); None for the identity.

    >>> import ember
    >>> from ember.zoo import BasicBlock
    >>> block = BasicBlock(4, 4)
    >>> block(ember.randn(2, 4, 6, 6)).shape
    (2, 4, 6, 6)
    """

    expansion = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        """The block's output ``(N, planes, H / stride, W / stride)``."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


def _init_weights(model: nn.Module, zero_init_residual: bool) -> None:
    """torchvision's initialisation: He normal (fan-out) convolutions, unit BatchNorms.

    With ``zero_init_residual`` each block's last BatchNorm starts at zero, so
    every block starts as the identity (which helps deep networks early in training).
    """
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(module, nn.BatchNorm2d):
            init.ones_(module.weight)
            init.zeros_(module.bias)
    if zero_init_residual:
        for module in model.modules():
            if isinstance(module, BasicBlock):
                init.zeros_(module.bn2.weight)


class ResNet(nn.Module):
    """A residual network: a stem, four stages of blocks, global average pooling and ``fc``.

    Stage ``i`` (``layer1`` .. ``layer4``) has ``layers[i]`` blocks of
    ``width * 2**i`` channels; stages 2 to 4 halve the height and width in
    their first block, whose shortcut is then a 1x1 convolution + BatchNorm
    (``layerK.0.downsample.0`` / ``.1``).

    Args:
        block: the block class (``BasicBlock``).
        layers: the number of blocks in each of the four stages.
        num_classes: the size of the output (logits).
        in_channels: the channels of the input images.
        width: the channels of the stem and of the first stage (64 in torchvision).
        small_input: for 32x32-sized images: the stem is a 3x3 stride-1
            convolution with no max pool (CIFAR-style) instead of torchvision's
            7x7 stride-2 convolution and 3x3 stride-2 max pool. The parameter
            names are the same either way; only ``conv1.weight``'s shape differs.
        zero_init_residual: start each block's last BatchNorm at zero.

    Raises:
        ValueError: if ``layers`` does not have four entries.

    >>> import ember
    >>> from ember.zoo import BasicBlock, ResNet
    >>> model = ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10, width=4, small_input=True)
    >>> model(ember.randn(2, 3, 16, 16)).shape
    (2, 10)
    """

    def __init__(
        self,
        block: type[BasicBlock],
        layers: Sequence[int],
        num_classes: int = 1000,
        in_channels: int = 3,
        width: int = 64,
        small_input: bool = False,
        zero_init_residual: bool = False,
    ) -> None:
        super().__init__()
        if len(layers) != 4:
            raise ValueError(f"layers should give the blocks of 4 stages, got {list(layers)}")
        self.inplanes = width
        if small_input:
            self.conv1 = _conv3x3(in_channels, width)
        else:
            self.conv1 = nn.Conv2d(
                in_channels, width, kernel_size=7, stride=2, padding=3, bias=False
            )
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.maxpool = (
            nn.Identity() if small_input else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        )
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)
        _init_weights(self, zero_init_residual)

    def _make_layer(
        self, block: type[BasicBlock], planes: int, blocks: int, stride: int = 1
    ) -> nn.Sequential:
        out_planes = planes * block.expansion
        first = block(self.inplanes, planes, stride, _downsample(self.inplanes, out_planes, stride))
        self.inplanes = out_planes
        return nn.Sequential(first, *(block(out_planes, planes) for _ in range(1, blocks)))

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``(N, num_classes)`` of images ``x`` ``(N, in_channels, H, W)``."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(num_classes: int = 1000, small_input: bool = False, **kwargs: object) -> ResNet:
    """ResNet-18: ``ResNet(BasicBlock, [2, 2, 2, 2])``, torchvision's ``resnet18`` layout.

    With the defaults its state_dict keys and shapes are torchvision's, so its
    checkpoints (converted to safetensors) load with ``load_state_dict``.

    Args:
        num_classes: the size of the output (logits).
        small_input: the CIFAR-style stem (see ``ResNet``).
        **kwargs: passed on to ``ResNet`` (``in_channels``, ``width``, ``zero_init_residual``).

    >>> import ember
    >>> from ember.zoo import resnet18
    >>> model = resnet18(num_classes=10, small_input=True, width=4)
    >>> model(ember.randn(2, 3, 8, 8)).shape
    (2, 10)
    """
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes, small_input=small_input, **kwargs)


class ResNetSmall(nn.Module):
    """A small residual network for ``(N, in_channels, 32, 32)`` images.

    A 3x3 convolution to ``stem_width`` channels + BatchNorm + ReLU, then
    ``num_blocks`` ``BasicBlock`` s of ``width`` channels, each halving the
    height and width (stride 2, 1x1 convolution shortcut), global average
    pooling and ``fc``. Layers are named as in ``ResNet`` (``conv1``, ``bn1``,
    ``layer1.0``, ``layer1.1``, ``fc``).

    Args:
        num_classes: the size of the output (logits).
        in_channels: the channels of the input images.
        stem_width: the channels of the stem convolution.
        width: the channels of the residual blocks.
        num_blocks: how many residual blocks.

    >>> import ember
    >>> from ember.zoo import ResNetSmall
    >>> model = ResNetSmall()
    >>> model(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 3,
        stem_width: int = 32,
        width: int = 64,
        num_blocks: int = 2,
    ) -> None:
        super().__init__()
        self.conv1 = _conv3x3(in_channels, stem_width)
        self.bn1 = nn.BatchNorm2d(stem_width)
        self.relu = nn.ReLU()
        blocks = []
        planes = stem_width
        for _ in range(num_blocks):
            blocks.append(BasicBlock(planes, width, 2, _downsample(planes, width, 2)))
            planes = width
        self.layer1 = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width, num_classes)
        _init_weights(self, zero_init_residual=False)

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``(N, num_classes)`` of images ``x`` ``(N, in_channels, H, W)``."""
        x = self.layer1(self.relu(self.bn1(self.conv1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet_bench(num_classes: int = 10) -> ResNetSmall:
    """The benchmarks' ResNet on 3x32x32: conv3x3-32 + BN + ReLU, two stride-2 blocks of 64.

    >>> import ember
    >>> from ember.zoo import resnet_bench
    >>> resnet_bench()(ember.randn(2, 3, 32, 32)).shape
    (2, 10)
    """
    return ResNetSmall(num_classes=num_classes)
