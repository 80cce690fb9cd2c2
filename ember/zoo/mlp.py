"""A multi-layer perceptron: ``Linear`` layers with an activation (and dropout) between them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ember import nn
from ember.tensor import Tensor

__all__ = ["MLP"]


class MLP(nn.Module):
    """Fully connected classifier: ``in_features -> hidden[0] -> ... -> num_classes``.

    The layers sit in one ``Sequential`` called ``net``: each hidden layer adds a
    ``Linear``, the activation and, when ``dropout > 0``, a ``Dropout``. With the
    defaults the parameters are ``net.0`` (784->512), ``net.2`` (512->512) and
    ``net.4`` (512->10), as the same ``torch.nn.Sequential`` would name them.
    Inputs with more than two dimensions (images) are flattened after the batch
    dimension.

    Args:
        in_features: the size of each (flattened) input.
        hidden: the sizes of the hidden layers.
        num_classes: the size of the output (logits).
        activation: makes the module put after each hidden ``Linear`` (a class
            such as ``nn.ReLU``, or any function returning a Module).
        dropout: the probability of the ``Dropout`` after each activation (none when 0).

    >>> import ember
    >>> from ember.zoo import MLP
    >>> model = MLP(in_features=12, hidden=(8,), num_classes=3)
    >>> model(ember.randn(2, 3, 4)).shape
    (2, 3)
    >>> list(model.state_dict())
    ['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias']
    """

    def __init__(
        self,
        in_features: int = 784,
        hidden: Sequence[int] = (512, 512),
        num_classes: int = 10,
        activation: Callable[[], nn.Module] = nn.ReLU,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), activation()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, num_classes))
        self.in_features = in_features
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """The logits ``(N, num_classes)`` of ``x`` ``(N, in_features)`` or ``(N, *dims)``."""
        if x.ndim > 2:
            x = x.flatten(1)
        return self.net(x)
