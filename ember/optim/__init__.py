"""``ember.optim``: optimizers and learning rate schedulers with ``torch.optim``'s names.

Constructor arguments, defaults, update formulas and ``state_dict`` layout are
PyTorch's, so ``optim.Adam(model.parameters(), lr=1e-3)`` ports unchanged and
a run resumed from a checkpoint continues exactly. Lion, which PyTorch lacks,
follows its paper.

>>> import ember
>>> w = ember.tensor([2.0], requires_grad=True)
>>> opt = ember.optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
>>> w
tensor([0.25], requires_grad=True)
"""

from ember.optim import lr_scheduler
from ember.optim.adadelta import Adadelta
from ember.optim.adagrad import Adagrad
from ember.optim.adam import Adam
from ember.optim.adamax import Adamax
from ember.optim.adamw import AdamW
from ember.optim.lbfgs import LBFGS
from ember.optim.lion import Lion
from ember.optim.nadam import NAdam
from ember.optim.optimizer import Optimizer
from ember.optim.radam import RAdam
from ember.optim.rmsprop import RMSprop
from ember.optim.sgd import SGD

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]
