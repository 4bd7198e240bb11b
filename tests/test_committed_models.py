"""The models committed under results/models load with today's code and still segment real nuclei."""

from __future__ import annotations

import pytest

from advseg.data.paths import repository_root
from advseg.data.splits import make_splits
from advseg.evaluation.scoring import evaluate_labels
from advseg.evaluation.segment import recorded_min_size, segment_image
from advseg.training.modelfile import load_model

MODELS = repository_root() / "results" / "models"
GENERALIST = MODELS / "dsb2018-recommended-flat-generalist.pt"  # the README's advseg segment model
CROP96 = MODELS / "dsb2018-unet-ce-ws-crop96.pt"  # the generalist before it


def test_the_generalist_loads_with_its_configuration_cut_and_size():
    model = load_model(GENERALIST)
    assert model.model_config.estimator == "unet" and model.data_config.normalize == "flat"
    assert model.data_config.train_diameter == model.metadata["diameter"] == 20.0  # trained at one nucleus size
    assert model.metadata["split"]["depth"] == 0.05 and model.metadata["split"]["barrier"] is None  # fitted on 95 images
    assert model.metadata["weights"] == "float16" and recorded_min_size(model.metadata) == 31


def test_the_earlier_generalist_loads_with_its_configuration():
    model = load_model(CROP96)
    assert model.model_config.estimator == "unet" and model.data_config.normalize == "percentile"
    assert model.metadata["diameter"] == 21.2  # the training split's median nucleus diameter, px (segment rescales to it)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "method"), [(GENERALIST, "watershed-fit"), (CROP96, "watershed-split")])
def test_committed_models_segment_dsb2018_test_images_as_segment_does(dsb_dir, path, method):
    model = load_model(path)
    samples = make_splits(dsb_dir, n_train=1, seed=0).evaluation[:6]
    predictions = [segment_image(model, s.image, method=method).labels for s in samples]
    evaluation = evaluate_labels([s.labels for s in samples], predictions)
    assert evaluation.at(0.5).f1 > 0.85, evaluation.table()
