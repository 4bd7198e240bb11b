"""Loaders for the three layouts, split selection, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from advseg.data.datasets import detect_layout, load_dataset
from advseg.data.io import read_image, read_labels
from advseg.data.splits import hash_split, make_splits


def nucleus_labels(shape=(32, 40), n: int = 3) -> np.ndarray:
    labels = np.zeros(shape, np.uint16)
    for k in range(n):
        labels[4 + 8 * k : 10 + 8 * k, 5:15 + 3 * k] = k + 1
    return labels


def make_folder(root: Path, stems=("a", "b"), *, image_suffix=".tif", mask_suffix=".tif", dtype=np.uint16) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for stem in stems:
        image = rng.integers(0, np.iinfo(dtype).max, (32, 40)).astype(dtype)
        write(root / "images" / f"{stem}{image_suffix}", image)
        write(root / "masks" / f"{stem}{mask_suffix}", nucleus_labels())
    return root


def write(path: Path, array: np.ndarray) -> None:
    if path.suffix == ".png":
        iio.imwrite(path, array)
    else:
        tifffile.imwrite(path, array)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("suffix", [".tif", ".png"])
def test_folder_layout(tmp_path: Path, dtype, suffix: str) -> None:
    root = make_folder(tmp_path / "set", image_suffix=suffix, mask_suffix=suffix, dtype=dtype)
    dataset = load_dataset(root)
    assert dataset.layout == "folder"
    assert dataset.names == ["a", "b"]
    sample = dataset[0]
    assert sample.image.dtype == np.float32 and sample.dtype == np.dtype(dtype).name
    assert sample.labels.dtype == np.int32 and sample.n_nuclei == 3
    assert np.array_equal(sample.labels, nucleus_labels())


def test_equal_rgb_channels_are_read_as_grey(tmp_path: Path) -> None:
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    iio.imwrite(tmp_path / "rgba.png", np.dstack([grey, grey, grey, np.full_like(grey, 255)]))
    image, dtype = read_image(tmp_path / "rgba.png")
    assert np.array_equal(image, grey) and dtype == "uint8"
    iio.imwrite(tmp_path / "la.png", np.dstack([grey, np.full_like(grey, 255)]))  # grey + alpha
    image, dtype = read_image(tmp_path / "la.png")
    assert np.array_equal(image, grey) and dtype == "uint8"
    two = np.dstack([grey, grey[::-1]])  # a two-channel TIFF (Y, X, C) stays refused
    tifffile.imwrite(tmp_path / "two.tif", two, photometric="minisblack", planarconfig="contig")
    with pytest.raises(ValueError, match="expected a 2-D single-channel image"):
        read_image(tmp_path / "two.tif")


def test_ctc_layout(tmp_path: Path) -> None:
    for sequence in ("01", "02"):
        (tmp_path / sequence).mkdir()
        (tmp_path / f"{sequence}_GT" / "SEG").mkdir(parents=True)
        for t in range(4):
            tifffile.imwrite(tmp_path / sequence / f"t{t:03d}.tif", np.full((32, 40), t, np.uint16), compression="lzw")
        for t in (1, 3):  # only some frames are annotated
            tifffile.imwrite(tmp_path / f"{sequence}_GT" / "SEG" / f"man_seg{t:03d}.tif", nucleus_labels(), compression="lzw")
    dataset = load_dataset(tmp_path)
    assert dataset.layout == "ctc"
    assert dataset.names == ["01_t001", "01_t003", "02_t001", "02_t003"]
    assert dataset[1].image[0, 0] == 3


def test_dsb2018_layout(tmp_path: Path) -> None:
    for name in ("img1", "img2"):
        (tmp_path / name / "images").mkdir(parents=True)
        (tmp_path / name / "masks").mkdir()
        grey = np.full((32, 40), 50, np.uint8)
        iio.imwrite(tmp_path / name / "images" / f"{name}.png", np.dstack([grey] * 3 + [np.full_like(grey, 255)]))
        for k, mask in enumerate([(slice(2, 8), slice(2, 8)), (slice(10, 20), slice(5, 15))]):
            binary = np.zeros((32, 40), np.uint8)
            binary[mask] = 255
            iio.imwrite(tmp_path / name / "masks" / f"m{k}.png", binary)
    dataset = load_dataset(tmp_path)
    assert dataset.layout == "dsb2018"
    assert dataset[0].n_nuclei == 2
    assert set(np.unique(dataset[0].labels)) == {0, 1, 2}


def test_split_selection_from_index(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set", stems=("a", "b", "c"))
    (root / "index.csv").write_text("id,split\na,train\nb,test\nc,train\n")
    assert load_dataset(root, split="train").names == ["a", "c"]
    with pytest.raises(ValueError, match=r"`split` must be one of \['test', 'train'\]"):
        load_dataset(root, split="val")


def test_split_without_index_is_an_error(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    with pytest.raises(ValueError, match="has no index.csv"):
        load_dataset(root, split="train")


def test_shared_dsb2018_set(dsb_dir: Path) -> None:
    assert detect_layout(dsb_dir) == "folder"
    dataset = load_dataset(dsb_dir)
    assert len(dataset) == 541
    assert sum(sample.n_nuclei for sample in dataset) > 20000
    sizes = {split: len(load_dataset(dsb_dir, split=split)) for split in ("train", "val", "test")}
    assert sizes == {"train": 365, "val": 95, "test": 81}


def test_shared_split_follows_the_hash_rule(dsb_dir: Path) -> None:
    from advseg.data.datasets import read_index

    index = read_index(dsb_dir / "index.csv")
    assert all(hash_split(name) == split for name, split in index.items())


def test_make_splits_on_dsb(dsb_dir: Path) -> None:
    splits = make_splits(dsb_dir, n_train=2, seed=0)
    assert len(splits.train) == 2 and len(splits.validation) == 95 and len(splits.evaluation) == 81
    again = make_splits(dsb_dir, n_train=2, seed=0)
    assert [s.name for s in splits.train] == [s.name for s in again.train]
    other = make_splits(dsb_dir, n_train=2, seed=1)
    assert [s.name for s in splits.train] != [s.name for s in other.train]


def test_make_splits_on_synthetic() -> None:
    splits = make_splits("synthetic-h1299", n_train=4)
    names = {s.name for s in splits.train} | {s.name for s in splits.validation}
    assert len(splits.train) == 4 and len(splits.validation) == 4 and len(splits.evaluation) == 57
    assert not names & {s.name for s in splits.evaluation}


# ---- bad input: one clear line naming the file and the problem ----------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_dataset(tmp_path / "nope")


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="folder is empty"):
        load_dataset(tmp_path)


def test_unknown_layout(tmp_path: Path) -> None:
    (tmp_path / "stuff.txt").write_text("x")
    with pytest.raises(ValueError, match="no known data set layout"):
        load_dataset(tmp_path)


def test_image_without_mask(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    (root / "masks" / "b.tif").unlink()
    with pytest.raises(ValueError, match=r"images/b\.tif: image has no mask"):
        load_dataset(root)


def test_mask_without_image(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    (root / "images" / "a.tif").unlink()
    with pytest.raises(ValueError, match=r"masks/a\.tif: mask has no image"):
        load_dataset(root)


def test_shape_mismatch(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    tifffile.imwrite(root / "masks" / "a.tif", np.zeros((16, 16), np.uint16))
    with pytest.raises(ValueError, match=r"a\.tif: mask shape \(16, 16\) differs from image shape \(32, 40\)"):
        load_dataset(root)


def test_non_integer_mask(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    tifffile.imwrite(root / "masks" / "a.tif", np.full((32, 40), 0.5, np.float32))
    with pytest.raises(ValueError, match=r"a\.tif: mask holds non-integer values"):
        load_dataset(root)


def test_negative_mask(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    tifffile.imwrite(root / "masks" / "a.tif", np.full((32, 40), -1, np.int16))
    with pytest.raises(ValueError, match=r"a\.tif: mask holds negative values"):
        load_dataset(root)


def test_float_mask_with_whole_numbers_is_accepted(tmp_path: Path) -> None:
    tifffile.imwrite(tmp_path / "m.tif", nucleus_labels().astype(np.float32))
    assert np.array_equal(read_labels(tmp_path / "m.tif"), nucleus_labels())


def test_multichannel_image_with_different_channels(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    rgb = np.zeros((32, 40, 3), np.uint8)
    rgb[..., 1] = 7
    tifffile.imwrite(root / "images" / "a.tif", rgb)
    with pytest.raises(ValueError, match=r"a\.tif: image has 3 channels that differ"):
        load_dataset(root)


def test_zero_byte_file(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    (root / "images" / "a.tif").write_bytes(b"")
    with pytest.raises(ValueError, match=r"a\.tif: file is empty"):
        load_dataset(root)


def test_truncated_file(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    path = root / "images" / "a.tif"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r"a\.tif: cannot read image"):
        load_dataset(root)


def test_garbage_file(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set", image_suffix=".png")
    (root / "images" / "a.png").write_bytes(b"this is not a png at all")
    with pytest.raises(ValueError, match=r"a\.png: cannot read image"):
        load_dataset(root)


def test_non_image_file_in_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    (root / "images" / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt: not an image file"):
        load_dataset(root)


def test_hidden_files_are_ignored(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set")
    (root / "images" / ".DS_Store").write_bytes(b"\0")
    assert len(load_dataset(root)) == 2


def test_few_frames_train_on_n_and_alternate_the_rest(tmp_path: Path) -> None:
    stems = [f"t{k:03d}" for k in range(11)]  # one movie's frames: the hash rule leaves a split empty
    root = make_folder(tmp_path / "movie", stems=stems)
    assert not all(any(hash_split(s) == split for s in stems) for split in ("train", "val", "test"))
    splits = make_splits(root, n_train=1, seed=0)
    train = [s.name for s in splits.train]
    rest = [s for s in stems if s not in train]
    assert len(train) == 1 and [s.name for s in splits.validation] == rest[0::2]
    assert [s.name for s in splits.evaluation] == rest[1::2]
    assert splits.rule.startswith("few frames (11 annotated")
    assert [s.name for s in make_splits(root, n_train=1, seed=1).train] != train


def test_one_frame_is_chosen_on_itself_with_a_warning(tmp_path: Path) -> None:
    from advseg.data.diameter import AnnotationWarning

    root = make_folder(tmp_path / "one", stems=("only",))
    with pytest.warns(AnnotationWarning, match="chosen on its training frames"):
        splits = make_splits(root, n_train=1)
    assert [s.name for s in splits.validation] == ["only"] and splits.evaluation == ()
    assert "no validation (the training frames instead), no evaluation" in splits.rule
    with pytest.raises(ValueError, match=r"`n_train` must be between 1 and 1"):
        make_splits(root, n_train=2)


def test_index_with_an_unknown_split_value(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set", stems=("a", "b"))
    (root / "index.csv").write_text("id,split\na,train\nb,validation\n")
    with pytest.raises(ValueError, match=r"must hold 'train', 'val' or 'test', got 'validation' \(id 'b'\)"):
        make_splits(root, n_train=1)


def test_index_with_ids_that_have_no_image(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set", stems=("a", "b"))
    (root / "index.csv").write_text("id,split\na.tif,train\nb,val\n")
    with pytest.raises(ValueError, match=r"1 id\(s\) have no annotated image .* \['a\.tif'\] \(an id is the image's file name"):
        make_splits(root, n_train=1)


def test_index_without_test_rows_scores_nothing(tmp_path: Path) -> None:
    from advseg.data.diameter import AnnotationWarning

    root = make_folder(tmp_path / "set", stems=("a", "b", "c", "d"))
    (root / "index.csv").write_text("id,split\na,train\nb,val\nc,train\n")
    with pytest.warns(AnnotationWarning, match=r"1 annotated image\(s\) have no row and are not used, e.g. \['d'\]"):
        splits = make_splits(root, n_train=2)
    assert [s.name for s in splits.validation] == ["b"] and splits.evaluation == ()


def test_label_ids_beyond_int32_are_numbered_in_order(tmp_path: Path) -> None:
    labels = np.zeros((8, 8), np.uint32)
    labels[:2], labels[4:6] = 4_000_000_000, 3_000_000_000  # ids some tools make (hashes), beyond int32
    tifffile.imwrite(tmp_path / "big.tif", labels)
    read = read_labels(tmp_path / "big.tif")
    assert read.dtype == np.int32 and set(np.unique(read)) == {0, 1, 2}
    assert (read[:2] == 2).all() and (read[4:6] == 1).all() and (read[2:4] == 0).all()
    tifffile.imwrite(tmp_path / "full.tif", np.where(labels == 0, 3_000_000_001, labels))  # no background at all
    assert set(np.unique(read_labels(tmp_path / "full.tif"))) == {1, 2, 3}


def test_one_channel_of_a_multi_channel_image(tmp_path: Path) -> None:
    grey = np.arange(48, dtype=np.uint8).reshape(6, 8)
    iio.imwrite(tmp_path / "rgb.png", np.dstack([grey // 2, np.zeros_like(grey), grey]))  # nuclei in blue
    with pytest.raises(ValueError, match=r"3 channels that differ; expected a single-channel \(grey\) image \(segment --channel N"):
        read_image(tmp_path / "rgb.png")
    assert np.array_equal(read_image(tmp_path / "rgb.png", channel=2)[0], grey)
    stack = np.stack([grey, grey[::-1], grey * 2]).astype(np.uint16)  # (C, Y, X), as an ImageJ hyperstack
    tifffile.imwrite(tmp_path / "stack.tif", stack, photometric="minisblack")
    assert np.array_equal(read_image(tmp_path / "stack.tif", channel=1)[0], grey[::-1])
    with pytest.raises(ValueError, match=r"stack\.tif: `channel` must be 0 to 2 for an image of 3 channels, got 3"):
        read_image(tmp_path / "stack.tif", channel=3)
    tifffile.imwrite(tmp_path / "grey.tif", grey)
    assert np.array_equal(read_image(tmp_path / "grey.tif", channel=0)[0], grey)  # one channel: channel 0 is the image
    with pytest.raises(ValueError, match=r"grey\.tif: `channel` 1 asks for one channel of a multi-channel image, got shape \(6, 8\)"):
        read_image(tmp_path / "grey.tif", channel=1)


def test_index_without_val_rows_chooses_on_the_training_frames(tmp_path: Path) -> None:
    from advseg.data.diameter import AnnotationWarning

    root = make_folder(tmp_path / "set", stems=("a", "b", "c"))
    (root / "index.csv").write_text("id,split\na,train\nb,train\nc,test\n")
    with pytest.warns(AnnotationWarning, match="chosen on its training frames"):
        splits = make_splits(root, n_train=2)
    assert {s.name for s in splits.validation} == {"a", "b"} and [s.name for s in splits.evaluation] == ["c"]
    assert splits.rule == "index.csv split column: 2 of 2 train images (seed 0), no validation (the training frames instead), 1 evaluation"


@pytest.mark.parametrize(("text", "message"), [
    ("id,split\na,train\nb\n", r"index\.csv, line 3: a row needs an id and a split, got 'b', None"),
    ("id,split\na,train\nb,val\na,test\n", r"index\.csv, line 4: id 'a' is given twice"),
    ("name,part\na,train\n", r"expected columns 'id' and 'split', got \['name', 'part'\]"),
])
def test_index_rows_are_checked(tmp_path: Path, text: str, message: str) -> None:
    root = make_folder(tmp_path / "set", stems=("a", "b"))
    (root / "index.csv").write_text(text)
    with pytest.raises(ValueError, match=message):
        make_splits(root, n_train=1)


def test_index_from_excel_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "set", stems=("a", "b", "c"))
    (root / "index.csv").write_bytes("\ufeffid,split\r\na,train\r\nb,val\r\nc,test\r\n".encode("utf-8"))
    splits = make_splits(root, n_train=1)
    assert [s.name for s in splits.validation] == ["b"] and [s.name for s in splits.evaluation] == ["c"]
    (root / "index.csv").write_bytes("id,split\na,train\nb,vál\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"index\.csv: not UTF-8 text .*; save it as CSV UTF-8"):
        make_splits(root, n_train=1)
