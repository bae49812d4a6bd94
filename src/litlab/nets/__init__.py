"""Plain nn.Modules, task-agnostic; each takes its input shape and output size from the data.

Members are imported on first use (litlab.lazy).
"""

from litlab.lazy import lazy_members

__getattr__, __dir__, __all__ = lazy_members(
    __name__,
    {
        "backbones": ["TorchvisionNet"],
        "cnn": ["CNN"],
        "conv_autoencoder": ["ConvAutoencoder", "ConvDecoder", "ConvEncoder"],
        "dcgan": ["DCGANDiscriminator", "DCGANGenerator"],
        "factory": ["auto_net", "instantiate_net"],
        "mlp": ["MLP"],
        "recurrent": ["Recurrent"],
        "resnet": ["ResNet18"],
        "tabular_mlp": ["TabularMLP"],
        "tcn": ["TCN"],
        "unet": ["UNet"],
        "yolo": ["YOLONet"],
        "yolo_fpn": ["YOLOFPNNet"],
    },
)
