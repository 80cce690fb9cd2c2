"""A small GPT: a decoder-only Transformer language model built from ``nn`` layers."""

from __future__ import annotations

from ember import nn
from ember.creation import arange
from ember.tensor import Tensor

__all__ = ["GPT"]


class GPT(nn.Module):
    """Predicts each next token from the ones before it (causal self-attention).

    Token embedding plus a learned position embedding, ``n_layers`` pre-norm
    ``TransformerEncoderLayer`` s (batch first) under a causal mask, a final
    ``LayerNorm`` and a linear ``head`` (no bias) to the vocabulary. Submodules:
    ``token_embedding``, ``position_embedding``, ``dropout``, ``blocks.0`` ..,
    ``norm``, ``head``.

    Args:
        vocab_size: the number of distinct tokens.
        context_length: the longest sequence (the positions that have an embedding).
        d_model: the width of the embeddings and of every layer.
        n_heads: attention heads per layer (they divide ``d_model``).
        n_layers: how many Transformer layers.
        dim_feedforward: the hidden size of each feed-forward block; ``4 * d_model`` when None.
        dropout: dropout probability (embeddings, attention and residual branches).
        activation: of the feed-forward blocks: ``"gelu"`` or ``"relu"``.

    Raises:
        ShapeError: from ``forward``, for tokens that are not ``(N, T)`` with
            ``T <= context_length``.

    >>> import ember
    >>> from ember.zoo import GPT
    >>> model = GPT(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=2)
    >>> model(ember.tensor([[1, 2, 3], [4, 5, 6]])).shape
    (2, 3, 11)
    """

    def __init__(
        self,
        vocab_size: int = 64,
        context_length: int = 64,
        d_model: int = 128,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int | None = None,
        dropout: float = 0.0,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        self.context_length = context_length
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(context_length, d_model)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                d_model,
                n_heads,
                dim_feedforward=4 * d_model if dim_feedforward is None else dim_feedforward,
                dropout=dropout,
                activation=activation,
                batch_first=True,
                norm_first=True,
            )
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)

    def forward(self, tokens: Tensor) -> Tensor:
        """The next-token logits ``(N, T, vocab_size)`` of token ids ``(N, T)``.

        Position ``t``'s logits depend only on ``tokens[:, :t + 1]``.
        """
        if tokens.ndim != 2 or tokens.shape[1] > self.context_length:
            raise self._input_error(
                f"got tokens of shape {tokens.shape}: expected (batch, time) token ids "
                f"with time <= context_length={self.context_length}"
            )
        length = tokens.shape[1]
        positions = self.position_embedding(arange(length))
        x = self.dropout(self.token_embedding(tokens) + positions)
        mask = nn.Transformer.generate_square_subsequent_mask(length, dtype=x.dtype)
        for block in self.blocks:
            x = block(x, src_mask=mask, is_causal=True)
        return self.head(self.norm(x))

    def extra_repr(self) -> str:
        return f"context_length={self.context_length}"
