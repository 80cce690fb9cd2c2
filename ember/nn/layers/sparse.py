"""``Embedding``: a lookup table of learned vectors, as ``torch.nn.Embedding``."""

from __future__ import annotations

from typing import Any

import ember.nn.functional as F
from ember.autograd import no_grad
from ember.errors import DTypeError
from ember.nn import init
from ember.nn.layers._common import _parameter
from ember.nn.module import Module
from ember.nn.parameter import Parameter
from ember.ops.elementwise import where
from ember.ops.reduce import norm
from ember.tensor import Tensor

__all__ = ["Embedding"]

# Added to a row's norm before dividing, as PyTorch's renormalisation does.
_RENORM_EPS = 1e-7


class Embedding(Module):
    """Row ``i`` of ``weight`` for each integer index ``i`` of the input.

    Args:
        num_embeddings: the number of rows (indices lie in ``[0, num_embeddings)``).
        embedding_dim: the size of each row.
        padding_idx: a row that starts at zero and gets no gradient (negative counts
            from the end).
        max_norm: rows looked up whose ``norm_type`` norm exceeds this are scaled down
            to it, in ``weight`` itself, before each lookup.
        norm_type: the p of the norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: sparse gradients; not supported (must be False).
        device: only None or ``"cpu"``.
        dtype: the weight's dtype.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, drawn from N(0, 1).

    Raises:
        ValueError: for a ``padding_idx`` out of range, a ``_weight`` of another shape,
            or ``sparse=True``.

    Input: integer indices of any shape; output ``(*input.shape, embedding_dim)``.

    >>> import ember
    >>> table = ember.nn.Embedding(10, 3, padding_idx=0)
    >>> table
    Embedding(10, 3, padding_idx=0)
    >>> table(ember.tensor([[0, 2], [4, 9]])).shape
    (2, 2, 3)
    >>> table(ember.tensor([0]))[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"padding_idx {padding_idx} must be within num_embeddings {num_embeddings}"
                )
            padding_idx %= num_embeddings
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported; use sparse=False")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = _parameter(num_embeddings, embedding_dim, device=device, dtype=dtype)
            self.weight.requires_grad_(not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Shape of weight {tuple(_weight.shape)} does not match num_embeddings "
                    f"and embedding_dim ({num_embeddings}, {embedding_dim})"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw ``weight`` again from N(0, 1), then zero the ``padding_idx`` row."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def _renormalize(self, input: Tensor) -> None:
        """Scale the rows ``input`` picks down to ``max_norm``, in place, as PyTorch does."""
        with no_grad():
            rows = input.reshape(-1)
            picked = self.weight[rows]
            norms = norm(picked, p=self.norm_type, dim=1, keepdim=True)
            scale = where(norms > self.max_norm, self.max_norm / (norms + _RENORM_EPS), 1.0)
            # A repeated index writes the same scaled row again: no harm.
            self.weight[rows] = picked * scale

    def forward(self, input: Tensor) -> Tensor:
        """The rows of ``weight`` that ``input`` indexes.

        Raises:
            TypeError: if ``input`` is not a Tensor.
            DTypeError: if ``input`` is not an integer tensor.
            ShapeError: if an index lies outside ``[0, num_embeddings)``.
        """
        if not isinstance(input, Tensor):
            raise TypeError(
                f"Embedding: expected the indices as a Tensor, got {type(input).__name__}"
            )
        indices = input.data
        if indices.dtype.kind not in "iu":
            raise self._input_error(
                f"got input of dtype {input.dtype}: indices must be an integer tensor",
                kind=DTypeError,
            )
        if indices.size:
            low, high = int(indices.min()), int(indices.max())
            if low < 0 or high >= self.num_embeddings:
                raise self._input_error(
                    f"got index {low if low < 0 else high} in input of shape {input.shape}: "
                    f"indices must lie in [0, {self.num_embeddings}) "
                    f"(num_embeddings={self.num_embeddings})"
                )
        if self.max_norm is not None:
            self._renormalize(input)
        return F.embedding(
            input, self.weight, self.padding_idx, None, self.norm_type, self.scale_grad_by_freq
        )

    def extra_repr(self) -> str:
        parts = [f"{self.num_embeddings}, {self.embedding_dim}"]
        if self.padding_idx is not None:
            parts.append(f"padding_idx={self.padding_idx}")
        if self.max_norm is not None:
            parts.append(f"max_norm={self.max_norm}")
        if self.norm_type != 2:
            parts.append(f"norm_type={self.norm_type}")
        if self.scale_grad_by_freq is not False:
            parts.append(f"scale_grad_by_freq={self.scale_grad_by_freq}")
        return ", ".join(parts)

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (shared, not copied).

        Args:
            embeddings: a 2-D ``(num_embeddings, embedding_dim)`` tensor.
            freeze: keep the weight fixed (``requires_grad=False``).
            padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse: as for
                ``Embedding``; the ``padding_idx`` row is used as given, not zeroed.

        Raises:
            ValueError: if ``embeddings`` is not 2-D.

        >>> import ember
        >>> table = ember.nn.Embedding.from_pretrained(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> table(ember.tensor([1])).tolist()
        [[3.0, 4.0]]
        """
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embeddings parameter is expected to be 2-dimensional, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(
            num_embeddings=rows,
            embedding_dim=cols,
            _weight=embeddings,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )
