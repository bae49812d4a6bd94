"""LightningModules, one per task; each is built from its data's DataSpec.

Members are imported on first use (litlab.lazy), so each run loads only its own model family.
"""

from litlab.lazy import lazy_members

__getattr__, __dir__, __all__ = lazy_members(
    __name__,
    {
        "autoencoder": ["Autoencoder"],
        "base": ["LitModule"],
        "classifier": ["Classifier"],
        "denoiser": ["Denoiser"],
        "detector": ["Detector"],
        "forecaster": ["Forecaster"],
        "gan": ["GAN"],
        "inpainter": ["Inpainter"],
        "regressor": ["Regressor"],
        "ssgan": ["SemiSupervisedGAN"],
        "vae": ["VAE"],
    },
)
