"""Nucleus size end to end: measured in training, matched in segmentation, labels at the image's own size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from advseg.cli.main import main
from advseg.data.config import DataConfig
from advseg.data.diameter import annotation_advice, estimate_diameter, median_diameter
from advseg.evaluation.scale import choose_scale, segment_at_scale
from advseg.nn.config import ModelConfig
from advseg.nn.estimators import PaperEstimator
from advseg.training.modelfile import save_model


def disks(radius: int, shape: tuple[int, int] = (192, 224), spacing: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright disks of ``radius`` on a dim noisy background, and their labels."""
    spacing = spacing or 3 * radius
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    labels = np.zeros(shape, np.uint16)
    k = 0
    for cy in range(spacing, shape[0] - radius, spacing):
        for cx in range(spacing, shape[1] - radius, spacing):
            k += 1
            labels[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] = k
    image = 100 + 400 * (labels > 0) + np.random.default_rng(0).normal(0, 10, shape)
    return image.astype(np.float32), labels


@pytest.mark.parametrize("radius", [3, 5, 10, 20])
def test_estimated_diameter_is_within_a_fifth_of_the_truth(radius: int) -> None:
    image, labels = disks(radius, shape=(256, 256))
    truth = median_diameter([labels])
    assert abs(estimate_diameter(image) / truth - 1) < 0.2, (estimate_diameter(image), truth)


def test_the_estimate_is_made_at_half_resolution_and_again_at_full_for_small_nuclei(monkeypatch: pytest.MonkeyPatch) -> None:
    import advseg.data.diameter as diameter_module

    calls, real = [], diameter_module._blob_diameter
    monkeypatch.setattr(diameter_module, "_blob_diameter", lambda x, factor, **kw: (calls.append(factor), real(x, factor, **kw))[1])
    for radius, shape, factors in ((10, (256, 256), [2]), (3, (256, 256), [2, 1]), (3, (100, 120), [1])):
        calls.clear()
        estimate_diameter(disks(radius, shape=shape)[0])
        assert calls == factors, (radius, shape)  # 6 px nuclei: under 4 px on the coarse grid; small images: full only


def test_the_estimate_does_not_depend_on_its_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    image, _ = disks(7, shape=(200, 260))
    one = estimate_diameter(image, workers=1)
    assert estimate_diameter(image, workers=2) == one
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the default follows the thread count the process was given
    assert estimate_diameter(image) == one


def test_median_diameter_refuses_empty_labels() -> None:
    with pytest.raises(ValueError, match="at least one nucleus"):
        median_diameter([np.zeros((4, 4), int)])


def discs(radius: int, count: int, *, size: int = 256) -> np.ndarray:
    """``count`` separate discs of ``radius`` px in a row-major grid."""
    labels = np.zeros((size, size), np.int32)
    yy, xx = np.mgrid[:size, :size]
    step = 2 * radius + 4
    for k in range(count):
        cy, cx = radius + 2 + step * (k // (size // step)), radius + 2 + step * (k % (size // step))
        labels[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2] = k + 1
    return labels


def test_annotation_advice() -> None:
    assert annotation_advice([discs(6, 30)], crop_size=64) == []  # 30 nuclei of ~13 px: nothing to say
    few = annotation_advice([discs(6, 5), discs(6, 4)], crop_size=64)
    assert len(few) == 1 and few[0].startswith("only 9 annotated nuclei in 2 images")
    large = annotation_advice([discs(12, 25)], crop_size=64)  # ~25 px across, more than a third of 64
    assert len(large) == 1 and "large for 64-px training crops" in large[0] and "crop_size=96" in large[0]
    measured = annotation_advice([discs(6, 30)], crop_size=64, diameter=30.0)  # a diameter given is used as it is
    assert len(measured) == 1 and "30 px across" in measured[0]
    tiny = annotation_advice([discs(2, 40)], crop_size=64)
    assert len(tiny) == 1 and "upscale" in tiny[0]
    assert annotation_advice([np.zeros((8, 8), int)], crop_size=64) == [
        "only 0 annotated nuclei in 1 image: a network learns little from fewer than 20; annotate more nuclei or more images"]
    whole = annotation_advice([np.ones((48, 48), int)], crop_size=64)  # one nucleus filling the frame, no background
    assert whole[0].startswith("only 1 annotated nucleus in 1 image") and "large for 64-px training crops" in whole[1]


def test_scale_choice() -> None:
    image = np.zeros((8, 8))
    assert choose_scale(image, model_diameter=20.0, diameter=21.0).scale == 1.0  # within 10 %: as it is
    assert choose_scale(image, model_diameter=20.0, diameter=None).source.startswith("not rescaled")
    clipped = choose_scale(image, model_diameter=20.0, diameter=1e-3)
    assert clipped.scale == 10.0 and clipped.capped and "x10.00 (held at the limit; x2e+04 asked for)" in clipped.describe()
    assert not choose_scale(image, model_diameter=20.0, diameter=10.0).capped
    with pytest.raises(ValueError, match="`diameter` must be a positive number of pixels"):
        choose_scale(image, model_diameter=20.0, diameter=-4.0)
    with pytest.raises(ValueError, match="`diameter` must be a number of pixels, 'auto' or None"):
        choose_scale(image, model_diameter=20.0, diameter="big")


def test_labels_come_back_at_the_image_size() -> None:
    image, labels = disks(10)
    seen = []
    out = segment_at_scale(lambda x: (seen.append(x.shape), labels[: x.shape[0], : x.shape[1]])[1], image, 0.5)
    assert seen == [(96, 112)] and out.shape == image.shape and out.dtype == labels.dtype


def test_segment_rescales_to_the_models_diameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image, _ = disks(12)
    tifffile.imwrite(tmp_path / "big.tif", image.astype(np.uint16))
    save_model(tmp_path / "m.pt", PaperEstimator().eval(), model_config=ModelConfig(), data_config=DataConfig(),
               metadata={"diameter": 12.0})
    model = str(tmp_path / "m.pt")
    assert main(["segment", model, str(tmp_path / "big.tif"), "--out", str(tmp_path / "a"), "--diameter", "24"]) == 0
    assert "big.tif: 0 nuclei; diameter 24.0 px (given) -> x0.50 to the model's 12.0 px" in capsys.readouterr().out
    assert tifffile.imread(tmp_path / "a" / "big_labels.tif").shape == image.shape
    assert main(["segment", model, str(tmp_path / "big.tif"), "--out", str(tmp_path / "b")]) == 0
    assert "(estimated) -> x0.5" in capsys.readouterr().out
    assert main(["segment", model, str(tmp_path / "big.tif"), "--out", str(tmp_path / "c"), "--diameter", "none"]) == 0
    assert "not rescaled (no diameter asked for)" in capsys.readouterr().out


def test_segment_refuses_a_bad_diameter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["segment", "m.pt", "x.tif", "--out", str(tmp_path / "o"), "--diameter", "-3"])
    assert "must be a positive number of pixels" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_frames_are_brought_to_one_nucleus_size() -> None:
    from advseg.data.datasets import Sample
    from advseg.evaluation.scale import to_diameter

    big, small = disks(10, shape=(256, 256)), disks(5, shape=(128, 160))  # nuclei 20 and 10 px across
    frames = [Sample("big", big[0], big[1].astype(np.int32), "uint16"), Sample("small", small[0], small[1].astype(np.int32), "uint16")]
    target = median_diameter([big[1]])
    annotated, scales = to_diameter(frames, target, annotated=True)
    assert scales[0] == 1.0 and annotated[0] is frames[0]  # already at the size
    assert scales[1] == pytest.approx(target / median_diameter([small[1]]), rel=1e-3)
    assert median_diameter([annotated[1].labels]) == pytest.approx(target, rel=0.1)
    assert annotated[1].image.shape == annotated[1].labels.shape == (round(128 * scales[1]), round(160 * scales[1]))
    estimated, _ = to_diameter(frames[1:], target, annotated=False)  # as advseg segment would: from the image alone
    assert median_diameter([estimated[0].labels]) == pytest.approx(target, rel=0.25)
    _, (floor,) = to_diameter(frames[:1], 5.0, annotated=True, smallest_side=112)  # never below the crop size
    assert floor == pytest.approx(112 / 256)
    with pytest.raises(ValueError, match="`train_diameter` must be 0 \\(off\\) or a nucleus diameter"):
        DataConfig(train_diameter=2.0)


def test_a_model_trained_at_one_nucleus_size_records_it(tmp_path: Path) -> None:
    import torch

    from advseg.training.runs import train_run

    result = train_run("synthetic-h1299", n_train=1, out=tmp_path / "onesize", loss="ce", iterations=2, batch_size=2,
                       validation_images=1, evaluate_images=2, options={"train_diameter": 12.0}, progress=False)
    scales = result.metrics["frame_scales"]
    assert len(scales["train"]) == 1 and scales["train"][0] < 1  # the movie's nuclei are larger than 12 px
    assert len(scales["validation"]) == 1 and result.evaluation.n_images == 2
    saved = torch.load(tmp_path / "onesize" / "model.pt", map_location="cpu", weights_only=False)
    assert saved["metadata"]["diameter"] == 12.0  # advseg segment rescales every image to it
