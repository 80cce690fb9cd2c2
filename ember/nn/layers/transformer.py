"""Transformer layers, as ``torch.nn``'s: encoder and decoder layers, their stacks, and the
encoder-decoder ``Transformer``.

Submodules carry PyTorch's names (``self_attn``, ``linear1``, ``norm1``,
``layers.0``...), so ``state_dict()`` keys are PyTorch's for the same
architecture and its checkpoints load as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

import ember.nn.functional as F
from ember.nn import init
from ember.nn.containers import ModuleList
from ember.nn.layers.attention import MultiheadAttention, _additive, _causal_mask
from ember.nn.layers.dropout import Dropout
from ember.nn.layers.linear import Linear
from ember.nn.layers.normalization import LayerNorm
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]

_Activation = str | Callable[[Tensor], Tensor]


def _activation_function(activation: _Activation) -> Callable[[Tensor], Tensor]:
    if not isinstance(activation, str):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _additive_masks(x: Tensor, *masks: Tensor | None) -> tuple[Tensor | None, ...]:
    """Bool masks (True = may not attend) as float masks for ``x``'s dtype, as PyTorch's
    stacks pass them to their layers: converted once here, not once per layer."""
    return tuple(None if m is None else _additive(m, x.dtype) for m in masks)


def _clones(layer: Module, num_layers: int) -> ModuleList:
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class _Layer(Module):
    """What encoder and decoder layers share: their arguments, self-attention, the
    feed-forward block, norms and dropouts; a decoder layer also attends to memory."""

    _attends_to_memory: ClassVar[bool]

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: _Activation = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}

        def attention() -> MultiheadAttention:
            return MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory
            )

        # Registered in PyTorch's order, which fixes the order of state_dict() keys.
        self.self_attn = attention()
        if self._attends_to_memory:
            self.multihead_attn = attention()
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        blocks = 3 if self._attends_to_memory else 2
        for i in range(1, blocks + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        for i in range(1, blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation_function(activation)

    def _feed_forward(self, x: Tensor, dropout: Module) -> Tensor:
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _attend(
        self,
        attention: MultiheadAttention,
        x: Tensor,
        memory: Tensor,
        attn_mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
        dropout: Module,
    ) -> Tensor:
        out = attention(
            x,
            memory,
            memory,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )[0]
        return dropout(out)

    def _self_attention(
        self, x: Tensor, mask: Tensor | None, padding: Tensor | None, is_causal: bool
    ) -> Tensor:
        return self._attend(self.self_attn, x, x, mask, padding, is_causal, self.dropout1)

    def _check(self, **inputs: Tensor) -> None:
        d_model = self.self_attn.embed_dim
        for name, x in inputs.items():
            if x.ndim not in (2, 3) or x.shape[-1] != d_model:
                raise self._input_error(
                    f"got {name} of shape {x.shape}: expected a 3-D (batched) or 2-D "
                    f"(unbatched) tensor whose last dimension is d_model={d_model}"
                )


class TransformerEncoderLayer(_Layer):
    """Self-attention then a feed-forward block, each with a residual connection and LayerNorm.

    Post-norm (``norm_first=False``): ``x = norm1(x + attention(x))``, then
    ``x = norm2(x + feed_forward(x))``; pre-norm puts each norm on the branch's input.

    Args:
        d_model: the feature size of the input and output.
        nhead: the number of attention heads.
        dim_feedforward: the hidden size of the feed-forward block.
        dropout: dropout probability (attention weights, feed-forward hidden
            layer and both residual branches).
        activation: of the feed-forward block: ``"relu"``, ``"gelu"`` or a callable.
        layer_norm_eps: LayerNorm's epsilon.
        batch_first: inputs are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: pre-norm instead of post-norm.
        bias: whether the linear and LayerNorm layers have biases.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Raises:
        RuntimeError: for an activation name other than ``"relu"`` or ``"gelu"``.

    >>> import ember
    >>> layer = ember.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> layer(ember.randn(5, 3, 8)).shape
    (5, 3, 8)
    """

    _attends_to_memory = False

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``.

        Args:
            src: ``(S, N, E)``, ``(N, S, E)`` with ``batch_first``, or ``(S, E)``.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)``; bool (True = may not
                attend) or float (added to the scores).
            src_key_padding_mask: ``(N, S)`` (``(S,)`` unbatched); bool (True =
                padding) or float.
            is_causal: a hint that ``src_mask`` is the causal mask (see
                ``MultiheadAttention.forward``).

        Returns:
            A tensor shaped as ``src``.
        """
        self._check(src=src)
        x = src
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x, self.dropout2))


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the encoder's output, then a feed-forward block.

    Each of the three has a residual connection and a LayerNorm (after it, or
    on its input with ``norm_first``).

    Args:
        d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
        batch_first, norm_first, bias, device, dtype: as ``TransformerEncoderLayer``.

    Raises:
        RuntimeError: for an activation name other than ``"relu"`` or ``"gelu"``.

    >>> import ember
    >>> layer = ember.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> layer(ember.randn(4, 3, 8), ember.randn(6, 3, 8)).shape
    (4, 3, 8)
    """

    _attends_to_memory = True

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Decode ``tgt`` attending to ``memory`` (the encoder's output).

        Args:
            tgt: ``(T, N, E)``, ``(N, T, E)`` with ``batch_first``, or ``(T, E)``.
            memory: ``(S, N, E)``, ``(N, S, E)`` or ``(S, E)``.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``, for the self-attention.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``, for the attention over memory.
            tgt_key_padding_mask: ``(N, T)`` (``(T,)`` unbatched).
            memory_key_padding_mask: ``(N, S)`` (``(S,)`` unbatched).
            tgt_is_causal, memory_is_causal: hints that the masks are causal
                (see ``MultiheadAttention.forward``).

        Returns:
            A tensor shaped as ``tgt``.

        Masks are bool (True = may not attend) or float (added to the scores).
        """
        self._check(tgt=tgt, memory=memory)
        x = tgt
        if self.norm_first:
            x = x + self._self_attention(
                self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal
            )
            x = x + self._cross_attention(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._feed_forward(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._self_attention(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x
            + self._cross_attention(
                x, memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
        )
        return self.norm3(x + self._feed_forward(x, self.dropout3))

    def _cross_attention(
        self,
        x: Tensor,
        memory: Tensor,
        mask: Tensor | None,
        padding: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        return self._attend(self.multihead_attn, x, memory, mask, padding, is_causal, self.dropout2)


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` applied in turn, then ``norm`` if given.

    Args:
        encoder_layer: the layer to copy (deep copies: no weights are shared).
        num_layers: how many layers.
        norm: applied to the last layer's output, or None.
        enable_nested_tensor: accepted for PyTorch compatibility; Ember has no
            nested tensors, so padded positions are always computed.
        mask_check: accepted for PyTorch compatibility (it only serves nested tensors).

    >>> import ember
    >>> layer = ember.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> encoder = ember.nn.TransformerEncoder(layer, num_layers=2)
    >>> encoder(ember.randn(5, 3, 8)).shape
    (5, 3, 8)
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run ``src`` through every layer (masks as ``TransformerEncoderLayer.forward``).

        Args:
            src: ``(S, N, E)``, ``(N, S, E)`` with ``batch_first``, or ``(S, E)``.
            mask: the attention mask given to every layer.
            src_key_padding_mask: the padding mask given to every layer.
            is_causal: a hint that ``mask`` is the causal mask.

        Returns:
            A tensor shaped as ``src``.
        """
        # PyTorch turns is_causal=None into True when ``mask`` equals the causal mask;
        # the hint then only swaps that mask for an identical one, so None can mean False.
        mask, src_key_padding_mask = _additive_masks(src, mask, src_key_padding_mask)
        output = src
        for layer in self.layers:
            output = layer(
                output,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=is_causal is True,
            )
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` applied in turn, then ``norm`` if given.

    Args:
        decoder_layer: the layer to copy (deep copies: no weights are shared).
        num_layers: how many layers.
        norm: applied to the last layer's output, or None.

    >>> import ember
    >>> layer = ember.nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> decoder = ember.nn.TransformerDecoder(layer, num_layers=2)
    >>> decoder(ember.randn(4, 3, 8), ember.randn(6, 3, 8)).shape
    (4, 3, 8)
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run ``tgt`` through every layer, each attending to ``memory``.

        Arguments as ``TransformerDecoderLayer.forward``; ``tgt_is_causal=None``
        means False (see ``TransformerEncoder.forward``).

        Returns:
            A tensor shaped as ``tgt``.
        """
        tgt_mask, tgt_key_padding_mask = _additive_masks(tgt, tgt_mask, tgt_key_padding_mask)
        memory_mask, memory_key_padding_mask = _additive_masks(
            memory, memory_mask, memory_key_padding_mask
        )
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal is True,
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need", as ``torch.nn.Transformer``.

    An encoder (``num_encoder_layers`` layers and a final LayerNorm) reads
    ``src``; a decoder (``num_decoder_layers`` layers and a final LayerNorm)
    reads ``tgt`` and attends to the encoder's output. Every parameter with
    more than one dimension is initialised with ``xavier_uniform_``.

    Args:
        d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
        batch_first, norm_first, bias, device, dtype: as ``TransformerEncoderLayer``.
        num_encoder_layers: the number of encoder layers.
        num_decoder_layers: the number of decoder layers.
        custom_encoder: a module used as the encoder instead.
        custom_decoder: a module used as the decoder instead.

    >>> import ember
    >>> model = ember.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
    ...                              num_decoder_layers=1, dim_feedforward=16)
    >>> tgt_mask = model.generate_square_subsequent_mask(4)
    >>> model(ember.randn(6, 3, 8), ember.randn(4, 3, 8), tgt_mask=tgt_mask).shape
    (4, 3, 8)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: _Activation = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        settings = (
            d_model,
            nhead,
            dim_feedforward,
            dropout,
            activation,
            layer_norm_eps,
            batch_first,
            norm_first,
            bias,
        )
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*settings, **factory),
                num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory),
            )
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*settings, **factory),
                num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory),
            )
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        for parameter in self.parameters():
            if parameter.ndim > 1:
                init.xavier_uniform_(parameter)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``, then decode ``tgt`` attending to the encoding.

        Args:
            src: ``(S, N, E)``, ``(N, S, E)`` with ``batch_first``, or ``(S, E)``.
            tgt: ``(T, N, E)``, ``(N, T, E)`` or ``(T, E)``.
            src_mask: ``(S, S)`` or ``(N * nhead, S, S)``.
            tgt_mask: ``(T, T)`` or ``(N * nhead, T, T)``, e.g.
                ``generate_square_subsequent_mask(T)``.
            memory_mask: ``(T, S)`` or ``(N * nhead, T, S)``.
            src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask:
                ``(N, S)``, ``(N, T)`` and ``(N, S)`` (no ``N`` unbatched).
            src_is_causal, tgt_is_causal, memory_is_causal: hints that the masks
                are causal (see ``MultiheadAttention.forward``).

        Returns:
            ``(T, N, E)`` (``(N, T, E)`` with ``batch_first``, ``(T, E)`` unbatched).

        Raises:
            ShapeError: if ``src`` and ``tgt`` differ in batch size or their
                last dimension is not ``d_model``.
        """
        batch = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch] != tgt.shape[batch]):
            raise self._input_error(
                f"got src of shape {src.shape} and tgt of shape {tgt.shape}: "
                "the batch number of src and tgt must be equal"
            )
        if src.ndim == 0 or tgt.ndim == 0 or not src.shape[-1] == tgt.shape[-1] == self.d_model:
            raise self._input_error(
                f"got src of shape {src.shape} and tgt of shape {tgt.shape}: "
                f"the feature number of src and tgt must be equal to d_model={self.d_model}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """The float ``(sz, sz)`` causal mask: ``-inf`` above the diagonal, 0 elsewhere.

        Raises:
            ValueError: for a device other than the CPU.

        >>> import ember
        >>> ember.nn.Transformer.generate_square_subsequent_mask(3).tolist()
        [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        if device is not None and str(device) != "cpu":
            raise ValueError(f"device '{device}' is not available; Ember runs on the cpu")
        return _causal_mask(sz, sz, dtype)
