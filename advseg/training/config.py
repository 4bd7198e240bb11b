"""How the networks are trained: one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """How the estimator (and, for adversarial losses, the discriminator) are trained.

    ``iterations`` counts estimator updates; the discriminator makes
    ``d_steps / e_steps`` times as many. The presets in :mod:`advseg.training.presets`
    set these for the paper's GPU budget and for a 2-core CPU.
    """

    loss: str = "adversarial"  # "adversarial" (the paper), "ce" (CE Loss baseline) or "hybrid"
    estimator_form: str = "non_saturating"  # "non_saturating" (code: -log D) or "saturating" (eq. 5: log(1 - D))
    iterations: int = 1000  # estimator updates
    batch_size: int = 16  # B: crops per estimator step; the discriminator sees 2B pairs
    d_steps: int = 20  # discriminator steps per cycle
    e_steps: int = 10  # estimator steps per cycle (the paper's 1:2 ratio is 10:20)
    lr_estimator: float = 1e-3  # learning rate of the estimator (paper 1e-4, code 1e-3)
    lr_discriminator: float = 1e-3  # learning rate of the discriminator
    optimizer: str = "rmsprop_tf"  # "rmsprop_tf", "rmsprop_torch", "adam" or "adamw"
    ema: float = 0.0  # decay of a moving average of the estimator's weights that validation, selection and the model file
    # use (advseg.training.averaging; e.g. 0.99); 0: the weights as trained
    lr_schedule: str = "constant"  # "constant" or "cosine" (warm-up, then down to 5 %) over the estimator's steps
    hybrid_weight: float = 0.5  # p in (1 - p) * adversarial + p * cross-entropy
    class_weights: tuple[float, float, float] | None = None  # cross-entropy weights (background, interior, contour)
    double_softmax: bool = False  # reproduce the original code's softmax-twice cross-entropy
    ce_warmup: int = 0  # estimator steps of pure cross-entropy before the game starts
    manual_smoothing: float = 0.0  # label noise: move manual one-hot pixels up to this far towards random soft labels
    real_label: float = 1.0  # D's target for manual pairs; 0.9 is one-sided label smoothing (estimated pairs stay 0)
    instance_noise: float = 0.0  # sd of Gaussian noise on both of D's segmentation inputs, annealed linearly to 0
    d_input: str = "soft"  # what D sees of the estimate: "soft" (softmax) or "straight_through" (one-hot, soft gradients)
    r1_gamma: float = 0.0  # weight of the R1 penalty gamma/2 * |dD/d manual|^2 on D's manual inputs (Mescheder et al. 2018)
    d_window: int = 0  # D judges the central d_window x d_window px of each pair (0: the estimator's whole output)
    d_max_accuracy: float = 1.0  # a D step is skipped (its counter still advances) when D already classifies more than
    # this share of the step's manual and estimated pairs correctly, so that D cannot win outright (1.0: never skipped)
    validate_every: int = 100  # estimator steps between validations (and model selection)
    select_on: str = "paper_f"  # what selection maximises on the validation frames: "paper_f" (the paper's protocol, on
    # interiors only, as the code) or "nuclei_f1" (F1@0.5 of the watershed's nuclei, interiors grown over the contour:
    # a model that calls background contour, which the paper's protocol does not see, is not chosen)
    checkpoint_every: int = 100  # estimator steps between checkpoints
    log_every: int = 10  # estimator steps between history records
    seed: int = 0  # seeds weights, crops and augmentation
    device: str = "auto"  # "auto", "cpu" or "cuda"
    amp: bool = True  # bfloat16 autocast on CUDA (ignored on the CPU)
    bf16_cpu: bool = False  # bfloat16 autocast for the training steps on the CPU: ~2x faster where the CPU computes in
    # bfloat16 (AVX512-BF16, AMX), much slower where it does not; validation stays float32 (advseg train's default
    # method turns it on where advseg.utils.cpu_bfloat16 finds the CPU computes in bfloat16)
    sampler: str = "auto"  # "host" (NumPy crops, losses read every step), "device" (crops drawn on the device,
    # losses read every log_every steps) or "auto": "device" on CUDA when the augmentation allows, else "host"
    compile: bool = False  # torch.compile the training steps' forward passes: ~1.3x faster steps on a CPU after about a
    # minute of compiling (worth it from a few thousand steps on); sums run in another order, so results differ in the last bits

    def __post_init__(self) -> None:
        from advseg.nn.losses import ESTIMATOR_LOSSES
        from advseg.nn.optimizers import OPTIMIZERS, SCHEDULES

        choices = {"loss": ("adversarial", "ce", "hybrid"), "estimator_form": tuple(ESTIMATOR_LOSSES), "optimizer": tuple(OPTIMIZERS),
                   "sampler": ("auto", "host", "device"), "d_input": ("soft", "straight_through"),
                   "lr_schedule": SCHEDULES, "select_on": ("paper_f", "nuclei_f1")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"`{name}` must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name in ("iterations", "batch_size", "d_steps", "e_steps", "validate_every", "checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be at least 1, got {getattr(self, name)}")
        if self.d_window < 0:
            raise ValueError(f"`d_window` must be 0 (the whole output) or a positive number of pixels, got {self.d_window}")
        if not 0.5 <= self.d_max_accuracy <= 1.0:
            raise ValueError(f"`d_max_accuracy` must be in [0.5, 1] (1: D is never held back), got {self.d_max_accuracy}")
        if not 0.0 <= self.hybrid_weight <= 1.0:
            raise ValueError(f"`hybrid_weight` must be in [0, 1], got {self.hybrid_weight}")
        if not 0.0 <= self.manual_smoothing < 1.0:
            raise ValueError(f"`manual_smoothing` must be in [0, 1), got {self.manual_smoothing}")
        if not 0.5 < self.real_label <= 1.0:
            raise ValueError(f"`real_label` must be in (0.5, 1], got {self.real_label}")
        for name in ("instance_noise", "r1_gamma"):
            if not 0.0 <= getattr(self, name) < float("inf"):
                raise ValueError(f"`{name}` must be a finite number >= 0, got {getattr(self, name)}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"`ema` must be a decay in [0, 1) (0: no average), got {self.ema}")
        if self.ce_warmup < 0:
            raise ValueError(f"`ce_warmup` must be >= 0, got {self.ce_warmup}")
        if not 0 <= self.seed < 2**32:  # numpy's legacy seeding, which some libraries use, takes 32 bits
            raise ValueError(f"`seed` must be an integer from 0 to 2**32 - 1, got {self.seed}")
        for name in ("lr_estimator", "lr_discriminator"):
            if not 0.0 < getattr(self, name) < float("inf"):  # also refuses NaN
                raise ValueError(f"`{name}` must be a positive, finite learning rate, got {getattr(self, name)}")
        weights = self.class_weights
        if weights is not None and (
            len(weights) != 3 or not all(0.0 <= w < float("inf") for w in weights) or sum(weights) <= 0
        ):
            raise ValueError(
                f"`class_weights` must be 3 finite weights >= 0 (background, interior, contour), not all 0, got {list(weights)}"
            )
