"""Pillow: decode an upload, prove it is an image, and render clean JPEG versions of it.

Only the images function imports this module, and Pillow itself is imported inside the functions
below, so nothing else ever pays for it at cold start.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# 40 megapixels is far beyond any phone photo; past it an upload is refused, not decoded
# (a "decompression bomb" is a small file that expands to gigabytes of pixels).
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85
# The largest side any rendition needs (1200x800 photo, either way up): no need to decode more.
DECODE_MIN_SIDE = 1200


class NotAnImage(ValueError):
    """The upload is not a JPEG, PNG or WebP image Pillow can fully decode."""


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


def load(data: bytes) -> Image:
    """The upload as an upright RGB image with no metadata at all (EXIF, GPS, ICC, comments).

    The EXIF orientation is applied first, so a photo taken sideways is stored upright once its
    EXIF is gone.
    """
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(BytesIO(data)) as probe:
                _check_header(probe)
                probe.verify()  # structure and checksums, without decoding
            image = PILImage.open(BytesIO(data))
            if image.format == "JPEG":
                # Let the JPEG decoder scale down by 1/2, 1/4... while both sides stay >= what we render.
                image.draft("RGB", (DECODE_MIN_SIDE, DECODE_MIN_SIDE))
            image.load()  # full decode: a truncated or corrupt file fails here
            upright = ImageOps.exif_transpose(image)
    except NotAnImage:
        raise
    except (
        UnidentifiedImageError,
        PILImage.DecompressionBombError,
        PILImage.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as error:
        raise NotAnImage("the file is not a readable image") from error
    return _without_metadata(upright)


def _check_header(probe: Image) -> None:
    if probe.format not in ACCEPTED_FORMATS:
        raise NotAnImage(f"{probe.format or 'unknown'} is not an accepted image format")
    if probe.width * probe.height > MAX_PIXELS:
        raise NotAnImage("the image has too many pixels")


def _without_metadata(image: Image) -> Image:
    """Pixels only: a fresh RGB image, transparency flattened onto white."""
    from PIL import Image as PILImage

    if image.mode in {"RGBA", "LA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = PILImage.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    clean = PILImage.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    return clean


def fit_within(image: Image, box: tuple[int, int]) -> Rendition:
    """Scaled down (never up) to fit inside `box`, aspect ratio kept."""
    from PIL import Image as PILImage

    resized = image.copy()
    resized.thumbnail(box, PILImage.Resampling.LANCZOS)
    return _jpeg(resized)


def cover(image: Image, size: tuple[int, int]) -> Rendition:
    """Exactly `size`: scaled to cover it, the overflow cropped around the centre."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    return _jpeg(ImageOps.fit(image, size, PILImage.Resampling.LANCZOS))


def _jpeg(image: Image) -> Rendition:
    buffer = BytesIO()
    # No `exif=`/`icc_profile=` arguments: the encoder writes pixels and nothing else.
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Rendition(data=buffer.getvalue(), width=image.width, height=image.height)
