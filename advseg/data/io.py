"""Reading and writing microscopy images and label images, with clear errors.

Every reader returns plain arrays and raises :class:`ValueError` (or
:class:`FileNotFoundError`) with one line that names the file and the problem,
never a traceback from deep inside an image library.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import tifffile

from advseg.data.atomic import atomic_write

__all__ = ["IMAGE_SUFFIXES", "check_output_dir", "image_stem", "prepare_output_dir", "read_array", "read_image", "read_labels",
           "write_tiff"]

IMAGE_SUFFIXES = (".tif", ".tiff", ".png")  # what the loaders accept as images


def read_array(path: str | os.PathLike) -> np.ndarray:
    """Read a TIFF or PNG file as stored, without conversion.

    Parameters
    ----------
    path : path-like
        A ``.tif``, ``.tiff`` or ``.png`` file.

    Returns
    -------
    (H, W[, C]) ndarray
        The pixel array in its stored dtype.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is empty, not an image by its suffix, or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"{path}: not an image file (expected one of {', '.join(IMAGE_SUFFIXES)})")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: file is empty (0 bytes)")
    try:
        if suffix == ".png":
            import imageio.v3 as iio

            array = np.asarray(iio.imread(path, plugin="pillow"))
        else:
            array = tifffile.imread(path)
    except Exception as error:  # decoders raise many types; report them as one
        raise ValueError(f"{path}: cannot read image ({type(error).__name__}: {error})") from error
    if array.size == 0:
        raise ValueError(f"{path}: image has no pixels (shape {array.shape})")
    return np.squeeze(array) if array.ndim > 2 and 1 in array.shape else array


def image_stem(path: str | os.PathLike) -> str:
    """An image file's name without its suffix, and without the ``.ome`` of an OME-TIFF.

    Examples
    --------
    >>> image_stem("movie/t005.tif"), image_stem("cells.ome.tif")
    ('t005', 'cells')
    """
    stem = Path(path).stem
    return stem[:-4] if stem.lower().endswith(".ome") and len(stem) > 4 else stem


def _grey(array: np.ndarray) -> np.ndarray | None:
    """The single channel of an RGB(A) array whose colour channels are equal, else None."""
    colour = array[..., :3]
    if np.array_equal(colour[..., 0], colour[..., 1]) and np.array_equal(colour[..., 0], colour[..., 2]):
        return colour[..., 0]
    return None


def _channel(array: np.ndarray, channel: int, path: str | os.PathLike) -> np.ndarray:
    """One channel of a (H, W, C <= 4) or (C <= 8, H, W) image."""
    if array.ndim == 2 and channel == 0:  # a one-channel stack (1, H, W) reads as (H, W)
        return array
    if array.ndim != 3 or not (array.shape[-1] <= 4 or array.shape[0] <= 8):
        raise ValueError(f"{path}: `channel` {channel} asks for one channel of a multi-channel image, got shape {array.shape}")
    last = array.shape[-1] <= 4
    count = array.shape[-1] if last else array.shape[0]
    if not 0 <= channel < count:
        raise ValueError(f"{path}: `channel` must be 0 to {count - 1} for an image of {count} channels, got {channel}")
    return array[..., channel] if last else array[channel]


def read_image(path: str | os.PathLike, *, channel: int | None = None) -> tuple[np.ndarray, str]:
    """Read a single-channel microscopy image as float32.

    An RGB(A) image whose colour channels are equal (a grey image saved in
    colour, as DSB2018's PNGs are) is accepted as grey, and so is a grey PNG
    with an alpha channel (the alpha is dropped). A float image with
    non-finite pixels (NaN or infinity) is refused, even for a single pixel:
    one NaN spreads through every convolution into NaN weights and empty
    segmentations, so it must be replaced (with a value that fits the image,
    such as its median) before training, checking or segmenting.

    Parameters
    ----------
    path : path-like
        A TIFF or PNG file, 8- or 16-bit (or float).
    channel : int, optional
        Take this channel (0-based) of a multi-channel image: (H, W, C) with C of
        at most 4 (RGB: 2 is blue), else (C, H, W) with C of at most 8 (an ImageJ
        hyperstack). A single-channel image is refused with it.

    Returns
    -------
    image : (H, W) ndarray of float32
        Pixel values, unscaled.
    dtype : str
        The stored dtype, e.g. ``"uint16"``.

    Raises
    ------
    ValueError
        If the image is not 2-D, its colour channels differ, or it holds
        non-finite pixels.
    """
    array = read_array(path)
    if channel is not None:
        array = _channel(array, channel, path)
    if array.ndim == 3 and array.shape[-1] == 2 and Path(path).suffix.lower() == ".png":  # grey + alpha (PNG's "LA")
        array = array[..., 0]
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        grey = _grey(array)
        if grey is None:
            raise ValueError(
                f"{path}: image has {array.shape[-1]} channels that differ; expected a single-channel "
                "(grey) image (segment --channel N takes one channel)"
            )
        array = grey
    if array.ndim != 2:
        hint = " (segment --channel N takes one channel of a multi-channel image)" if array.ndim == 3 and channel is None else ""
        raise ValueError(f"{path}: expected a 2-D single-channel image, got shape {array.shape}{hint}")
    if array.dtype.kind not in "uif" and array.dtype != bool:
        raise ValueError(f"{path}: unsupported pixel type {array.dtype}")
    if array.dtype.kind == "f" and np.isfinite(array).all() and np.abs(array).max(initial=0) > np.finfo(np.float32).max:
        raise ValueError(f"{path}: image holds values up to {np.abs(array).max():.3g}, beyond float32's range "
                         f"({np.finfo(np.float32).max:.3g}); rescale it (e.g. divide by its maximum) before using it")
    with np.errstate(over="ignore"):
        image = array.astype(np.float32)
    finite = np.isfinite(image)
    if not finite.all():
        n_bad = int(finite.size - np.count_nonzero(finite))
        raise ValueError(
            f"{path}: image holds {n_bad} non-finite pixel(s) (NaN or infinity) of {finite.size}; "
            "replace them (e.g. with the image's median) before using it"
        )
    return image, array.dtype.name


def read_labels(path: str | os.PathLike) -> np.ndarray:
    """Read an instance-label image (0 = background, one id per nucleus).

    Parameters
    ----------
    path : path-like
        A TIFF or PNG file of non-negative integers (floats holding whole
        numbers are accepted).

    Returns
    -------
    (H, W) ndarray of int32

    Raises
    ------
    ValueError
        If the labels are not 2-D or hold non-integer or negative values (ids
        too large for int32 are numbered 1, 2, ... instead).
    """
    array = read_array(path)
    if array.ndim == 3 and array.shape[-1] in (3, 4) and _grey(array) is not None:
        array = _grey(array)
    if array.ndim != 2:
        raise ValueError(f"{path}: expected a 2-D label image, got shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.uint8)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or not np.array_equal(array, np.round(array)):
            raise ValueError(
                f"{path}: mask holds non-integer values ({array.dtype}); expected integer instance labels, "
                "not an intensity or probability image"
            )
    elif array.dtype.kind not in "iu":
        raise ValueError(f"{path}: mask has unsupported type {array.dtype}; expected integer labels")
    if array.min() < 0:
        raise ValueError(f"{path}: mask holds negative values (min {array.min()}); expected labels >= 0")
    if array.max() > np.iinfo(np.int32).max:  # ids are only names: number them 1, 2, ... in the order of their values
        ids, inverse = np.unique(array, return_inverse=True)
        return (inverse.reshape(array.shape) + (0 if ids[0] == 0 else 1)).astype(np.int32)
    return array.astype(np.int32)


def write_tiff(path: str | os.PathLike, array: np.ndarray, *, compress: bool = True) -> Path:
    """Write ``array`` as a TIFF atomically (a temporary file, then a rename; see :mod:`advseg.data.atomic`).

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist.
    array : (H, W) ndarray
        Image or labels; written in its dtype.
    compress : bool, optional
        zlib-compress (lossless; Fiji and napari read it).

    Returns
    -------
    Path
        ``path``, with the permissions a plain write would give it (the umask applies).
    """
    compression = {"compression": "zlib", "compressionargs": {"level": 1}} if compress else {}
    return atomic_write(
        path, lambda temporary: tifffile.imwrite(temporary, array, photometric="minisblack", **compression), suffix=".tif"
    )


def check_output_dir(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Refuse an output folder that is a file, or is not empty unless ``overwrite``; create nothing.

    Raises
    ------
    FileExistsError
        If ``path`` is a file, or a non-empty folder and ``overwrite`` is false.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(f"{path}: folder is not empty (use --overwrite, or overwrite=True, to write into it)")
    return path


def prepare_output_dir(path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Create an output folder, refusing a non-empty one unless ``overwrite`` (see :func:`check_output_dir`)."""
    path = check_output_dir(path, overwrite=overwrite)
    path.mkdir(parents=True, exist_ok=True)
    return path
