"""Plain nn.Modules, task-agnostic; each takes its input shape and output size from the data."""

from litlab.nets.cnn import CNN
from litlab.nets.conv_autoencoder import ConvAutoencoder, ConvDecoder, ConvEncoder
from litlab.nets.dcgan import DCGANDiscriminator, DCGANGenerator
from litlab.nets.factory import auto_net, instantiate_net
from litlab.nets.mlp import MLP
from litlab.nets.recurrent import Recurrent
from litlab.nets.resnet import ResNet18
from litlab.nets.tabular_mlp import TabularMLP
from litlab.nets.tcn import TCN
from litlab.nets.unet import UNet
from litlab.nets.yolo import YOLONet

__all__ = [
    "CNN",
    "MLP",
    "TCN",
    "ConvAutoencoder",
    "ConvDecoder",
    "ConvEncoder",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "Recurrent",
    "ResNet18",
    "TabularMLP",
    "UNet",
    "YOLONet",
    "auto_net",
    "instantiate_net",
]
