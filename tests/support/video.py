"""Reading the sample video's frames back: `scripts/make_sample_video.py` writes the current second
in binary across the top quarter of every frame (8 cells, most significant bit left, white = 1)."""

from __future__ import annotations

import io

from PIL import Image

SECOND_BITS = 8


def frame_second(jpeg: bytes) -> int:
    """The second a still of the sample video was taken at, read from its strip (raises if not a JPEG)."""
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG", image.format
    gray = image.convert("L")
    width, height = gray.size
    bits = "".join(
        "1" if gray.getpixel((int((cell + 0.5) * width / SECOND_BITS), height // 8)) > 128 else "0"
        for cell in range(SECOND_BITS)
    )
    return int(bits, 2)
