"""A word- or character-level language model: Embedding, a stacked LSTM and a linear decoder."""

from __future__ import annotations

from ember import nn
from ember.tensor import Tensor

__all__ = ["LSTMLanguageModel"]

_State = tuple[Tensor, Tensor]


class LSTMLanguageModel(nn.Module):
    """Predicts each next token: ``embedding -> lstm -> head``, batch first.

    Dropout (when ``dropout > 0``) is applied to the embeddings, between the
    LSTM's layers and to the LSTM's output.

    Args:
        vocab_size: the number of distinct tokens.
        embedding_dim: the size of each token's embedding.
        hidden_size: the LSTM's hidden size.
        num_layers: the LSTM's stacked layers.
        dropout: dropout probability.
        tie_weights: share one matrix between ``embedding`` and ``head`` (Press &
            Wolf, 2017); needs ``embedding_dim == hidden_size``.

    Raises:
        ValueError: for ``tie_weights`` with ``embedding_dim != hidden_size``.

    >>> import ember
    >>> from ember.zoo import LSTMLanguageModel
    >>> model = LSTMLanguageModel(vocab_size=20, embedding_dim=8, hidden_size=16)
    >>> logits, (h, c) = model(ember.tensor([[1, 2, 3], [4, 5, 6]]))
    >>> logits.shape, h.shape, c.shape
    ((2, 3, 20), (2, 2, 16), (2, 2, 16))
    >>> logits, state = model(ember.tensor([[7], [8]]), (h, c))
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        dropout: float = 0.0,
        tie_weights: bool = False,
    ) -> None:
        super().__init__()
        if tie_weights and embedding_dim != hidden_size:
            raise ValueError(
                f"tie_weights needs embedding_dim == hidden_size, got {embedding_dim} "
                f"and {hidden_size}"
            )
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout
        )
        self.head = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.head.weight = self.embedding.weight

    def forward(self, tokens: Tensor, state: _State | None = None) -> tuple[Tensor, _State]:
        """The next-token logits and the LSTM's final state.

        Args:
            tokens: integer token ids ``(N, T)``.
            state: ``(h, c)``, each ``(num_layers, N, hidden_size)``, from a
                previous call (to continue a sequence); zeros when None.

        Returns:
            ``(logits, (h, c))``: logits ``(N, T, vocab_size)`` and the state
            after the last step.
        """
        if tokens.ndim != 2:
            raise self._input_error(
                f"got tokens of shape {tokens.shape}: expected (batch, time) token ids"
            )
        output, state = self.lstm(self.dropout(self.embedding(tokens)), state)
        return self.head(self.dropout(output)), state
