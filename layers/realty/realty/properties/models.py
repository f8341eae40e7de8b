from __future__ import annotations

import re
from enum import StrEnum
from html import unescape
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, StrictFloat, StrictInt, StringConstraints

from realty.availability.hours import ListingSchedule, TimeZone
from realty.core.models import Model
from realty.core.types import SINGLE_LINE, WHOLE_NUMBER, Omittable
from realty.users.people import Person

MAX_IMAGES_PER_PROPERTY = 30
MAX_PRICE = 1_000_000_000
MAX_ROOMS = 50
MAX_SQFT = 1_000_000
MAX_ADDRESS_CHARS = 500
MAX_DESCRIPTION_CHARS = 5_000

_TAG = re.compile(r"<[^>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def strip_html(value: str) -> str:
    """Plain text from what may be HTML: script/style bodies dropped, tags removed, entities decoded."""
    text = _SCRIPT_OR_STYLE.sub("", value)
    text = _TAG.sub("", text)
    # Decoding may reveal new markup ("&lt;b&gt;"): strip tags once more after decoding.
    return _TAG.sub("", unescape(text)).strip()


def _description(value: str) -> str:
    text = strip_html(value)
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"description must be at most {MAX_DESCRIPTION_CHARS} characters")
    return text


def normalize_city(city: str) -> str:
    """The form a city is indexed and filtered by: case and spacing do not matter."""
    return " ".join(city.split()).casefold()


def normalize_mls_id(mls_id: str) -> str:
    return mls_id.strip().upper()


class PropertyStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    SOLD = "sold"
    INACTIVE = "inactive"


class ImageStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class PropertyImage(Model):
    """An image record as stored on the property: S3 keys, never URLs (URLs are made when read)."""

    id: str
    status: ImageStatus = ImageStatus.PENDING
    upload_key: str
    content_type: str
    image_key: str | None = None
    thumbnail_key: str | None = None
    width: int | None = None
    height: int | None = None
    created_at: str


class Property(Model):
    """A property as stored; never returned as-is (see `PropertyAttributes`)."""

    id: str
    realtor_id: str
    address: str
    city: str
    mls_id: str | None = None
    description: str = ""
    price: float
    bedrooms: int
    bathrooms: float
    sqft: int
    status: PropertyStatus = PropertyStatus.ACTIVE
    images: list[PropertyImage] = Field(default_factory=list)
    # None: the realtor's time zone and rules apply (`realty.availability`).
    time_zone: str | None = None
    schedule: ListingSchedule | None = None
    # Copies of the realtor shown with the listing (`realty.users.people`), refreshed when they edit their profile.
    realtor_name: str | None = None
    realtor_avatar_key: str | None = None
    created_at: str
    updated_at: str
    version: int = Field(default=0, description="bumped by every edit of the listing; guards concurrent edits")


# ---------------------------------------------------------------- requests

Address = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ADDRESS_CHARS, pattern=SINGLE_LINE)
]
City = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=SINGLE_LINE)]
MlsId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-_.]*$")
]
Description = Annotated[str, AfterValidator(_description)]
Price = Annotated[StrictFloat, Field(ge=0, lt=MAX_PRICE, allow_inf_nan=False)]
Bedrooms = Annotated[StrictInt, Field(ge=0, le=MAX_ROOMS), WHOLE_NUMBER]
Bathrooms = Annotated[StrictFloat, Field(ge=0, le=MAX_ROOMS, allow_inf_nan=False)]
Sqft = Annotated[StrictInt, Field(ge=1, le=MAX_SQFT), WHOLE_NUMBER]


class CreatePropertyRequest(Model):
    model_config = ConfigDict(extra="forbid")

    address: Address
    city: City
    mls_id: MlsId | None = Field(default=None, description="unique across all properties")
    description: Description = Field(default="", description=f"plain text, HTML is stripped; ≤ {MAX_DESCRIPTION_CHARS}")
    price: Price
    bedrooms: Bedrooms
    bathrooms: Bathrooms
    sqft: Sqft
    status: PropertyStatus = PropertyStatus.ACTIVE
    time_zone: TimeZone | None = Field(default=None, description="the listing's IANA time zone; null: its realtor's")
    schedule: ListingSchedule | None = Field(
        default=None, description="the listing's own hours, tour lengths and auto-confirm; null: its realtor's rules"
    )


class UpdatePropertyRequest(Model):
    """Only the fields sent are changed; `mls_id: null` releases the MLS id."""

    model_config = ConfigDict(extra="forbid")

    address: Omittable[Address] = None
    city: Omittable[City] = None
    mls_id: MlsId | None = None
    description: Omittable[Description] = None
    price: Omittable[Price] = None
    bedrooms: Omittable[Bedrooms] = None
    bathrooms: Omittable[Bathrooms] = None
    sqft: Omittable[Sqft] = None
    status: Omittable[PropertyStatus] = None
    time_zone: TimeZone | None = Field(default=None, description="the listing's IANA time zone; null: its realtor's")
    schedule: ListingSchedule | None = Field(
        default=None, description="the listing's own hours, tour lengths and auto-confirm; null: its realtor's rules"
    )


# ---------------------------------------------------------------- responses


class ImageAttributes(Model):
    id: str
    status: ImageStatus
    url: str | None = None
    thumbnail_url: str | None = None
    width: int | None = None
    height: int | None = None


class PropertyAttributes(Model):
    realtor_id: str
    address: str
    city: str
    mls_id: str | None
    description: str
    price: float
    bedrooms: int
    bathrooms: float
    sqft: int
    status: PropertyStatus
    images: list[ImageAttributes]
    time_zone: str | None = None
    schedule: ListingSchedule | None = None
    realtor: Person | None = Field(default=None, description="the listing's realtor (name and avatar)")
    created_at: str
    updated_at: str


class DeletedAttributes(Model):
    deleted: Literal[True] = True
    deleted_at: str
