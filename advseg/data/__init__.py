"""Data: reading and writing images, the embedded synthetic movie, data set layouts, splits and the paper's
protocol, three-class targets, augmentation and the crop sampler.

The library never imports :mod:`advseg.experiment` or :mod:`advseg.cli`.
"""

from advseg.data.augment import NORMALIZERS, dihedral, normalize, random_crop, rotate_pair
from advseg.data.config import DataConfig
from advseg.data.datasets import LAYOUTS, Dataset, Sample, detect_layout, load_dataset, read_index
from advseg.data.embedded import SYNTHETIC_NAME, SyntheticSet, frame_name, synthetic_h1299, write_synthetic
from advseg.data.io import IMAGE_SUFFIXES, prepare_output_dir, read_array, read_image, read_labels, write_tiff
from advseg.data.paths import default_data_dir, find_dsb2018, repository_root, resolve_data
from advseg.data.protocol import PAPER_N_TRAIN, PaperProtocol, paper_protocol
from advseg.data.sampler import CropSampler
from advseg.data.splits import Splits, hash_split, make_splits
from advseg.data.summary import DatasetSummary, summarize
from advseg.data.synthetic import SyntheticConfig, SyntheticMovie, synthetic_timelapse
from advseg.data.targets import BACKGROUND, CLASS_NAMES, CONTOUR, INTERIOR, class_rgb, three_class_targets, touching_pairs

__all__ = ["BACKGROUND", "CLASS_NAMES", "CONTOUR", "IMAGE_SUFFIXES", "INTERIOR", "LAYOUTS", "NORMALIZERS", "PAPER_N_TRAIN", "SYNTHETIC_NAME", "CropSampler", "DataConfig", "Dataset", "DatasetSummary", "PaperProtocol", "Sample", "Splits", "SyntheticConfig", "SyntheticMovie", "SyntheticSet", "class_rgb", "default_data_dir", "detect_layout", "dihedral", "find_dsb2018", "frame_name", "hash_split", "load_dataset", "make_splits", "normalize", "paper_protocol", "prepare_output_dir", "random_crop", "read_array", "read_image", "read_index", "read_labels", "repository_root", "resolve_data", "rotate_pair", "summarize", "synthetic_h1299", "synthetic_timelapse", "three_class_targets", "touching_pairs", "write_synthetic", "write_tiff"]
