"""What a datamodule tells the model about its batches (DESIGN.md: data flows to the model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

InputKind = Literal["image", "table", "sequence"]
TargetKind = Literal["class", "value", "boxes", "none"]

TARGET_WORDS = {
    "class": "class labels",
    "value": "numeric values",
    "boxes": "boxes",
    "none": "no targets",
}
INPUT_WORDS = {"image": "images", "table": "table rows", "sequence": "sequences"}


@dataclass(frozen=True)
class DataSpec:
    """A small, plain description of a datamodule's batches.

    `input_shape` is one example's shape: (C, H, W) for images, (F,) for table rows of numeric
    features, (L, F) for sequences. `mean`/`std` are the per-channel normalisation applied to
    inputs (empty when none), so a model can map inputs back to their natural [0, 1] range.
    `categories` holds the vocabulary size of each categorical column (table rows only);
    `target_shape` is the shape of one regression target.
    """

    input_kind: InputKind
    input_shape: tuple[int, ...]
    target: TargetKind
    num_classes: int | None = None
    class_names: tuple[str, ...] = ()
    class_counts: tuple[int, ...] = ()
    target_shape: tuple[int, ...] = ()
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    categories: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain values only, so it can live in checkpoint hyperparameters."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DataSpec:
        tuples = {k: tuple(v) for k, v in values.items() if isinstance(v, list)}
        return cls(**{**values, **tuples})

    @property
    def channels(self) -> int:
        return self.input_shape[0]

    def describe(self) -> str:
        """Words for error messages: 'class labels', 'boxes', ..."""
        return TARGET_WORDS[self.target]
