"""Named training recipes: the paper's estimator with a loss, its variants, and the baselines.

A method is what a column of Table 1 trains: an estimator with a loss and
configuration fields (see :func:`advseg.training.presets.get_preset`), or a
baseline. The sweep, ``advseg train --method`` and the result tables all
name methods from :data:`METHODS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_METHOD", "METHODS", "RECOMMENDED", "VALIDATION_IMAGES", "Method"]

DEFAULT_METHOD = "recommended-flat-fit"  # what advseg train trains without --loss or --method
VALIDATION_IMAGES = 16  # model selection (and the fitted cut) on the first 16 validation images, as every sweep cell


@dataclass(frozen=True)
class Method:
    """One column of the table: an estimator trained with a loss, or a baseline."""

    description: str
    loss: str | None = None  # estimator cells: the training loss
    options: tuple[tuple[str, Any], ...] = ()  # estimator cells: configuration fields (see get_preset)
    baseline: str | None = None  # baseline cells: the advseg baseline method
    postprocess: str = "paper"  # how pixel probabilities become nuclei for the reported scores
    min_size: int | None = 50  # smallest nucleus kept, px; None: a tenth of the median training nucleus's area, at most 50

    @property
    def is_estimator(self) -> bool:
        return self.loss is not None


# the recommended estimator's configuration fields (on top of the cpu preset)
RECOMMENDED: tuple[tuple[str, Any], ...] = (
    ("estimator", "unet"), ("unet_depth", 3), ("unet_width", 32), ("crop_size", 112), ("batch_size", 8),
    ("iterations", 1500), ("optimizer", "adamw"), ("lr_estimator", 2e-3), ("lr_schedule", "cosine"), ("ema", 0.99),
    ("normalize", "percentile"), ("validate_every", 100),
)


def _recommended(**changes: Any) -> tuple[tuple[str, Any], ...]:
    """The recommended fields with some of them changed (one ablation)."""
    unknown = set(changes) - {field for field, _ in RECOMMENDED}
    fields = tuple((field, changes.get(field, value)) for field, value in RECOMMENDED)
    return fields + tuple((field, changes[field]) for field in sorted(unknown))


# the game the adversarial-stable* methods play on top of the recommended estimator (the chapter on making the game
# work), with D shown the estimate's straight-through one-hot and manual maps without label noise
_STRAIGHT_THROUGH_GAME = {"hybrid_weight": 10 / 11, "d_input": "straight_through", "manual_smoothing": 0.0,
                          "lr_discriminator": 2e-4, "d_window": 64, "d_steps": 1, "e_steps": 5}


def _game(description: str, **changes: Any) -> Method:
    """The straight-through game on the default's base (flattened background, fitted cut), some fields changed."""
    return Method(description, loss="hybrid", options=_recommended(normalize="flat", **(_STRAIGHT_THROUGH_GAME | changes)),
                  postprocess="watershed-fit", min_size=None)


METHODS: dict[str, Method] = {
    "adversarial": Method("the paper's estimator, adversarial loss only (ADV-N)", loss="adversarial"),
    "ce": Method("the same estimator, pixel-wise cross-entropy only (CE Loss-N)", loss="ce"),
    "hybrid": Method("the same estimator, 0.5 adversarial + 0.5 cross-entropy", loss="hybrid"),
    "ce-double-softmax": Method("cross-entropy on softmax probabilities (the original code's softmax twice)",
                                loss="ce", options=(("double_softmax", True),)),
    # one difference between the paper's text and its code each (the chapter on the paper and its code)
    "ce-layer4-k4": Method("cross-entropy; 4x4 fourth layer as the paper's text (code: 3x3)", loss="ce", options=(("layer4_kernel", 4),)),
    "ce-same-padding": Method("cross-entropy; 'same' padding (code: VALID)", loss="ce", options=(("padding", "same"),)),
    "ce-bn-affine": Method("cross-entropy; batch norm scale and offset trained (code: never)", loss="ce", options=(("bn_affine", True),)),
    "ce-lr-1e-4": Method("cross-entropy; estimator learning rate 1e-4 as the paper's text (code: 1e-3)", loss="ce",
                         options=(("lr_estimator", 1e-4),)),
    "ce-rmsprop-torch": Method("cross-entropy; PyTorch's RMSprop (code: TensorFlow's)", loss="ce", options=(("optimizer", "rmsprop_torch"),)),
    "adversarial-saturating": Method("adversarial; saturating log(1 - D) estimator loss as eq. (5) implies (code: -log D)",
                                     loss="adversarial", options=(("estimator_form", "saturating"),)),
    "adversarial-20-10": Method("adversarial; the paper's 20 D : 10 E schedule, equal learning rates, no label noise",
                                loss="adversarial", options=(("d_steps", 20), ("e_steps", 10), ("lr_discriminator", 1e-3),
                                                             ("manual_smoothing", 0.0))),
    # the discriminator ablation (the paper's contribution 2): same estimator, loss and budget
    "adversarial-concat": Method("adversarial; a plain conditional discriminator (image and segmentation concatenated) "
                                 "instead of the rib cage", loss="adversarial", options=(("discriminator", "concat"),)),
    "adversarial-patch": Method("adversarial; an image-conditioned patch discriminator (pix2pix) instead of the rib cage",
                                loss="adversarial", options=(("discriminator", "patch"),)),
    # stabilisers of the game from the literature, one each
    "adversarial-sn": Method("adversarial; spectral normalisation on every discriminator layer", loss="adversarial",
                             options=(("spectral_norm", True),)),
    "adversarial-smooth-noise": Method("adversarial; one-sided label smoothing (manual target 0.9) and instance noise "
                                       "(sd 0.1, annealed to 0)", loss="adversarial",
                                       options=(("real_label", 0.9), ("instance_noise", 0.1))),
    "hybrid-adv-0.1": Method("cross-entropy + 0.1 adversarial (the scale pix2pix and AdvSemiSeg use; hybrid weight 10/11)",
                             loss="hybrid", options=(("hybrid_weight", 10 / 11),)),
    "hybrid-adv-0.01": Method("cross-entropy + 0.01 adversarial (hybrid weight 100/101)", loss="hybrid",
                              options=(("hybrid_weight", 100 / 101),)),
    "adversarial-warmup": Method("adversarial after 200 estimator steps of cross-entropy alone", loss="adversarial",
                                 options=(("ce_warmup", 200),)),
    "adversarial-ttur": Method("adversarial; two time scales: discriminator learning rate 3x the estimator's (3e-3)",
                               loss="adversarial", options=(("lr_discriminator", 3e-3),)),
    "adversarial-st": Method("adversarial; D sees the estimate's one-hot argmax with soft gradients (straight-through), "
                             "so it cannot win on softness", loss="adversarial", options=(("d_input", "straight_through"),)),
    "adversarial-r1": Method("adversarial; R1 penalty (gamma 10) on D's gradient at manual inputs", loss="adversarial",
                             options=(("r1_gamma", 10.0),)),
    # the recommended adversarial configuration (the chapter on making the game work), chosen on the validation frames:
    # the default's estimator (recommended-flat-fit) with cross-entropy and a 0.1 adversarial term; D (the rib cage on
    # the central 64 px of each 112-px output, one D step per 5 estimator steps, learning rate 2e-4 for AdamW) sees the
    # estimate's softmax and the manual maps with the original code's label noise, so neither kind of map is told by its
    # softness and the estimator follows D's own gradient; the weights are kept on the validation frames' nuclei
    "adversarial-stable": _game("the default's estimator (recommended-flat-fit) with cross-entropy + 0.1 adversarial "
                                "(rib cage on the central 64 px, one D step per 5 estimator steps, D learning rate 2e-4), "
                                "D shown the estimate's softmax and the manual maps with the code's label noise (0.3), "
                                "weights selected on the F1@0.5 of the validation frames' nuclei",
                                select_on="nuclei_f1", d_input="soft", manual_smoothing=0.3),
    # the straight-through game the chapter tried first, and what it was taken apart into (the chapter's diagnosis)
    "adversarial-stable-st": Method("the recommended estimator with cross-entropy + 0.1 adversarial (rib cage on the "
                                    "central 64 px, one D step per 5 estimator steps), D shown the estimate's "
                                    "straight-through one-hot and manual maps without label noise, D learning rate 2e-4",
                                    loss="hybrid", options=_recommended(**_STRAIGHT_THROUGH_GAME), postprocess="watershed",
                                    min_size=None),
    "adversarial-stable-st-flat": _game("adversarial-stable-st on the default's base (recommended-flat-fit): the "
                                        "background flattened before normalisation and the cut of touching nuclei fitted "
                                        "on the validation frames"),
    "adversarial-stable-st-nuclei": _game("adversarial-stable-st-flat with its weights selected on the F1@0.5 of the "
                                          "watershed's nuclei on the validation frames instead of the paper's protocol on "
                                          "interiors (which does not see background called contour)",
                                          select_on="nuclei_f1"),
    "adversarial-stable-st-held": _game("adversarial-stable-st-nuclei with D held back: a D step is skipped when D "
                                        "already classifies more than 75 % of its pairs correctly, so that it cannot win "
                                        "the game outright", select_on="nuclei_f1", d_max_accuracy=0.75),
    # the best configuration found for real data
    "unet-ce-ws": Method("U-Net estimator, cross-entropy, percentile normalisation, 2000 steps, watershed post-processing",
                         loss="ce", options=(("estimator", "unet"), ("normalize", "percentile"), ("iterations", 2000)),
                         postprocess="watershed"),
    "unet-ce-ws-crop96": Method("unet-ce-ws with 96-px training crops and 2500 steps (more context per crop)", loss="ce",
                                options=(("estimator", "unet"), ("normalize", "percentile"), ("crop_size", 96),
                                         ("iterations", 2500)), postprocess="watershed"),
    # the same for other microscopes: contrast and scale it never saw (robust normalisation, intensity and zoom)
    "unet-ce-ws-crop96-aug": Method("unet-ce-ws-crop96 with robust normalisation, intensity augmentation and zoom 1/1.5-1.5",
                                    loss="ce", options=(("estimator", "unet"), ("normalize", "robust"), ("crop_size", 96),
                                                        ("iterations", 2500), ("intensity_augment", True),
                                                        ("scale_augment", 1.5)), postprocess="watershed"),
    # the recommended estimator for a user's own few frames, and its ablation: each recommended-* method undoes one
    # of its choices (advseg train FOLDER's default, recommended-flat-fit, adds a flattened background and a fitted cut)
    "recommended": Method("U-Net with three poolings (width 32, an output pixel sees ~85 px), cross-entropy, AdamW with a "
                          "cosine schedule, a moving average of the weights, 112-px crops, percentile normalisation, watershed "
                          "keeping nuclei down to a tenth of the median training nucleus's area (at most 50 px)",
                          loss="ce", options=RECOMMENDED, postprocess="watershed", min_size=None),
    "recommended-split": Method("recommended scored with watershed-split post-processing (advseg segment's default): "
                                "interiors cut where their shape holds several nuclei before growing over the contour",
                                loss="ce", options=RECOMMENDED, postprocess="watershed-split", min_size=None),
    "recommended-depth2": Method("recommended with the two-pooling U-Net of width 16 (unet-ce-ws's network)", loss="ce",
                                 options=_recommended(unet_depth=2, unet_width=16), postprocess="watershed", min_size=None),
    "recommended-rmsprop": Method("recommended with the code's optimiser: TF RMSProp, lr 1e-3, constant", loss="ce",
                                  options=_recommended(optimizer="rmsprop_tf", lr_estimator=1e-3, lr_schedule="constant"),
                                  postprocess="watershed", min_size=None),
    "recommended-noema": Method("recommended selecting the weights as trained, not their moving average", loss="ce",
                                options=_recommended(ema=0.0), postprocess="watershed", min_size=None),
    "recommended-aug": Method("recommended with robust normalisation, intensity augmentation and zoom 1/1.25-1.25", loss="ce",
                              options=_recommended(normalize="robust", intensity_augment=True, scale_augment=1.25),
                              postprocess="watershed", min_size=None),
    "recommended-intensity": Method("recommended with intensity augmentation only (gain, offset, gamma, noise, blur; "
                                    "percentile normalisation and no zoom, as recommended)", loss="ce",
                                    options=_recommended(intensity_augment=True), postprocess="watershed", min_size=None),
    "recommended-flat": Method("recommended with a smooth background field subtracted from every image before its "
                               "percentile normalisation (uneven, drifting illumination)", loss="ce",
                               options=_recommended(normalize="flat"), postprocess="watershed", min_size=None),
    "recommended-flat-split": Method("recommended-flat scored with watershed-split post-processing (the same training; "
                                     "sweep-cell --rescore-of recommended-flat)", loss="ce",
                                     options=_recommended(normalize="flat"), postprocess="watershed-split", min_size=None),
    "recommended-flat-fit": Method("recommended-flat scored with watershed-fit: the watershed-split cut (its depth, and "
                                   "the contour probability as a barrier or not) fitted on the validation frames (the same "
                                   "training; sweep-cell --rescore-of recommended-flat)", loss="ce",
                                   options=_recommended(normalize="flat"), postprocess="watershed-fit", min_size=None),
    "recommended-flat-fit-bf16": Method("recommended-flat-fit with its training steps in bfloat16 on the CPU "
                                        "(TrainConfig.bf16_cpu: about 2x faster steps where the CPU computes in bfloat16, "
                                        "AVX512-BF16 or AMX; validation and use stay float32)", loss="ce",
                                        options=_recommended(normalize="flat", bf16_cpu=True), postprocess="watershed-fit",
                                        min_size=None),
    "recommended-crop64": Method("recommended with 64-px crops, 3x as many a step (as many pixels)", loss="ce",
                                 options=_recommended(crop_size=64, batch_size=24), postprocess="watershed", min_size=None),
    "recommended-short": Method("recommended with half the steps (750)", loss="ce", options=_recommended(iterations=750),
                                postprocess="watershed", min_size=None),
    "recommended-min50": Method("recommended keeping nuclei of 50 px and more (the original code's), not a tenth of the "
                                "training nuclei's area", loss="ce", options=RECOMMENDED, postprocess="watershed"),
    "recommended-onesize": Method("recommended trained at one nucleus size, as Cellpose: every training frame rescaled so "
                                  "its median nucleus is 20 px across, every validation and test image from its "
                                  "estimated nucleus size", loss="ce", options=_recommended(train_diameter=20.0),
                                  postprocess="watershed", min_size=None),
    # a generalist candidate: the recommended estimator for many microscopes, trained longer on all training images
    "recommended-generalist": Method("recommended with intensity augmentation (gain, offset, gamma, noise, blur) and zoom "
                                     "1/1.5-1.5, 3,000 steps, validated every 250", loss="ce",
                                     options=_recommended(iterations=3000, validate_every=250, intensity_augment=True,
                                                          scale_augment=1.5),
                                     postprocess="watershed", min_size=None),
    # the shipped generalist's recipe: the default trained at one nucleus size (what advseg segment rescales every image
    # to), longer, on all training images
    "recommended-flat-generalist": Method("recommended-flat-fit trained at one nucleus size (every training and validation "
                                          "frame rescaled so its median nucleus is 20 px across, every test image from its "
                                          "estimated nucleus size), 4,000 steps in bfloat16 on the CPU, validated every 250",
                                          loss="ce", options=_recommended(normalize="flat", train_diameter=20.0,
                                                                          iterations=4000, validate_every=250,
                                                                          bf16_cpu=True),
                                          postprocess="watershed-fit", min_size=None),
    "ilastik-style": Method("Ilastik-style random forest on Ilastik's filter bank", baseline="ilastik-style"),
    "watershed": Method("Otsu threshold + distance-transform watershed", baseline="watershed"),
    "cellpose-scratch": Method("Cellpose 3 trained from random initialisation on the same frames (the field's peer)",
                               baseline="cellpose-scratch"),
}
