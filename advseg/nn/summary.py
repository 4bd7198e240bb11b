"""Layer-by-layer summaries of the networks: output shapes, parameters, receptive fields."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["LayerInfo", "layer_table", "n_parameters"]


@dataclass(frozen=True)
class LayerInfo:
    """One convolution or fully connected layer as it ran on example inputs."""

    name: str  # module path, e.g. "ribs.0.left.0"
    kind: str  # "conv kxk" or "linear"
    out_shape: tuple[int, ...]  # output shape without the batch axis
    n_parameters: int
    receptive_field: int | None  # input pixels one output pixel sees along an axis (stride-1 conv chains only)


def n_parameters(module: nn.Module) -> int:
    """Trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def layer_table(model: nn.Module, *inputs: torch.Tensor) -> list[LayerInfo]:
    """Run ``model`` once on ``inputs`` and describe each Conv2d and Linear layer.

    Receptive fields are accumulated along each module path for stride-1
    convolutions (``1 + sum(k - 1)`` of the convolutions before and including
    the layer on the same branch), which is exact for the paper's estimator and
    for each rib of the discriminator.

    Examples
    --------
    >>> from advseg.nn import PaperEstimator
    >>> [row.receptive_field for row in layer_table(PaperEstimator(), torch.zeros(1, 1, 64, 64))]
    [9, 15, 19, 21, 21]
    """
    rows: list[LayerInfo] = []
    field_by_branch: dict[str, int] = {}

    def hook(name: str):
        def record(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
            if isinstance(module, nn.Conv2d):
                k = module.kernel_size[0]
                parts = name.split(".")
                branch = next((part for part in parts if part in ("left", "right", "centre")), "main")
                field = field_by_branch.get(branch, 1) + (k - 1) if module.stride == (1, 1) else None
                if field is not None:
                    field_by_branch[branch] = field
                rows.append(LayerInfo(name, f"conv {k}x{k}", tuple(output.shape[1:]), n_parameters(module), field))
            else:
                rows.append(LayerInfo(name, "linear", tuple(output.shape[1:]), n_parameters(module), None))
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return rows
