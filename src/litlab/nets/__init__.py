"""Plain nn.Modules, task-agnostic; each takes `in_shape` and `out_features` from the data."""

from litlab.nets.cnn import CNN
from litlab.nets.mlp import MLP
from litlab.nets.resnet import ResNet18

__all__ = ["CNN", "MLP", "ResNet18"]
from litlab.nets.factory import auto_net, instantiate_net
from litlab.nets.recurrent import Recurrent
from litlab.nets.tabular_mlp import TabularMLP
from litlab.nets.tcn import TCN

__all__ += ["TCN", "Recurrent", "TabularMLP", "auto_net", "instantiate_net"]
