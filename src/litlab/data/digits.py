"""scikit-learn's bundled 8x8 handwritten digits: real data that needs no download."""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from litlab.data.images import ImageDataModule


class DigitsDataModule(ImageDataModule):
    """1,797 8x8 grey digits (values 0-16); a stratified `test_size` share is held out for test."""

    max_value = 16.0
    class_names = tuple(str(d) for d in range(10))

    def __init__(self, test_size: float = 0.2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.test_size = test_size

    def load_split(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        digits = load_digits()
        images = torch.tensor(digits.images, dtype=torch.uint8).unsqueeze(1)
        labels = torch.tensor(digits.target, dtype=torch.long)
        train_idx, test_idx = train_test_split(
            range(len(labels)),
            test_size=self.test_size,
            stratify=labels.numpy(),
            random_state=self.split_seed,
        )
        idx = torch.tensor(train_idx if train else test_idx)
        return images[idx], labels[idx]
