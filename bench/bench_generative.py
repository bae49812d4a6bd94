"""Speed of litlab's VAE and GAN training against hand-written PyTorch loops on MNIST.

Both sides train the same nets (same classes, same initial weights), with the same losses,
optimizers, schedules, batch size, number of steps and data, in this one process, and are
timed per epoch:

- litlab: the real `VAE` / `GAN` and `MNISTDataModule` (uint8 tensors, whole-batch indexing,
  scaling + normalisation in `on_after_batch_transfer`), built from the same Hydra config as
  `python train.py model=vae data=mnist` / `model=gan data=mnist` through `litlab.builders`
  with the families' default configs (VAE: batch 32, cosine schedule, beta warm-up; GAN:
  batch 64, two Adams, no schedule), the default CSV logger, `log_every_n_steps: 10` and the
  per-step `finite_loss` callback.
- loop, VAE: the training images normalised once up front with the datamodule's mean/std (the
  encoder's input) and mapped back to [0, 1] pixels once (the Bernoulli decoder's target, as
  `VAE.shared_step` derives it per batch), batches by shuffled index, the model's ELBO (clamped
  log-variance, reparameterised code, per-image summed reconstruction NLL + beta * KL with beta
  ramped over `warmup_epochs` exactly as `VAE.beta_now`), backward, Adam over the net and the
  decoder's `log_sigma` as the model's `parameters()` are, and the same per-epoch cosine schedule.
- loop, GAN: the training images mapped once up front to the model's [-1, 1] range
  (`GAN.pixels.to_pixels(x) * 2 - 1` of the normalised images), batches by shuffled index, and per
  batch the model's steps: one generator forward, a discriminator step on real / detached fake
  with the BCE losses, then a generator step with the non-saturating loss while the
  discriminator's parameters are frozen (as Lightning's `toggle_optimizer` freezes them), the same
  two Adams (lr 2e-4, betas 0.5/0.999), and the model's gradient clipping and per-epoch schedules
  when the config sets them.

Deviations from `python train.py model=X data=mnist`, besides `common.runner_overrides`
(validation, checkpoints, early stopping, model summary and progress bar off):
- no augmentation (the families' default already: `model.augment=false`; `--augment` turns it
  on for litlab's side only);
- GAN: `model.fid.classifier_steps` is cut to 2 and `model.fid.cache` shared by all repeats
  of one run. `GAN.setup` trains the offline-FID feature classifier (200 steps, ~20 s) inside
  `trainer.fit` but before the first timed epoch, and with validation off no FID is ever
  computed, so the classifier changes nothing that is timed; cutting it only keeps the bench
  (and its test) short.
- the figure callbacks (`reconstructions`, `latent_space`, `sample_progress`, `loss_curves`)
  stay: with validation and testing off the first three never draw, and `loss_curves` only
  reads the epoch metrics at each epoch start (timed, as for every model) and draws after
  `on_train_end`, after the last timed mark.

Runs alternate as in bench_mnist.py; medians and spreads are printed, then the number of
optimizer steps of each side (GAN: generator steps, as `trainer.global_step` counts them).

    python bench/bench_generative.py --models vae gan --epochs 3 --warmup 1 --repeats 3
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from basics import write_rows
from common import (
    Clock,
    Run,
    Spans,
    StepCounts,
    add_common_args,
    alternate,
    build_litlab,
    check_schedule,
    loop_rows,
    runner_overrides,
    start,
)
from omegaconf import DictConfig
from torch import Tensor, nn

from litlab.builders import build_model
from litlab.utils.config import plain

MODELS = ("vae", "gan")
FID_STEPS = 2  # the untimed, unused FID feature classifier's training steps (see the docstring)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    add_common_args(
        parser,
        batch_size=None,
        augment_help="keep conf/data/mnist augmentation on litlab's side (the loop has none)",
    )
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------- litlab
def litlab_overrides(
    args: argparse.Namespace, model: str, data_dir: str, fid_cache: str
) -> list[str]:
    """`python train.py` overrides for one litlab run; every deviation from the defaults is here
    or in `common.runner_overrides`."""
    overrides = [f"model={model}", "data=mnist", f"data.data_dir={data_dir}"]
    overrides += runner_overrides(args)
    if args.batch_size:
        overrides.append(f"data.batch_size={args.batch_size}")
    if model == "gan":
        overrides += [f"model.fid.classifier_steps={FID_STEPS}", f"model.fid.cache={fid_cache}"]
    overrides.append(f"model.augment={str(args.augment).lower()}")
    return [*overrides, *args.overrides]


# ---------------------------------------------------------------------------------- loop parts
def adam(config: DictConfig, params: list[nn.Parameter]) -> torch.optim.Adam:
    """The config's Adam (lr, betas, weight_decay and anything else it sets) over `params`."""
    opt = dict(plain(config))
    target = opt.pop("_target_")
    opt.pop("_partial_", None)
    if target != "torch.optim.Adam":
        raise SystemExit(f"the loop mirrors Adam; the config gives {target}")
    return torch.optim.Adam(params, **opt)


def cosine(optimizer: torch.optim.Optimizer, cfg: DictConfig, total: int) -> Any:
    """CosineAnnealingLR stepped per epoch over the run, as litlab builds it from the config."""
    check_schedule(cfg)
    sched = cfg.model.scheduler
    if sched.get("interval", "epoch") != "epoch":
        raise SystemExit(
            f"the loop steps the schedule per epoch; the config gives {sched.interval}"
        )
    return torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=sched.get("T_max") or total, eta_min=sched.get("eta_min", 0.0)
    )


def clipper(cfg: DictConfig) -> Callable[[nn.Module], None]:
    """The GAN's own gradient clipping of one net before its optimizer steps (or nothing)."""
    value, algorithm = cfg.model.get("gradient_clip_val"), cfg.model.gradient_clip_algorithm
    if not value:
        return lambda net: None
    if algorithm == "norm":
        return lambda net: nn.utils.clip_grad_norm_(net.parameters(), value)
    return lambda net: nn.utils.clip_grad_value_(net.parameters(), value)


def steps_per_epoch(n: int, batch: int, args: argparse.Namespace) -> int:
    steps = -(-n // batch)  # the last, incomplete batch is kept, as litlab's loader keeps it
    return min(steps, args.limit_batches) if args.limit_batches else steps


def same_weights(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k].to(sa[k].device)) for k in sa)


def copy_net(net: nn.Module, litlab_net: nn.Module, device: str) -> nn.Module:
    """`net` (a fresh build of the same class) with `litlab_net`'s initial weights, on `device`."""
    net.load_state_dict(litlab_net.state_dict())
    if not same_weights(net, litlab_net):
        raise SystemExit("the loop's net does not start from litlab's weights")
    return net.to(device)


def served_images(dm: Any, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    """The training images as the datamodule serves them (its own `prepare_batch`: scaled and
    normalised), once, with the mean and std that map them back to [0, 1]."""
    x, _ = dm.prepare_batch(tuple(t.to(device) for t in dm.train_set.tensors))
    mean, std = (dm.mean, dm.std) if dm.normalize else (torch.zeros(1), torch.ones(1))
    return x, mean.to(device), std.to(device)


# ---------------------------------------------------------------------------------- VAE loop
def run_vae_loop(
    parts: dict[str, Any], net: nn.Module, log_sigma: nn.Parameter, args: argparse.Namespace
) -> tuple[Spans, int]:
    """The hand-written VAE loop; returns the timed epochs and the number of optimizer steps."""
    cfg, dm, m = parts["cfg"], parts["datamodule"], parts["cfg"].model
    device = torch.device(args.device)
    x_all, mean, std = served_images(dm, device)
    pixels_all = (x_all * std + mean).clamp(0, 1)  # the decoder's target, as the model maps it
    total = args.warmup + args.epochs
    optimizer = adam(m.optimizer, [*net.parameters(), log_sigma])
    scheduler = cosine(optimizer, cfg, total) if m.get("scheduler") else None
    batch = dm.device_batch_size
    steps = steps_per_epoch(len(x_all), batch, args)
    net.train()
    clock, done = Clock(), 0
    for epoch in range(total):
        clock.mark()
        order = torch.randperm(len(x_all), device=device)
        running = torch.zeros((), device=device)
        for step in range(steps):
            index = order[step * batch : (step + 1) * batch]
            x, pixels = x_all[index], pixels_all[index]
            mu, logvar = net.encode(x).chunk(2, dim=1)
            logvar = logvar.clamp(-30, 20)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            out = net.decode(z)
            if m.decoder == "bernoulli":
                nll = F.binary_cross_entropy_with_logits(out, pixels, reduction="none")
            else:
                nll = (
                    0.5 * ((pixels - out) / log_sigma.exp()).pow(2)
                    + log_sigma
                    + 0.5 * math.log(2 * math.pi)
                )
            recon = nll.flatten(1).sum(1)
            kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
            beta = m.beta
            if m.warmup_epochs:
                beta = m.beta * min(1.0, (epoch + step / max(1, steps)) / m.warmup_epochs)
            loss = (recon + beta * kl).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.detach()
            done += 1
        if scheduler is not None:
            scheduler.step()
    clock.mark()
    return clock.seconds(skip=args.warmup), done


def vae_loop(parts: dict[str, Any], args: argparse.Namespace) -> Callable[[], tuple[Spans, int]]:
    """The loop's VAE net (and decoder noise scale), a copy of litlab's initial ones."""
    model = parts["model"]
    fresh = build_model(parts["cfg"], parts["datamodule"].spec)
    net = copy_net(fresh.net, model.net, args.device)
    log_sigma = nn.Parameter(
        model.log_sigma.detach().clone().to(args.device),
        requires_grad=model.log_sigma.requires_grad,
    )
    return lambda: run_vae_loop(parts, net, log_sigma, args)


# ---------------------------------------------------------------------------------- GAN loop
def run_gan_loop(
    parts: dict[str, Any], generator: nn.Module, discriminator: nn.Module, args: argparse.Namespace
) -> tuple[Spans, int]:
    """The hand-written GAN loop; returns the timed epochs and the number of generator steps."""
    cfg, dm, m = parts["cfg"], parts["datamodule"], parts["cfg"].model
    device = torch.device(args.device)
    x, mean, std = served_images(dm, device)
    real_all = (x * std + mean) * 2 - 1  # mapped to [-1, 1] as the model does, once
    total = args.warmup + args.epochs
    opt_g = adam(m.optimizer_g, list(generator.parameters()))
    opt_d = adam(m.optimizer_d, list(discriminator.parameters()))
    schedulers = [cosine(o, cfg, total) for o in (opt_g, opt_d)] if m.get("scheduler") else []
    clip = clipper(cfg)
    batch = dm.device_batch_size
    steps = steps_per_epoch(len(real_all), batch, args)
    generator.train()
    discriminator.train()
    clock, done = Clock(), 0
    for _ in range(total):
        clock.mark()
        order = torch.randperm(len(real_all), device=device)
        running_g = torch.zeros((), device=device)
        running_d = torch.zeros((), device=device)
        for step in range(steps):
            real = real_all[order[step * batch : (step + 1) * batch]]
            fake = generator(torch.randn(len(real), m.latent_dim, device=device))

            d_real, d_fake = discriminator(real), discriminator(fake.detach())
            loss_d = F.binary_cross_entropy_with_logits(
                d_real, torch.ones_like(d_real)
            ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
            loss_d.backward()
            clip(discriminator)
            opt_d.step()
            opt_d.zero_grad()

            discriminator.requires_grad_(False)  # only the generator's gradients, as toggled
            d_fake = discriminator(fake)
            loss_g = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
            loss_g.backward()
            clip(generator)
            opt_g.step()
            opt_g.zero_grad()
            discriminator.requires_grad_(True)

            running_g += loss_g.detach()
            running_d += loss_d.detach()
            done += 1
        for scheduler in schedulers:
            scheduler.step()
    clock.mark()
    return clock.seconds(skip=args.warmup), done


def gan_loop(parts: dict[str, Any], args: argparse.Namespace) -> Callable[[], tuple[Spans, int]]:
    """The loop's generator and discriminator, copies of litlab's initial ones."""
    m, model = parts["cfg"].model, parts["model"]
    if m.conditional:
        raise SystemExit("the loop mirrors the unconditional GAN; the config sets conditional")
    if m.get("scheduler") and m.scheduler.get("interval", "epoch") != "epoch":
        raise SystemExit("the loop steps the GAN's schedules per epoch")
    fresh = build_model(parts["cfg"], parts["datamodule"].spec)
    generator = copy_net(fresh.generator, model.generator, args.device)
    discriminator = copy_net(fresh.discriminator, model.discriminator, args.device)
    return lambda: run_gan_loop(parts, generator, discriminator, args)


LOOPS = {"vae": vae_loop, "gan": gan_loop}


# ---------------------------------------------------------------------------------- report
def bench(args: argparse.Namespace, model: str, data_dir: str) -> dict[str, float]:
    """Alternate litlab and loop runs; print the medians, check that both sides ran the same
    number of steps from the same initial weights, and write the result rows."""
    counts = StepCounts()
    fid_cache = str(Path(tempfile.mkdtemp(prefix="bench-fid-")) / "fid_classifier.ckpt")

    def prepare() -> dict[str, Run]:
        parts = build_litlab(litlab_overrides(args, model, data_dir, fid_cache), model)
        return counts.sides(parts, args.warmup, LOOPS[model](parts, args))

    result = alternate(model, args.repeats, prepare)
    counts.check(model)
    write_rows(args.json, loop_rows(model, result))
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    data_dir = start(args)
    for model in args.models:
        bench(args, model, data_dir)


if __name__ == "__main__":
    main()
