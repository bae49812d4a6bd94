"""Plain nn.Modules, task-agnostic; each takes `in_shape` and `out_features` from the data."""

from litlab.nets.cnn import CNN
from litlab.nets.mlp import MLP
from litlab.nets.resnet import ResNet18

__all__ = ["CNN", "MLP", "ResNet18"]
from litlab.nets.conv_autoencoder import ConvAutoencoder, ConvDecoder, ConvEncoder

__all__ += ["ConvAutoencoder", "ConvDecoder", "ConvEncoder"]
