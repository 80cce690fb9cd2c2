"""``MultiheadAttention``, as ``torch.nn.MultiheadAttention``: same parameters, masks and outputs.

Inside, the sequences are laid out batch first, ``(N, length, features)``, and
the heads get their own dimension, ``(N, heads, length, head_dim)``, so every
product is one batched ``matmul`` and no ``(N * heads)`` reshuffles are needed.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import ember.nn.functional as F
from ember import dtypes
from ember.creation import arange, zeros
from ember.errors import DTypeError
from ember.nn import init
from ember.nn.layers._common import _parameter
from ember.nn.layers.linear import Linear
from ember.nn.module import Module
from ember.ops.core import broadcast_to
from ember.ops.elementwise import gt
from ember.ops.index import masked_fill
from ember.ops.linalg import matmul
from ember.ops.reduce import mean
from ember.ops.shape import cat, pad, permute, reshape, squeeze, transpose, unsqueeze
from ember.tensor import Tensor

__all__ = ["MultiheadAttention"]


def _causal_mask(rows: int, cols: int, dtype: Any = None) -> Tensor:
    """A float ``(rows, cols)`` mask: 0 where ``col <= row``, ``-inf`` above the diagonal."""
    above = gt(unsqueeze(arange(cols), 0), unsqueeze(arange(rows), 1))
    return masked_fill(zeros(rows, cols, dtype=dtype), above, -math.inf)


@functools.lru_cache(maxsize=16)
def _shared_causal_mask(rows: int, cols: int, dtype: dtypes.DType) -> Tensor:
    """``_causal_mask``, built once per size and dtype: layers only read it, and building
    it is half a dozen ops per call."""
    mask = _causal_mask(rows, cols, dtype)
    mask.data.flags.writeable = False
    return mask


def _additive(mask: Tensor, dtype: dtypes.DType) -> Tensor:
    """A bool mask (True = may not attend) as the float mask ``-inf`` / 0; float masks as given."""
    if mask.dtype is dtypes.bool_:
        return masked_fill(zeros(*mask.shape, dtype=dtype), mask, -math.inf)
    return mask


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj``.

    It exists so that ``repr(MultiheadAttention(...))`` reads as PyTorch's; it
    behaves exactly as ``Linear``.

    >>> NonDynamicallyQuantizableLinear(2, 2)
    NonDynamicallyQuantizableLinear(in_features=2, out_features=2, bias=True)
    """


class MultiheadAttention(Module):
    """Attention of ``query`` over ``key``/``value`` with ``num_heads`` parallel heads.

    ``softmax(q @ k^T / sqrt(head_dim) + masks) @ v`` for each head, the heads
    concatenated and projected by ``out_proj``; q, k and v are the projected
    ``query``, ``key`` and ``value``.

    Args:
        embed_dim: the model's feature size ``E`` (that of ``query`` and the output).
        num_heads: the number of heads; must divide ``embed_dim``.
        dropout: dropout probability on the attention weights (training only).
        bias: whether the input and output projections have biases.
        add_bias_kv: learn ``bias_k``/``bias_v``, appended to the keys and values
            as one extra source position.
        add_zero_attn: append a zero key and value as one more source position.
        kdim: the feature size of ``key`` (default ``embed_dim``).
        vdim: the feature size of ``value`` (default ``embed_dim``).
        batch_first: inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Attributes:
        in_proj_weight: ``(3 * E, E)``, the stacked q, k and v projections, when
            ``kdim == vdim == embed_dim``; otherwise ``q_proj_weight`` ``(E, E)``,
            ``k_proj_weight`` ``(E, kdim)`` and ``v_proj_weight`` ``(E, vdim)``.
        in_proj_bias: ``(3 * E,)`` or None.
        out_proj: the output projection, a ``Linear(E, E)``.
        bias_k, bias_v: ``(1, 1, E)`` or None.

    Raises:
        ValueError: if ``embed_dim`` or ``num_heads`` is not positive, or
            ``num_heads`` does not divide ``embed_dim``.

    >>> import ember
    >>> attention = ember.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = ember.randn(3, 5, 8)
    >>> out, weights = attention(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError(
                f"embed_dim must be divisible by num_heads, got embed_dim={embed_dim} and "
                f"num_heads={num_heads}"
            )
        factory = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _parameter(3 * embed_dim, embed_dim, **factory)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = _parameter(embed_dim, embed_dim, **factory)
            self.k_proj_weight = _parameter(embed_dim, self.kdim, **factory)
            self.v_proj_weight = _parameter(embed_dim, self.vdim, **factory)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = _parameter(3 * embed_dim, **factory)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias, **factory)
        if add_bias_kv:
            self.bias_k = _parameter(1, 1, embed_dim, **factory)
            self.bias_v = _parameter(1, 1, embed_dim, **factory)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        # out_proj.weight keeps Linear's own initialisation, as in PyTorch.
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: ``(L, N, E)``, ``(N, L, E)`` with ``batch_first``, or ``(L, E)`` unbatched.
            key: ``(S, N, kdim)``, ``(N, S, kdim)`` or ``(S, kdim)``.
            value: ``(S, N, vdim)``, ``(N, S, vdim)`` or ``(S, vdim)``.
            key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); bool, True where a
                key is padding to ignore, or float, added to the scores.
            need_weights: also return the attention weights.
            attn_mask: ``(L, S)`` or ``(N * num_heads, L, S)``; bool, True where
                attending is NOT allowed (the opposite of
                ``F.scaled_dot_product_attention``), or float, added to the scores.
            average_attn_weights: average the returned weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask; as in
                PyTorch, ``attn_mask`` must still be given, and when neither
                weights nor a padding mask are asked for the causal mask is used
                in its place.

        Returns:
            ``(attn_output, attn_weights)``: the output shaped as ``query`` with
            ``E`` features, and the weights ``(N, L, S)`` (``(N, num_heads, L, S)``
            without averaging; no ``N`` unbatched), or None without ``need_weights``.

        Raises:
            ShapeError: for inputs or masks of the wrong shape.
            DTypeError: for masks that are neither bool nor floating.
            RuntimeError: for ``is_causal`` without ``attn_mask``.
        """
        batched = self._check_inputs(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
                "module method `generate_square_subsequent_mask` to create this mask."
            )
        if not batched:
            query, key, value = unsqueeze(query, 0), unsqueeze(key, 0), unsqueeze(value, 0)
            if key_padding_mask is not None:
                key_padding_mask = unsqueeze(key_padding_mask, 0)
        elif not self.batch_first:
            query, key, value = transpose(query, 0, 1), transpose(key, 0, 1), transpose(value, 0, 1)
        q, k, v = self._project(query, key, value)
        batch, target, source = q.shape[0], q.shape[1], key.shape[1]
        if self.bias_k is not None:
            k = cat([k, broadcast_to(self.bias_k, (batch, 1, self.embed_dim))], 1)
            v = cat([v, broadcast_to(self.bias_v, (batch, 1, self.embed_dim))], 1)
        if self.add_zero_attn:
            nothing = zeros(batch, 1, self.embed_dim, dtype=k.dtype)
            k, v = cat([k, nothing], 1), cat([v, nothing], 1)
        if is_causal and key_padding_mask is None and not need_weights:
            mask = _shared_causal_mask(target, k.shape[1], q.dtype)
        else:
            mask = self._merged_mask(attn_mask, key_padding_mask, q.dtype, k.shape[1] - source)
        heads, head_dim = self.num_heads, self.head_dim
        q = permute(reshape(q, (batch, target, heads, head_dim)), (0, 2, 1, 3))
        k = permute(reshape(k, (batch, -1, heads, head_dim)), (0, 2, 3, 1))
        v = permute(reshape(v, (batch, -1, heads, head_dim)), (0, 2, 1, 3))
        # Scaling the (L, head_dim) queries costs less than scaling the (L, S) scores.
        scores = matmul(q * math.sqrt(1.0 / head_dim), k)
        if mask is not None:
            scores = scores + mask
        weights = F.softmax(scores, -1)
        if self.training and self.dropout > 0.0:
            weights = F.dropout(weights, self.dropout)
        out = reshape(permute(matmul(weights, v), (0, 2, 1, 3)), (batch, target, self.embed_dim))
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias)
        if not batched:
            out = squeeze(out, 0)
        elif not self.batch_first:
            out = transpose(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = mean(weights, 1)
        return out, (weights if batched else squeeze(weights, 0))

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """q, k and v: the inputs through their projections.

        The stacked weight is sliced, not the stacked output of one GEMM, even for
        self-attention: the gradient of each slice is padded back to its whole, and a
        ``(3 * E, E)`` weight is far smaller than an ``(N, L, 3 * E)`` activation.
        """
        thirds = [slice(i * self.embed_dim, (i + 1) * self.embed_dim) for i in range(3)]
        bias = self.in_proj_bias
        b_q, b_k, b_v = (None,) * 3 if bias is None else [bias[third] for third in thirds]
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = (self.in_proj_weight[third] for third in thirds)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

    def _merged_mask(
        self,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        dtype: dtypes.DType,
        extra: int,
    ) -> Tensor | None:
        """One float mask broadcastable to ``(N, heads, L, S)``, or None.

        ``extra`` source positions (``bias_k`` and the zero key) were appended
        after the masks were made: they are left open to every query.
        """
        mask = None
        if attn_mask is not None:
            mask = _additive(attn_mask, dtype)
            if mask.ndim == 3:
                mask = reshape(mask, (-1, self.num_heads, *mask.shape[1:]))
            if extra:
                mask = pad(mask, (0, extra))
        if key_padding_mask is not None:
            padding = _additive(key_padding_mask, dtype)
            if extra:
                padding = pad(padding, (0, extra))
            padding = unsqueeze(unsqueeze(padding, 1), 1)
            mask = padding if mask is None else mask + padding
        return mask

    def _check_inputs(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None,
        attn_mask: Tensor | None,
    ) -> bool:
        """Whether the inputs are batched; raises if their shapes or the masks do not fit."""
        rank = query.ndim
        if rank not in (2, 3) or key.ndim != rank or value.ndim != rank:
            raise self._input_error(
                f"got query, key and value of shapes {query.shape}, {key.shape} and "
                f"{value.shape}: expected three 3-D (batched) or three 2-D (unbatched) tensors"
            )
        features = (query.shape[-1], key.shape[-1], value.shape[-1])
        if features != (self.embed_dim, self.kdim, self.vdim):
            raise self._input_error(
                f"got query, key and value of shapes {query.shape}, {key.shape} and "
                f"{value.shape}: their last dimensions must be embed_dim={self.embed_dim}, "
                f"kdim={self.kdim} and vdim={self.vdim}"
            )
        seq, batch = (1, 0) if self.batch_first and rank == 3 else (0, 1)
        target, source = query.shape[seq], key.shape[seq]
        if value.shape[seq] != source or (
            rank == 3 and not query.shape[batch] == key.shape[batch] == value.shape[batch]
        ):
            raise self._input_error(
                f"got query, key and value of shapes {query.shape}, {key.shape} and "
                f"{value.shape}: key and value need the same length, and all three the same "
                "batch size"
            )
        size = query.shape[batch] if rank == 3 else None
        if key_padding_mask is not None:
            expected = (source,) if size is None else (size, source)
            self._check_mask("key_padding_mask", key_padding_mask, (expected,))
        if attn_mask is not None:
            heads = self.num_heads * (1 if size is None else size)
            allowed = ((target, source), (heads, target, source))
            self._check_mask("attn_mask", attn_mask, allowed)
        return rank == 3

    def _check_mask(self, name: str, mask: Tensor, shapes: tuple[tuple[int, ...], ...]) -> None:
        if mask.shape not in shapes:
            raise self._input_error(
                f"got {name} of shape {mask.shape}: expected "
                + " or ".join(str(shape) for shape in shapes)
            )
        if mask.dtype is not dtypes.bool_ and not mask.is_floating_point():
            raise self._input_error(
                f"got {name} of dtype {mask.dtype}: only bool and floating masks are supported",
                kind=DTypeError,
            )
