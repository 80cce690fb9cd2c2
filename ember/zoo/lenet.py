"""LeNet-5 for 28x28 images (MNIST-sized), with ReLU and max pooling."""

from __future__ import annotations

from ember import nn
from ember.tensor import Tensor

__all__ = ["LeNet5"]


class LeNet5(nn.Module):
    """LeNet-5 on ``(N, in_channels, 28, 28)`` images.

    ``features``: 5x5 convolution to 6 channels (padding 2), ReLU, 2x2 max pool,
    5x5 convolution to 16 channels, ReLU, 2x2 max pool; then the ``16 * 5 * 5``
    features are flattened into ``classifier``: Linear 400->120, ReLU, Linear
    120->84, ReLU, Linear 84->``num_classes``.

    Args:
        in_channels: the channels of the input images.
        num_classes: the size of the output (logits).

    Raises:
        ShapeError: from ``forward``, for an input that is not ``(N, in_channels, 28, 28)``.

    >>> import ember
    >>> from ember.zoo import LeNet5
    >>> model = LeNet5()
    >>> model(ember.randn(2, 1, 28, 28)).shape
    (2, 10)
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``(N, num_classes)`` of images ``x`` ``(N, in_channels, 28, 28)``."""
        if x.ndim != 4 or x.shape[1:] != (self.in_channels, 28, 28):
            raise self._input_error(
                f"got input of shape {x.shape}: expected (N, {self.in_channels}, 28, 28)"
            )
        return self.classifier(self.features(x).flatten(1))

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}"
