"""Pure property rules: HTML stripping, normalisation, request validation, image rendering."""

from __future__ import annotations

from io import BytesIO

import pytest
from pydantic import ValidationError

from realty.properties.models import (
    CreatePropertyRequest,
    UpdatePropertyRequest,
    normalize_city,
    normalize_mls_id,
    strip_html,
)

VALID = {"address": "1 Main St", "city": "Austin", "price": 450000, "bedrooms": 3, "bathrooms": 2, "sqft": 1500}


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<p>Sunny <b>corner</b> unit</p>", "Sunny corner unit"),
        ("Pool<script>alert('x')</script> and garden", "Pool and garden"),
        ("<STYLE>p{color:red}</STYLE>Quiet street", "Quiet street"),
        ("Fish &amp; chips nearby", "Fish & chips nearby"),
        ("&lt;img src=x onerror=alert(1)&gt;Big yard", "Big yard"),
        ("<a href='javascript:alert(1)'>link</a>", "link"),
        ("  no markup at all  ", "no markup at all"),
        ("3 < 4 bedrooms", "3 < 4 bedrooms"),
    ],
)
def test_strip_html_keeps_only_text(raw, plain):
    assert strip_html(raw) == plain


def test_description_is_stripped_before_its_length_is_checked():
    padded = "<b>" + "x" * 5000 + "</b>"
    assert CreatePropertyRequest(**VALID, description=padded).description == "x" * 5000
    with pytest.raises(ValidationError) as raised:
        CreatePropertyRequest(**VALID, description="x" * 5001)
    assert raised.value.errors()[0]["loc"] == ("description",)


def test_city_and_mls_normalisation():
    assert normalize_city("  New   York ") == normalize_city("new york")
    assert normalize_mls_id(" ab-123 ") == "AB-123"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("address", ""),
        ("address", "a" * 501),
        ("city", "   "),
        ("price", -1),
        ("price", 1_000_000_000),
        ("price", float("nan")),
        ("bedrooms", 51),
        ("bedrooms", -1),
        ("bathrooms", 50.5),
        ("sqft", 0),
        ("sqft", 1_000_001),
        ("status", "demolished"),
        ("mls_id", "has space"),
    ],
)
def test_each_rule_names_its_field(field, value):
    with pytest.raises(ValidationError) as raised:
        CreatePropertyRequest(**{**VALID, field: value})
    assert [e["loc"] for e in raised.value.errors()] == [(field,)]


def test_limits_are_inclusive_where_the_rules_say_so():
    edge = CreatePropertyRequest(**{**VALID, "price": 0, "bedrooms": 50, "bathrooms": 0, "sqft": 1_000_000})
    assert (edge.price, edge.bedrooms, edge.sqft) == (0, 50, 1_000_000)
    assert CreatePropertyRequest(**{**VALID, "address": "a" * 500}).address == "a" * 500


def test_update_refuses_null_for_required_fields_but_allows_releasing_the_mls_id():
    with pytest.raises(ValidationError) as raised:
        UpdatePropertyRequest(address=None)
    assert raised.value.errors()[0]["loc"] == ("address",)
    assert UpdatePropertyRequest(mls_id=None).model_dump(exclude_unset=True) == {"mls_id": None}


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError):
        CreatePropertyRequest.model_validate({**VALID, "realtor_id": "someone-else"})


def _jpeg_with_exif(width: int, height: int, orientation: int) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_renditions_are_upright_bounded_and_metadata_free():
    from PIL import Image

    from realty.media import imaging

    picture = imaging.load(_jpeg_with_exif(1600, 900, orientation=8))  # rotated 90°: upright is 900x1600
    assert picture.size == (900, 1600)
    photo = imaging.fit_within(picture, (1200, 800))
    assert (photo.width, photo.height) == (450, 800)
    thumb = imaging.cover(picture, (300, 200))
    assert (thumb.width, thumb.height) == (300, 200)
    for rendition in (photo, thumb):
        decoded = Image.open(BytesIO(rendition.data))
        assert decoded.format == "JPEG"
        assert not decoded.getexif()
        assert "exif" not in decoded.info


def test_small_images_are_never_scaled_up():
    from realty.media import imaging

    photo = imaging.fit_within(imaging.load(_jpeg_with_exif(640, 480, orientation=1)), (1200, 800))
    assert (photo.width, photo.height) == (640, 480)


@pytest.mark.parametrize(
    "payload",
    [
        b"<?php system($_GET['c']); ?>",
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,  # a JPEG header and nothing behind it
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # a real format, but not one we accept
        b"",
    ],
)
def test_files_that_only_claim_to_be_images_are_refused(payload):
    from realty.media import imaging

    with pytest.raises(imaging.NotAnImage):
        imaging.load(payload)


def test_a_truncated_jpeg_is_refused():
    from realty.media import imaging

    data = _jpeg_with_exif(800, 600, orientation=1)
    with pytest.raises(imaging.NotAnImage):
        imaging.load(data[: len(data) // 2])
