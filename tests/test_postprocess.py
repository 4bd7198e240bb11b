"""Three-class probabilities to instance labels."""

from __future__ import annotations

import numpy as np
import pytest

from advseg.data.targets import three_class_targets
from advseg.evaluation.postprocess import check_min_size, min_size_for, postprocess, split_watershed_instances


def one_hot(classes: np.ndarray) -> np.ndarray:
    return np.eye(3)[classes].transpose(2, 0, 1)  # (3, H, W)


def touching_labels() -> np.ndarray:
    labels = np.zeros((16, 24), int)
    labels[2:14, 2:12] = 1
    labels[2:14, 12:22] = 2
    return labels


@pytest.mark.parametrize("method", ["paper", "watershed", "watershed-split"])
def test_touching_nuclei_are_separated(method: str) -> None:
    labels = touching_labels()
    instances = postprocess(one_hot(three_class_targets(labels)), method=method, min_size=1)
    assert instances.dtype == np.uint16
    assert len(np.unique(instances)) == 3  # background and two nuclei


def test_paper_keeps_interiors_and_watershed_recovers_the_full_nuclei() -> None:
    labels = touching_labels()
    probs = one_hot(three_class_targets(labels))
    paper = postprocess(probs, method="paper", min_size=1)
    grown = postprocess(probs, method="watershed", min_size=1)
    assert np.count_nonzero(paper) == 2 * 10 * 8  # each 12x10 nucleus loses its 1-px contour
    assert np.array_equal(grown > 0, labels > 0)
    from advseg.evaluation.metrics import matching

    assert matching(labels, grown).mean_matched_iou == 1.0


def disks(*centres: tuple[int, int], radius: float = 10, shape: tuple[int, int] = (40, 80)) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    labels = np.zeros(shape, int)
    for k, (cy, cx) in enumerate(centres, 1):
        labels[((yy - cy) ** 2 + (xx - cx) ** 2 < radius**2) & (labels == 0)] = k
    return labels


def test_watershed_split_cuts_touching_nuclei_without_a_contour_between_them() -> None:
    labels = disks((20, 20), (20, 37), (20, 62))  # two overlapping disks, one apart
    probs = one_hot((labels > 0).astype(int))  # interiors only: no contour class to separate them
    assert postprocess(probs, method="watershed", min_size=1).max() == 2
    split = postprocess(probs, method="watershed-split", min_size=1)
    assert split.max() == 3
    from advseg.evaluation.metrics import matching

    assert matching(labels, split).tp == 3


def test_watershed_split_scales_with_the_nucleus_diameter() -> None:
    labels = disks((40, 40), (40, 68), radius=20, shape=(80, 120))  # the neck is ~6 px shallower than the centres
    probs = one_hot((labels > 0).astype(int))
    assert postprocess(probs, method="watershed-split", min_size=1, diameter=40).max() == 2  # cut at 4-px-deep maxima
    assert postprocess(probs, method="watershed-split", min_size=1, diameter=80).max() == 1  # 8 px: one nucleus
    with pytest.raises(ValueError, match="`diameter` must be a positive number of pixels"):
        postprocess(probs, method="watershed-split", diameter=0)


def test_watershed_split_keeps_round_elongated_and_tiny_nuclei_whole() -> None:
    yy, xx = np.mgrid[:40, :80]
    ellipse = ((yy - 20) / 8.0) ** 2 + ((xx - 30) / 20.0) ** 2 < 1  # 2.5:1, one nucleus
    classes = ellipse.astype(int)
    classes[5:7, 70:72] = 1  # 2 x 2 px: no distance maximum 2 px deep
    labels = postprocess(one_hot(classes), method="watershed-split", min_size=1)
    assert labels.max() == 2
    assert np.array_equal(labels > 0, classes > 0)


def test_small_components_are_dropped() -> None:
    classes = np.zeros((20, 20), int)
    classes[2:4, 2:4] = 1  # 4 px
    classes[8:18, 8:18] = 1  # 100 px
    instances = postprocess(one_hot(classes), min_size=50)
    assert len(np.unique(instances)) == 2


def test_holes_are_filled() -> None:
    classes = np.zeros((20, 20), int)
    classes[4:16, 4:16] = 1
    classes[9:11, 9:11] = 0
    assert np.count_nonzero(postprocess(one_hot(classes), min_size=1)) == 144


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"`probs` must have shape \(3, H, W\)"):
        postprocess(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="`method` must be one of"):
        postprocess(np.zeros((3, 4, 4)), method="magic")


@pytest.mark.parametrize("method", ["paper", "watershed", "watershed-split"])
def test_more_than_65535_nuclei_get_a_wider_dtype_and_never_a_reused_id(method: str) -> None:
    probs = np.zeros((3, 514, 520), np.float32)
    probs[0] = 1.0
    probs[:, ::2, ::2] = np.array([0.0, 1.0, 0.0], np.float32)[:, None, None]  # 257 x 260 = 66,820 one-pixel nuclei
    labels = postprocess(probs, method=method, min_size=1)
    assert labels.dtype == np.uint32
    assert labels.max() == len(np.unique(labels)) - 1 == 257 * 260  # every nucleus its own id, none wrapped


def test_up_to_65535_nuclei_stay_uint16() -> None:
    probs = np.zeros((3, 20, 20), np.float32)
    probs[0] = 1.0
    probs[:, 5:10, 5:10] = np.array([0.0, 1.0, 0.0], np.float32)[:, None, None]
    assert postprocess(probs, min_size=1).dtype == np.uint16


def test_min_size_must_be_a_positive_number_of_pixels() -> None:
    probs = np.zeros((3, 8, 8))
    probs[0] = 1
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="`min_size` must be a positive number of pixels"):
            postprocess(probs, method="watershed", min_size=bad)
    with pytest.raises(ValueError, match="`diameter` must be a positive number"):
        min_size_for(0.0)
    assert check_min_size(np.int64(7)) == 7 and check_min_size(None, none_means="relative") is None
    with pytest.raises(ValueError, match=r"positive number of pixels or None \(relative\), got 0"):
        check_min_size(0, none_means="relative")
    with pytest.raises(ValueError, match="positive number of pixels, got None"):
        check_min_size(None)


def _wide_neck_pair() -> tuple[np.ndarray, np.ndarray]:
    """Two round nuclei over a wide neck, the contour between them half seen (probability 0.35); and the truth."""
    yy, xx = np.mgrid[:60, :80]
    two = ((yy - 30) ** 2 + (xx - 32) ** 2 < 225) | ((yy - 30) ** 2 + (xx - 48) ** 2 < 225)
    probs = np.stack([~two, two, np.zeros_like(two)]).astype(float)
    probs[1][two & (xx == 40)], probs[2][two & (xx == 40)] = 0.65, 0.35
    return probs, np.where(two, np.where(xx < 40, 1, 2), 0)


def test_a_contour_barrier_cuts_what_the_shape_alone_does_not() -> None:
    probs, _ = _wide_neck_pair()
    cut = lambda **kw: int(split_watershed_instances(probs, min_size=1, diameter=30.0, **kw).max())  # noqa: E731
    assert cut() == 1 and cut(barrier=0.4) == 1  # the neck is shallower than a tenth of the diameter; 0.35 < 0.4
    assert cut(barrier=0.3) == 2
    fitted = postprocess(probs, method="watershed-fit", min_size=1, diameter=30.0, split={"depth": 0.1, "barrier": 0.3})
    assert int(fitted.max()) == 2
    # without a recorded cut, watershed-fit cuts as watershed-split
    np.testing.assert_array_equal(postprocess(probs, method="watershed-fit", min_size=1, diameter=30.0),
                                  postprocess(probs, method="watershed-split", min_size=1, diameter=30.0))


def test_the_fitted_cut_keeps_the_default_where_a_barrier_would_cut_one_nucleus() -> None:
    from advseg.evaluation.split_fit import SPLIT_GRID, fit_split

    probs, truth = _wide_neck_pair()
    assert fit_split([probs], [truth], min_size=1, diameter=30.0)["barrier"] == 0.3
    one = truth > 0  # the same shape annotated as one nucleus: a barrier would cut it in two
    fit = fit_split([probs], [one.astype(np.int32)], min_size=1, diameter=30.0)
    assert (fit["depth"], fit["barrier"]) == SPLIT_GRID[0] and fit["f1"] == fit["default_f1"] == 1.0
    with pytest.raises(ValueError, match="`probs` and `truths` must be equally many"):
        fit_split([probs], [], min_size=1, diameter=30.0)


def test_a_model_files_cut_is_fitted_on_its_frames_at_its_training_size() -> None:
    from types import SimpleNamespace

    from advseg.data.config import DataConfig
    from advseg.data.datasets import Sample
    from advseg.evaluation.split_fit import fit_model_split

    probs, truth = _wide_neck_pair()
    seen: list[tuple[int, ...]] = []

    def predict(images):
        seen.extend(image.shape for image in images)  # the pair's probabilities at its own size, else all background
        return [probs if image.shape == truth.shape else np.stack([np.ones(image.shape), *np.zeros((2, *image.shape))])
                for image in images]

    sample = Sample(name="pair", image=probs[1].astype(np.float32), labels=truth, dtype="float32")
    model = SimpleNamespace(predict=predict, data_config=DataConfig(), metadata={"diameter": 30.0})
    assert fit_model_split(model, [sample], min_size=1)["barrier"] == 0.3  # the frame as it is
    at_one_size = SimpleNamespace(predict=predict, data_config=DataConfig(train_diameter=15.0), metadata={"diameter": 15.0})
    fit_model_split(at_one_size, [sample], min_size=1)
    assert seen[0] == truth.shape and seen[1] != truth.shape  # rescaled from its estimated nucleus size first
