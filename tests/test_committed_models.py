"""The models committed under results/models load with today's code and still segment real nuclei."""

from __future__ import annotations

import pytest

from advseg.data.paths import repository_root
from advseg.data.splits import make_splits
from advseg.evaluation.inference import predict_probs
from advseg.evaluation.postprocess import postprocess
from advseg.evaluation.scoring import evaluate_labels
from advseg.training.modelfile import load_model

MODEL = repository_root() / "results" / "models" / "dsb2018-unet-ce-ws-crop96.pt"


def test_committed_model_loads_with_its_configuration():
    model = load_model(MODEL)
    assert model.model_config.estimator == "unet" and model.data_config.normalize == "percentile"
    assert model.metadata["diameter"] == 21.2  # the training split's median nucleus diameter, px (segment rescales to it)


@pytest.mark.slow
def test_committed_model_segments_dsb2018_test_images(dsb_dir):
    model = load_model(MODEL)
    samples = make_splits(dsb_dir, n_train=1, seed=0).evaluation[:6]
    predictions = [postprocess(predict_probs(model.estimator, s.image, data_config=model.data_config), method="watershed")
                   for s in samples]
    evaluation = evaluate_labels([s.labels for s in samples], predictions)
    assert evaluation.at(0.5).f1 > 0.6, evaluation.table()
