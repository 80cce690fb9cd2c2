"""Reference models built from ``ember.nn`` layers: MLP, LeNet-5, ResNets, an LSTM and a GPT.

Each names its layers so that ``state_dict()`` keys match the same model written
with ``torch.nn`` (torchvision's for ``resnet18``), and runs as a Module like any other.

>>> import ember
>>> from ember import zoo
>>> zoo.LeNet5()(ember.randn(1, 1, 28, 28)).shape
(1, 10)
"""

from ember.zoo import gpt, lenet, lstm_lm, mlp, resnet
from ember.zoo.gpt import *  # noqa: F403
from ember.zoo.lenet import *  # noqa: F403
from ember.zoo.lstm_lm import *  # noqa: F403
from ember.zoo.mlp import *  # noqa: F403
from ember.zoo.resnet import *  # noqa: F403

__all__ = [
    *gpt.__all__,
    *lenet.__all__,
    *lstm_lm.__all__,
    *mlp.__all__,
    *resnet.__all__,
]
