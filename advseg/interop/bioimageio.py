"""Export an advseg model to the bioimage.io model format (deepImageJ in Fiji, napari, bioimage.io).

The package holds TorchScript weights (:mod:`advseg.interop.torchscript`: raw
tile in, background / interior / contour probabilities out, any size), the
model's normalisation as bioimage.io preprocessing where the format has it, a
test input and the output advseg computes for it, a cover, documentation and
the paper's citation. ``bioimageio.core`` (optional: ``pip install
bioimageio.core``) builds and tests it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from advseg.data.atomic import make_staging_dir
from advseg.interop.export_checks import check_name, check_replaceable
from advseg.data.augment import normalize
from advseg.data.io import check_output_dir
from advseg.evaluation.postprocess import SPLIT_DEPTH
from advseg.evaluation.segment import recorded_min_size
from advseg.interop.background import FlatNormalize
from advseg.interop.contrast import RobustNormalize
from advseg.interop.torchscript import to_torchscript

if TYPE_CHECKING:
    from advseg.training.modelfile import LoadedModel

__all__ = ["CLASSES", "Exported", "check_name", "export_bioimageio", "sample_tile"]

CLASSES = ("background", "interior", "contour")
PAPER = "Arbelle A., Riklin Raviv T. Microscopy cell segmentation via adversarial neural networks. ISBI 2018."
PAPER_URL = "https://arxiv.org/abs/1709.05860"
MIN_SIDE = 16  # smallest tile the exported module is declared for, px
SAMPLE_SIDE = 256  # side of the test tile cut from the sample image, px
EXPORTABLE_NORMALIZATION = ("none", "percentile", "robust", "flat")
_INSIDE = {"robust": RobustNormalize, "flat": FlatNormalize}  # no bioimage.io preprocessing does these: the module does


@dataclass(frozen=True)
class Exported:
    """What :func:`export_bioimageio` wrote and how the package's own test went."""

    folder: Path  # the package folder, with rdf.yaml
    rdf: Path
    passed: bool | None  # None when the test was not run
    report: str  # bioimageio.core's test summary as text ("" when not run)


def _require_bioimageio() -> None:
    try:
        import bioimageio.core  # noqa: F401
        import bioimageio.spec  # noqa: F401
    except ImportError as error:
        raise ImportError("export to bioimage.io needs bioimageio.core: pip install bioimageio.core") from error


def sample_tile(image: np.ndarray, *, side: int = SAMPLE_SIDE) -> np.ndarray:
    """The centre ``side`` x ``side`` tile of a 2-D image (all of it if smaller), as float32.

    Parameters
    ----------
    image : (H, W) ndarray
    side : int, optional

    Returns
    -------
    (h, w) ndarray of float32, h = min(H, side), w = min(W, side)
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"`image` must be a 2-D (H, W) array, got shape {image.shape}")
    if min(image.shape) < MIN_SIDE:
        raise ValueError(f"`image` must be at least {MIN_SIDE} px on each side, got shape {image.shape}")
    H, W = image.shape
    h, w = min(H, side), min(W, side)
    y, x = (H - h) // 2, (W - w) // 2
    tile = np.ascontiguousarray(image[y : y + h, x : x + w], dtype=np.float32)
    if tile.min() == tile.max():  # bioimage.io's test needs an input that varies, and a user a sample that shows nuclei
        raise ValueError(f"`image`'s centre {h} x {w} px is constant ({tile.min():g}); give a sample that shows nuclei")
    return tile


def _cover(tile: np.ndarray, probs: np.ndarray, path: Path) -> None:
    """A 2:1 cover: the test tile and its three-class probabilities as RGB."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    grey = np.clip(normalize(tile, mode="percentile"), 0, 1)
    rgb = np.stack([probs[2], probs[1], np.zeros_like(probs[0])], axis=-1)  # contour red, interior green
    fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=100)
    for ax, picture, title in zip(axes, (grey, rgb), ("input", "interior (green), contour (red)")):
        ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _documentation(model: LoadedModel, name: str) -> str:
    config = model.data_config
    diameter = model.metadata.get("diameter")
    size = (f"Rescale images so that nuclei are about **{float(diameter):.1f} px** across (the median diameter of the "
            "training annotations) before running the model." if diameter else
            "The model file records no nucleus diameter; use images at the scale it was trained on.")
    norm = {"none": "raw intensities (the network's first batch norm normalises)",
            "percentile": f"intensities scaled so that the {config.percentiles[0]:g} and {config.percentiles[1]:g} "
                          "percentiles of each image map to 0 and 1 (the package's preprocessing does it)",
            "robust": "raw intensities: the model itself maps each input's background to 0 and its typical nucleus to 1 "
                      "(Otsu on a smoothed image; advseg.data.contrast), so give it whole images or large tiles",
            "flat": "raw intensities: the model itself subtracts a smooth background field (uneven illumination; "
                    f"advseg.data.background) and maps the {config.percentiles[0]:g} and {config.percentiles[1]:g} "
                    "percentiles of the result to 0 and 1, so give it whole images or large tiles"}
    split = model.metadata.get("split") or {"depth": SPLIT_DEPTH, "barrier": None}
    cut = f"{float(split['depth']):g} of the nucleus diameter above their saddle" + (
        f"; pixels whose contour probability reaches {float(split['barrier']):g} count as edge" if split.get("barrier") else "")
    if model.metadata.get("split"):
        cut += ", the cut fitted on the model's validation frames"
    min_size = recorded_min_size(model.metadata)
    return f"""# {name}

An estimator from [advseg](https://github.com/advseg/advseg), the reproduction of *Microscopy Cell
Segmentation via Adversarial Neural Networks* (Arbelle & Riklin Raviv, ISBI 2018, {PAPER_URL}).

- **Input** `raw`: one fluorescence channel of nuclei, (batch, channel, y, x), float32, any size of at
  least {MIN_SIDE} x {MIN_SIDE} px; {norm.get(config.normalize, config.normalize)}.
- **Output** `probabilities`: (batch, 3, y, x) softmax probabilities of {", ".join(CLASSES)}.
- **Scale**: {size}
- **Network**: {model.model_config.estimator} estimator ({model.model_config.padding} convolutions), trained
  with the {model.metadata.get("loss", "?")} loss on {model.metadata.get("n_train", "?")} annotated frames
  of `{Path(str(model.metadata.get("data", "?"))).name}`.

## From probabilities to nuclei

Threshold the interior probability (interior >= 0.5), label its connected components, cut a
component where its shape holds several nuclei (at the tops of its smoothed distance to the edge
that rise {cut}), and grow each piece over the pixels not called background (a watershed on the
background probability); drop objects under {min_size} px. `advseg segment` does exactly this,
with the rescaling above; in Fiji, a threshold on the interior channel followed by *Analyze
Particles* gives the interiors.

## Validation

The package's test input is the centre tile of an image of the kind the model segments; its test
output is what advseg's own inference computes for it. `bioimageio test rdf.yaml` (bioimageio.core)
reproduces it from the TorchScript weights and the preprocessing above.

## Cite

{PAPER}
"""


def _description(model: LoadedModel, files: dict[str, Path], *, name: str, shape: tuple[int, int]) -> Any:
    from bioimageio.spec.model.v0_5 import (
        Author, AxisId, BatchAxis, ChannelAxis, CiteEntry, FileDescr, HttpUrl, Identifier, InputTensorDescr,
        IntervalOrRatioDataDescr, LicenseId, ModelDescr, OutputTensorDescr, ParameterizedSize, ScaleRangeDescr,
        ScaleRangeKwargs, SizeReference, SpaceInputAxis, SpaceOutputAxis, TensorId, TorchscriptWeightsDescr,
        Version, WeightsDescr,
    )

    preprocessing = []
    if model.data_config.normalize == "percentile":
        low, high = model.data_config.percentiles
        preprocessing.append(ScaleRangeDescr(kwargs=ScaleRangeKwargs(
            axes=[AxisId("y"), AxisId("x")], min_percentile=low, max_percentile=high, eps=1e-6)))
    raw = TensorId("raw")
    inputs = InputTensorDescr(
        id=raw, description="one fluorescence channel of nuclei",
        axes=[BatchAxis(), ChannelAxis(channel_names=[Identifier("nuclei")]),
              SpaceInputAxis(id=AxisId("y"), size=ParameterizedSize(min=MIN_SIDE, step=1)),
              SpaceInputAxis(id=AxisId("x"), size=ParameterizedSize(min=MIN_SIDE, step=1))],
        test_tensor=FileDescr(source=files["test_input"]), data=IntervalOrRatioDataDescr(type="float32"),
        preprocessing=preprocessing,
    )
    outputs = OutputTensorDescr(
        id=TensorId("probabilities"), description="softmax probabilities of background, interior and contour",
        axes=[BatchAxis(), ChannelAxis(channel_names=[Identifier(c) for c in CLASSES]),
              SpaceOutputAxis(id=AxisId("y"), size=SizeReference(tensor_id=raw, axis_id=AxisId("y"))),
              SpaceOutputAxis(id=AxisId("x"), size=SizeReference(tensor_id=raw, axis_id=AxisId("x")))],
        test_tensor=FileDescr(source=files["test_output"]), data=IntervalOrRatioDataDescr(type="float32"),
    )
    return ModelDescr(
        name=name,
        description=f"Nucleus segmentation into background, interior and contour ({model.model_config.estimator} "
                    f"estimator, {model.metadata.get('loss', 'advseg')} loss); Arbelle & Riklin Raviv, ISBI 2018.",
        authors=[Author(name="the advseg authors")],
        cite=[CiteEntry(text=PAPER, url=HttpUrl(PAPER_URL))],
        license=LicenseId("MIT"),
        documentation=FileDescr(source=files["documentation"]),
        covers=[FileDescr(source=files["cover"])],
        tags=["nuclei", "segmentation", "fluorescence-light-microscopy", "2d", "pytorch", "advseg"],
        inputs=[inputs],
        outputs=[outputs],
        weights=WeightsDescr(torchscript=TorchscriptWeightsDescr(
            source=files["weights"], pytorch_version=Version(torch.__version__.split("+")[0]))),
        config={"advseg": {"diameter_px": model.metadata.get("diameter"), "normalize": model.data_config.normalize,
                           "percentiles": list(model.data_config.percentiles), "test_tile": list(shape)}},
    )


def export_bioimageio(
    model: LoadedModel,
    out: str | os.PathLike,
    *,
    sample: np.ndarray,
    name: str = "advseg nucleus estimator",
    overwrite: bool = False,
    test: bool = True,
) -> Exported:
    """Write ``model`` as a bioimage.io model package folder and test it with bioimageio.core.

    Parameters
    ----------
    model : LoadedModel
        From :func:`advseg.training.modelfile.load_model`.
    out : path-like
        The package folder to create (refused if it exists and is not empty,
        unless ``overwrite``); written in a staging folder and renamed into
        place, so nothing half-written is left on failure.
    sample : (H, W) ndarray
        A raw image of the kind the model segments; its centre tile (at most
        256 x 256 px) becomes the package's test input.
    name : str, optional
    overwrite : bool, optional
    test : bool, optional
        Run bioimageio.core's test of the written package (loads the weights,
        runs the test input, compares with the test output).

    Returns
    -------
    Exported

    Raises
    ------
    ImportError
        If bioimageio.core is not installed.
    FileExistsError
        If ``out`` is a file, or a non-empty folder and ``overwrite`` is false, or (with
        ``overwrite``) a folder that is not an earlier package (no ``rdf.yaml``) or holds
        the working folder.
    ValueError
        If ``sample`` is not a 2-D image of at least 16 x 16 px, or the
        model's normalisation is not one of :data:`EXPORTABLE_NORMALIZATION`.
    """
    _require_bioimageio()
    from bioimageio.spec import save_bioimageio_package_as_folder

    if model.data_config.normalize not in EXPORTABLE_NORMALIZATION:
        raise ValueError(f"the model's normalisation {model.data_config.normalize!r} cannot be exported; "
                         f"export takes models normalised with {' or '.join(repr(m) for m in EXPORTABLE_NORMALIZATION)}")
    check_name(name)
    out = check_output_dir(out, overwrite=overwrite)  # written in a staging folder, renamed into place at the end
    check_replaceable(out)
    tile = sample_tile(sample)
    inside = model.data_config.normalize in _INSIDE
    module = to_torchscript(model.estimator, normalize=_INSIDE[model.data_config.normalize](
        percentiles=model.data_config.percentiles) if inside else None)
    x = tile if inside else normalize(tile, mode=model.data_config.normalize, percentiles=model.data_config.percentiles)
    with torch.no_grad():
        probs = module(torch.from_numpy(x)[None, None]).numpy()  # (1, 3, h, w)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = make_staging_dir(out.parent, f"{out.name}-files")
    staging = make_staging_dir(out.parent, out.name)
    try:
        files = {"weights": work / "weights.torchscript.pt", "test_input": work / "test_input.npy",
                 "test_output": work / "test_output.npy", "cover": work / "cover.png",
                 "documentation": work / "README.md"}
        module.save(str(files["weights"]))
        np.save(files["test_input"], tile[None, None])
        np.save(files["test_output"], probs.astype(np.float32))
        _cover(tile, probs[0], files["cover"])
        files["documentation"].write_text(_documentation(model, name))
        description = _description(model, files, name=name, shape=tile.shape)
        shutil.rmtree(staging)
        save_bioimageio_package_as_folder(description, output_path=staging)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    rdf = out / "rdf.yaml"
    if not test:
        return Exported(folder=out, rdf=rdf, passed=None, report="")
    from bioimageio.core import test_model

    summary = test_model(rdf)
    return Exported(folder=out, rdf=rdf, passed=summary.status == "passed", report=summary.format())
