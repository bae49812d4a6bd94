"""LSTM / GRU over a sequence; a linear head reads the last time step."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from litlab.errors import ConfigError

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


class Recurrent(nn.Module):
    """Input (N, L, F) -> (N, out_features)."""

    inputs = ("sequence",)

    def __init__(
        self,
        in_shape: Sequence[int],
        out_features: int,
        cell: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ConfigError(f"unknown recurrent cell {cell!r}; choose one of {', '.join(CELLS)}")
        self.rnn = CELLS[cell](
            in_shape[-1],
            hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            batch_first=True,
        )
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), out_features)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])
