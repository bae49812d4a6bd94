"""MLP for table rows: learned embeddings for categorical columns, concatenated with the
numeric columns, then the plain MLP."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from litlab.nets.mlp import MLP


def embedding_size(vocab: int, cap: int) -> int:
    """fastai's rule of thumb, 1.6 * n^0.56, capped: wide enough for zip codes, small for flags."""
    return max(1, min(cap, round(1.6 * vocab**0.56)))


class TabularMLP(nn.Module):
    """Takes `(x_num, x_cat)`: float (N, F) numeric features and long (N, C) category indices
    (index 0 is the 'unknown' slot of each column)."""

    inputs = ("table",)

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        categories: Sequence[int] = (),
        embedding_dim: int | None = None,
        max_embedding_dim: int = 32,
        hidden: Sequence[int] = (128, 64),
        activation: str = "relu",
        dropout: float = 0.1,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        self.embeddings = nn.ModuleList(
            nn.Embedding(n, embedding_dim or embedding_size(n, max_embedding_dim))
            for n in categories
        )
        width = in_shape[0] + sum(e.embedding_dim for e in self.embeddings)
        self.mlp = MLP((width,), out_features, hidden, activation, dropout, batch_norm)

    def forward(self, x_num: Tensor, x_cat: Tensor | None = None) -> Tensor:
        parts = [x_num]
        if x_cat is not None and len(self.embeddings):
            parts += [emb(x_cat[:, i]) for i, emb in enumerate(self.embeddings)]
        return self.mlp(torch.cat(parts, dim=1))
