"""Property photos end to end: presigned POST (its policy), the browser upload, the S3 event, the
images function with real Pillow on real files, the records and URLs buyers get, and deletion."""

from __future__ import annotations

import base64
import copy
import json
from io import BytesIO
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from realty.core.auth import Role
from testkit.api import ROOT, FakeLambdaContext, call, load_function

LISTING = {"address": "9 Lake Rd", "city": "Denver", "price": 610000, "bedrooms": 4, "bathrooms": 3, "sqft": 2400}
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _s3() -> Any:
    return boto3.client("s3", region_name="us-east-1")


def _bucket() -> str:
    from realty.core.config import get_settings

    return get_settings().media_bucket


def keys(prefix: str = "") -> list[str]:
    listed = _s3().list_objects_v2(Bucket=_bucket(), Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


@pytest.fixture
def realtor(make_user):
    return make_user(Role.REALTOR)


@pytest.fixture
def listing(realtor) -> str:
    created = call("POST", "/api/v1/realtors/properties", caller=realtor, body=LISTING)
    assert created.status == 201
    return str(created.data["id"])


def request_upload(caller, property_id: str, content_type: str = "image/jpeg") -> dict[str, Any]:
    result = call(
        "POST",
        f"/api/v1/realtors/properties/{property_id}/images",
        caller=caller,
        body={"content_type": content_type},
    )
    assert result.status == 201, result.body
    return dict(result.data["attributes"])


def browser_upload(upload: dict[str, Any], data: bytes, content_type: str | None = None) -> None:
    """What the app does with the presigned POST: the fields, then the file, as multipart/form-data."""
    fields = dict(upload["fields"])
    if content_type:
        fields["Content-Type"] = content_type
    response = requests.post(upload["url"], data=fields, files={"file": ("photo", data)}, timeout=10)
    assert response.status_code in {200, 204}, response.text


def deliver(key: str, *, encode: bool = False) -> dict[str, Any]:
    """The S3 ObjectCreated notification for `key`, from events/s3_image_uploaded.json, to the images function."""
    event = copy.deepcopy(json.loads((ROOT / "events" / "s3_image_uploaded.json").read_text()))
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = _bucket()
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{_bucket()}"
    # S3 URL-encodes keys in notifications; a handler that forgets to decode finds nothing.
    record["s3"]["object"]["key"] = "".join(f"%{ord(c):02X}" if c in "/0" else c for c in key) if encode else key
    return dict(load_function("images").lambda_handler(event, FakeLambdaContext()))


def jpeg_with_gps_and_orientation(width: int = 3000, height: int = 2000) -> bytes:
    """Left half red, right half blue, stored sideways: EXIF orientation 6 says "rotate 90° clockwise"."""
    picture = Image.new("RGB", (width, height), (220, 20, 20))
    picture.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 44.0, 30.5), 3: "W", 4: (104.0, 59.0, 12.25)})
    buffer = BytesIO()
    picture.save(buffer, format="JPEG", exif=exif, quality=90)
    data = buffer.getvalue()
    assert Image.open(BytesIO(data)).getexif().get_ifd(GPS_IFD), "the fixture must really carry GPS"
    return data


def png_with_alpha(width: int = 1000, height: int = 1000) -> bytes:
    picture = Image.new("RGBA", (width, height), (0, 128, 0, 255))
    picture.paste((0, 0, 0, 0), (0, 0, width // 4, height // 4))
    buffer = BytesIO()
    picture.save(buffer, format="PNG", pnginfo=None)
    return buffer.getvalue()


def image_record(caller, property_id: str, image_id: str) -> dict[str, Any]:
    got = call("GET", f"/api/v1/realtors/properties/{property_id}", caller=caller)
    return next(i for i in got.data["attributes"]["images"] if i["id"] == image_id)


def audit_actions(property_id: str) -> list[str]:
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName="realty-test-audit",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"RESOURCE#property#{property_id}"}},
    )["Items"]
    return [i["action"]["S"] for i in items]


# ---------------------------------------------------------------- the presigned POST


def test_the_presigned_post_pins_key_type_size_and_uploader(realtor, listing):
    upload = request_upload(realtor, listing, "image/png")
    image_id = upload["image_id"]
    key = f"uploads/properties/{listing}/{image_id}"
    fields = upload["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]

    assert fields["key"] == key
    assert {"key": key} in conditions
    assert {"bucket": _bucket()} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 10 * 1024 * 1024] in conditions
    assert {"x-amz-meta-uploaded-by": realtor.user_id} in conditions
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV4: the bucket is SSE-KMS
    assert upload["url"].startswith("https://") and _bucket() in upload["url"]
    assert upload["max_bytes"] == 10 * 1024 * 1024
    from realty.core.clock import parse_iso

    assert abs((parse_iso(policy["expiration"]) - parse_iso(upload["expires_at"])).total_seconds()) <= 2

    # Recorded at once as pending, visible to the realtor, not to buyers.
    assert image_record(realtor, listing, image_id) == {
        "id": image_id,
        "status": "pending",
        "url": None,
        "thumbnail_url": None,
        "width": None,
        "height": None,
    }
    assert audit_actions(listing) == ["property.created", "property.image_upload_requested"]


def test_the_upload_expires_after_ten_minutes(realtor, listing):
    from datetime import UTC, datetime

    from realty.core import clock

    moment = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    clock.set_clock(lambda: moment)
    try:
        upload = request_upload(realtor, listing)
    finally:
        clock.set_clock(None)
    assert upload["expires_at"] == "2026-05-01T12:10:00Z"


@pytest.mark.parametrize("content_type", ["image/gif", "application/pdf", "text/html"])
def test_only_jpeg_png_and_webp_uploads_are_offered(realtor, listing, content_type):
    result = call(
        "POST",
        f"/api/v1/realtors/properties/{listing}/images",
        caller=realtor,
        body={"content_type": content_type},
    )
    assert result.status == 422
    assert result.body["errors"][0]["field"] == "content_type"
    assert call("GET", f"/api/v1/realtors/properties/{listing}", caller=realtor).data["attributes"]["images"] == []


def test_at_most_thirty_images_pending_ones_included(realtor, listing):
    from realty.core.audit import audit_action
    from realty.core.errors import Conflict
    from realty.properties import store
    from realty.properties.models import PropertyImage

    for _ in range(30):
        request_upload(realtor, listing)
    refused = call(
        "POST", f"/api/v1/realtors/properties/{listing}/images", caller=realtor, body={"content_type": "image/jpeg"}
    )
    assert refused.status == 409
    assert "30" in refused.body["errors"][0]["message"]
    images = call("GET", f"/api/v1/realtors/properties/{listing}", caller=realtor).data["attributes"]["images"]
    assert len(images) == 30
    assert {i["status"] for i in images} == {"pending"}
    assert audit_actions(listing).count("property.image_upload_requested") == 30

    # A request that read the property before the 30th image was added still cannot add a 31st:
    # the count is a condition of the write itself.
    late = PropertyImage(
        id="01JLATE0000000000000000000",
        upload_key="uploads/x",
        content_type="image/png",
        created_at="2026-01-01T00:00:00Z",
    )
    audit = audit_action(actor_id=realtor.user_id, action="late", resource_type="property", resource_id=listing)
    with pytest.raises(Conflict):
        store.add_image(listing, late, owner_id=realtor.user_id, audit=audit)
    assert "late" not in audit_actions(listing)


# ---------------------------------------------------------------- processing real files


def test_a_jpeg_is_made_upright_stripped_of_exif_and_resized(realtor, listing, make_user):
    upload = request_upload(realtor, listing, "image/jpeg")
    image_id = upload["image_id"]
    browser_upload(upload, jpeg_with_gps_and_orientation())
    assert keys("uploads/") == [f"uploads/properties/{listing}/{image_id}"]

    outcome = deliver(f"uploads/properties/{listing}/{image_id}")
    assert outcome == {"outcomes": ["ready"]}

    photo_key = f"media/properties/{listing}/{image_id}.jpg"
    thumb_key = f"media/properties/{listing}/{image_id}_thumb.jpg"
    assert keys() == [photo_key, thumb_key]  # the raw upload (and its EXIF) is gone

    photo = Image.open(BytesIO(_s3().get_object(Bucket=_bucket(), Key=photo_key)["Body"].read()))
    # Stored 3000x2000 sideways; upright it is 2000x3000; within 1200x800 that is 533x800.
    assert photo.size == (533, 800)
    assert photo.format == "JPEG"
    assert not photo.getexif(), "no EXIF at all: no GPS, no orientation, no camera"
    assert "exif" not in photo.info
    assert b"PhoneMaker" not in _s3().get_object(Bucket=_bucket(), Key=photo_key)["Body"].read()
    # Rotated clockwise: the red left half is now on top, the blue right half at the bottom.
    rgb = photo.convert("RGB")
    top, bottom = rgb.getpixel((266, 100)), rgb.getpixel((266, 700))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 and top[2] < 100, top
    assert bottom[2] > 150 and bottom[0] < 100, bottom

    thumb = Image.open(BytesIO(_s3().get_object(Bucket=_bucket(), Key=thumb_key)["Body"].read()))
    assert thumb.size == (300, 200)
    assert not thumb.getexif()

    record = image_record(realtor, listing, image_id)
    assert record["status"] == "ready"
    assert (record["width"], record["height"]) == (533, 800)
    # No CDN configured: short-lived presigned GETs, made at read time for the stored keys.
    assert photo_key in record["url"] and "X-Amz-Signature" in record["url"]
    assert thumb_key in record["thumbnail_url"]

    buyer_view = call("GET", f"/api/v1/buyers/properties/{listing}", caller=make_user(Role.BUYER))
    assert [i["id"] for i in buyer_view.data["attributes"]["images"]] == [image_id]
    assert audit_actions(listing)[-1] == "property.image_processed"


def test_a_png_with_transparency_becomes_jpeg_with_a_cover_cropped_thumbnail(realtor, listing):
    upload = request_upload(realtor, listing, "image/png")
    browser_upload(upload, png_with_alpha(1000, 1000))
    key = f"uploads/properties/{listing}/{upload['image_id']}"
    assert deliver(key, encode=True) == {"outcomes": ["ready"]}  # URL-encoded key in the event

    record = image_record(realtor, listing, upload["image_id"])
    assert (record["width"], record["height"]) == (800, 800)
    thumb_key = f"media/properties/{listing}/{upload['image_id']}_thumb.jpg"
    thumb = Image.open(BytesIO(_s3().get_object(Bucket=_bucket(), Key=thumb_key)["Body"].read()))
    assert thumb.size == (300, 200)
    assert thumb.mode == "RGB"
    assert keys("uploads/") == []


def test_a_file_that_only_claims_to_be_an_image_is_deleted_and_marked_failed(realtor, listing, make_user):
    upload = request_upload(realtor, listing, "image/jpeg")
    browser_upload(upload, b"\xff\xd8\xff\xe0<?php echo shell_exec($_GET['c']); ?>" + b"\x00" * 2048)
    key = f"uploads/properties/{listing}/{upload['image_id']}"

    assert deliver(key) == {"outcomes": ["failed"]}
    assert keys() == []
    assert image_record(realtor, listing, upload["image_id"])["status"] == "failed"
    buyer_view = call("GET", f"/api/v1/buyers/properties/{listing}", caller=make_user(Role.BUYER))
    assert buyer_view.data["attributes"]["images"] == []
    assert audit_actions(listing)[-1] == "property.image_rejected"


def test_a_second_delivery_of_the_same_event_changes_nothing(realtor, listing):
    upload = request_upload(realtor, listing)
    browser_upload(upload, jpeg_with_gps_and_orientation(900, 600))
    key = f"uploads/properties/{listing}/{upload['image_id']}"
    assert deliver(key) == {"outcomes": ["ready"]}

    def state() -> tuple[Any, ...]:
        record = image_record(realtor, listing, upload["image_id"])
        # Presigned URLs are re-signed at every read; compare what they point at.
        record.update(url=record["url"].split("?")[0], thumbnail_url=record["thumbnail_url"].split("?")[0])
        return keys(), record, audit_actions(listing)

    before = state()
    assert deliver(key) == {"outcomes": ["duplicate"]}
    assert state() == before


def test_an_upload_for_a_deleted_image_or_property_is_cleaned_up(realtor, listing):
    first, second = request_upload(realtor, listing), request_upload(realtor, listing)
    browser_upload(first, jpeg_with_gps_and_orientation(600, 400))
    browser_upload(second, jpeg_with_gps_and_orientation(600, 400))
    deleted = call("DELETE", f"/api/v1/realtors/properties/{listing}/images/{first['image_id']}", caller=realtor)
    assert deleted.status == 200
    assert deliver(f"uploads/properties/{listing}/{first['image_id']}") == {"outcomes": ["orphaned"]}

    assert call("DELETE", f"/api/v1/realtors/properties/{listing}", caller=realtor).status == 200
    assert deliver(f"uploads/properties/{listing}/{second['image_id']}") == {"outcomes": ["orphaned"]}
    assert keys() == []


def test_events_for_other_keys_and_buckets_are_ignored(realtor, listing):
    assert deliver("uploads/notes/readme.txt") == {"outcomes": ["ignored"]}
    event = json.loads((ROOT / "events" / "s3_image_uploaded.json").read_text())
    event["Records"][0]["s3"]["bucket"]["name"] = "someone-elses-bucket"
    assert load_function("images").lambda_handler(event, FakeLambdaContext()) == {"outcomes": ["ignored"]}


def test_with_a_cdn_configured_urls_are_the_cdn_plus_the_key(realtor, listing, monkeypatch):
    from realty.core.config import reset_settings

    upload = request_upload(realtor, listing)
    browser_upload(upload, jpeg_with_gps_and_orientation(1200, 900))
    deliver(f"uploads/properties/{listing}/{upload['image_id']}")
    monkeypatch.setenv("MEDIA_BASE_URL", "https://media.example.com/")
    reset_settings()
    try:
        record = image_record(realtor, listing, upload["image_id"])
    finally:
        monkeypatch.delenv("MEDIA_BASE_URL")
        reset_settings()
    image_id = upload["image_id"]
    assert record["url"] == f"https://media.example.com/media/properties/{listing}/{image_id}.jpg"
    assert record["thumbnail_url"] == f"https://media.example.com/media/properties/{listing}/{image_id}_thumb.jpg"


# ---------------------------------------------------------------- deleting images


def test_deleting_an_image_removes_its_record_and_every_object(realtor, listing, make_user):
    keep, drop = request_upload(realtor, listing), request_upload(realtor, listing)
    for upload in (keep, drop):
        browser_upload(upload, jpeg_with_gps_and_orientation(800, 600))
        deliver(f"uploads/properties/{listing}/{upload['image_id']}")
    assert len(keys("media/")) == 4

    other = make_user(Role.REALTOR)
    path = f"/api/v1/realtors/properties/{listing}/images/{drop['image_id']}"
    assert call("DELETE", path, caller=other).status == 404
    assert len(keys("media/")) == 4

    result = call("DELETE", path, caller=realtor)
    assert result.status == 200
    assert [i["id"] for i in result.data["attributes"]["images"]] == [keep["image_id"]]
    assert keys() == [
        f"media/properties/{listing}/{keep['image_id']}.jpg",
        f"media/properties/{listing}/{keep['image_id']}_thumb.jpg",
    ]
    assert call("DELETE", path, caller=realtor).status == 404
    assert audit_actions(listing)[-1] == "property.image_deleted"


def test_deleting_a_property_removes_its_image_objects(realtor, listing):
    upload = request_upload(realtor, listing)
    browser_upload(upload, jpeg_with_gps_and_orientation(800, 600))
    deliver(f"uploads/properties/{listing}/{upload['image_id']}")
    assert len(keys()) == 2
    assert call("DELETE", f"/api/v1/realtors/properties/{listing}", caller=realtor).status == 200
    assert keys() == []
