"""The op table: every primitive operation, one record each, grouped by family.

Importing this package registers all records in ``OP_TABLE`` and attaches the
Tensor methods and operators of each family.
"""

from ember.ops import (
    activation,
    conv,
    core,
    dropout,
    elementwise,
    index,
    inplace,
    linalg,
    nn,
    normalization,
    pool,
    recurrent,
    reduce,
    resample,
    shape,
)
from ember.ops.activation import *  # noqa: F403
from ember.ops.core import *  # noqa: F403
from ember.ops.dispatch import COMPOSITES, OP_TABLE, OpRecord, apply
from ember.ops.elementwise import *  # noqa: F403
from ember.ops.index import *  # noqa: F403
from ember.ops.linalg import *  # noqa: F403
from ember.ops.reduce import *  # noqa: F403
from ember.ops.shape import *  # noqa: F403

__all__ = [
    "COMPOSITES",
    "OP_TABLE",
    "OpRecord",
    "apply",
    *activation.__all__,
    *core.__all__,
    *elementwise.__all__,
    *index.__all__,
    *linalg.__all__,
    *reduce.__all__,
    *shape.__all__,
]
# Registered for their records and Tensor methods; their functions are public
# through ``ember.nn.functional``, as in PyTorch.
_ = (conv, dropout, inplace, nn, normalization, pool, recurrent, resample)
