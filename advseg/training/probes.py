"""Probes of the game: what the discriminator tells apart, and what the estimator does, at one moment of training.

The literature's hypotheses for the collapse of the adversarial estimator
(``docs``: adversarial-literature.md, "What this suggests for our collapse")
each predict how D rates a few variants of one batch. :func:`probe_game`
measures them in one call, D in eval mode (its running statistics, no update):

- *D wins on softness*: D on manual one-hot maps, on the estimate's softmax, on
  its one-hot argmax, and on manual maps softened to the estimate's entropy; and
  how well the per-map mean entropy alone separates manual from estimated.
- *"All contour" costs nothing*: D on manual maps with interior and contour
  swapped; the estimator's class fractions and the share of manual interior it
  labels contour.
- *D ignores the image*: D on manual maps paired with another crop's image.
- *Batch-norm leak*: D's accuracy in train mode on pure batches (all manual, or
  all estimated) against the mixed batch it trains on.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from advseg.training.game import centre_crop, manual_maps, one_hot_maps

if TYPE_CHECKING:
    from advseg.training.trainer import Trainer

__all__ = ["entropy", "entropy_separability", "probe_callback", "probe_game", "soften_to_entropy", "swap_interior_contour"]


def entropy(maps: torch.Tensor) -> torch.Tensor:
    """Per-map mean pixel entropy, nats: (B, 3, h, w) -> (B,)."""
    return -(maps.clamp_min(1e-12).log() * maps).sum(dim=1).flatten(1).mean(dim=1)


def soften_to_entropy(maps: torch.Tensor, target: float) -> torch.Tensor:
    """One-hot ``maps`` mixed with the uniform distribution so that their mean entropy is ``target`` nats.

    Examples
    --------
    >>> soft = soften_to_entropy(one_hot_maps(torch.zeros(1, 4, 4, dtype=torch.long)), 0.5)
    >>> round(float(entropy(soft).mean()), 3)
    0.5
    """
    low, high = 0.0, 1.0
    for _ in range(40):  # bisection on the mixing weight: entropy rises with it
        mid = (low + high) / 2
        if float(entropy((1 - mid) * maps + mid / maps.shape[1]).mean()) < target:
            low = mid
        else:
            high = mid
    weight = (low + high) / 2
    return (1 - weight) * maps + weight / maps.shape[1]


def swap_interior_contour(maps: torch.Tensor) -> torch.Tensor:
    """(B, 3, h, w) maps with the interior and contour channels exchanged."""
    return maps[:, [0, 2, 1]]


def entropy_separability(manual: torch.Tensor, estimated: torch.Tensor) -> float:
    """Best accuracy of one threshold on per-map mean entropy at telling manual from estimated maps.

    1.0 means entropy alone separates them (what a discriminator could learn
    without looking at shapes); 0.5 means it says nothing.
    """
    values = torch.cat([entropy(manual), entropy(estimated)]).cpu().numpy()
    labels = np.r_[np.ones(len(manual)), np.zeros(len(estimated))]
    best = 0.5
    for threshold in np.unique(values):
        predicted = values <= threshold  # manual maps are the sharper ones
        best = max(best, float((predicted == labels).mean()), float((~predicted == labels).mean()))
    return best


def _rate(discriminator: torch.nn.Module, images: torch.Tensor, maps: torch.Tensor) -> torch.Tensor:
    """D's probability of "manual" per pair, averaged over any spatial output: (B,)."""
    return torch.sigmoid(discriminator(images, maps).float()).flatten(1).mean(dim=1)


def _accuracy(on_manual: torch.Tensor, on_estimated: torch.Tensor) -> float:
    """D's balanced accuracy: manual pairs rated above 0.5, estimated ones below."""
    return 0.5 * float((on_manual > 0.5).float().mean() + (on_estimated < 0.5).float().mean())


@torch.no_grad()
def probe_game(trainer: Trainer, *, batch_size: int = 32) -> dict[str, Any]:
    """Measure the discriminator and the estimator on one fresh batch of training crops.

    The batch is drawn with a copy of the trainer's sampler, so training
    continues with the crops it would have drawn anyway.

    Parameters
    ----------
    trainer : Trainer
        An adversarial or hybrid trainer (it has a discriminator).
    batch_size : int, optional

    Returns
    -------
    dict
        ``d_manual``, ``d_manual_noised`` (with the training label noise), ``d_estimated``, ``d_argmax``, ``d_softened_manual``,
        ``d_swapped_manual``, ``d_mismatched_manual``: D's mean "manual"
        probability on each variant; ``d_accuracy`` (eval mode),
        ``d_accuracy_mixed`` and ``d_accuracy_pure`` (train mode, shared or
        separate batch statistics); ``entropy_separability``; the estimator's
        ``fraction_background``, ``fraction_interior``, ``fraction_contour``
        and ``interior_as_contour`` (share of manual interior pixels it labels
        contour); ``entropy_manual`` and ``entropy_estimated``.
    """
    if trainer.discriminator is None:
        raise ValueError("`trainer` has no discriminator to probe (it trains with cross-entropy alone)")
    cuda = [trainer.device.index or 0] if trainer.device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):  # the probe's label noise must not shift training's random stream
        return _probe(trainer, batch_size=batch_size)


def _probe(trainer: Trainer, *, batch_size: int) -> dict[str, Any]:
    sampler = copy.deepcopy(trainer.sampler)
    images, targets = sampler.sample(batch_size)
    device = trainer.device
    images = torch.as_tensor(images, device=device).contiguous(memory_format=torch.channels_last)
    targets = torch.as_tensor(targets, device=device)
    estimator, discriminator = trainer.estimator, trainer.discriminator
    modes = (estimator.training, discriminator.training)
    estimator.eval()
    discriminator.eval()
    try:
        size = trainer.d_size  # what D judges of each pair
        probs = centre_crop(torch.softmax(estimator(images).float(), dim=1), size)  # (B, 3, s, s)
        images, targets = centre_crop(images, size), centre_crop(targets, size)
        manual = one_hot_maps(targets)  # as D's targets before label noise
        argmax = one_hot_maps(probs.argmax(dim=1))
        h_estimated = float(entropy(probs).mean())
        noised = manual_maps(targets, smoothing=trainer.config.manual_smoothing)  # as D is trained on them
        ratings = {
            "d_manual": _rate(discriminator, images, manual),
            "d_manual_noised": _rate(discriminator, images, noised),
            "d_estimated": _rate(discriminator, images, probs),
            "d_argmax": _rate(discriminator, images, argmax),
            "d_softened_manual": _rate(discriminator, images, soften_to_entropy(manual, h_estimated)),
            "d_swapped_manual": _rate(discriminator, images, swap_interior_contour(manual)),
            "d_mismatched_manual": _rate(discriminator, images.roll(1, dims=0), manual),
        }
        result: dict[str, Any] = {key: float(value.mean()) for key, value in ratings.items()}
        result["d_accuracy"] = _accuracy(ratings["d_manual"], ratings["d_estimated"])
        trained = copy.deepcopy(discriminator).train()  # train-mode batch statistics, running ones left alone
        both = _rate(trained, torch.cat([images, images]), torch.cat([manual, probs]))
        result["d_accuracy_mixed"] = _accuracy(both[:batch_size], both[batch_size:])
        result["d_accuracy_pure"] = _accuracy(_rate(trained, images, manual), _rate(trained, images, probs))
        result["entropy_separability"] = entropy_separability(noised, probs)  # what D could learn from softness alone
        predicted = probs.argmax(dim=1)
        for index, name in enumerate(("background", "interior", "contour")):
            result[f"fraction_{name}"] = float((predicted == index).float().mean())
        interior = targets == 1
        result["interior_as_contour"] = float((predicted[interior] == 2).float().mean()) if bool(interior.any()) else 0.0
        result["entropy_manual"], result["entropy_estimated"] = float(entropy(noised).mean()), h_estimated
    finally:
        estimator.train(modes[0])
        discriminator.train(modes[1])
    return result


def probe_callback(*, batch_size: int = 32) -> Any:
    """A trainer callback that probes the game after every validation and appends to ``run_dir/probes.jsonl``.

    Each line holds the estimator step, the validation paper F of that step and
    :func:`probe_game`'s measurements; without a run folder the lines go to
    ``trainer.metadata["probes"]``.
    """
    import json

    def callback(trainer: Trainer, record: dict[str, Any]) -> None:
        line = {"step_e": trainer.step_e, "val_paper_f": record.get("val_paper_f")} | probe_game(trainer, batch_size=batch_size)
        if trainer.run_dir is None:
            trainer.metadata.setdefault("probes", []).append(line)
            return
        with (trainer.run_dir / "probes.jsonl").open("a") as handle:
            handle.write(json.dumps(line) + "\n")

    return callback
