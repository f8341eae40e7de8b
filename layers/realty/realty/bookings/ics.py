"""Calendar invites (iCalendar, RFC 5545 / iTIP RFC 5546) for confirmed and cancelled tours.

Written by hand, it is small: CRLF line endings, lines folded at 75 octets without splitting a
UTF-8 character, TEXT values escaped. One booking is one event: its UID never changes, SEQUENCE
grows with every reschedule, so calendars update the event instead of adding a second one, and
METHOD:CANCEL with the same UID removes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

PRODID = "-//RealtyForYou//Tours 1.0//EN"
_MAX_OCTETS = 75
# Parameter values may not hold DQUOTE or control characters (RFC 5545 §3.1, param-value).
_UNSAFE_PARAM = re.compile(r'["\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Person:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: Literal["REQUEST", "CANCEL"]
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str
    organizer: Person
    attendees: Sequence[Person]
    stamp: datetime


def booking_uid(booking_id: str) -> str:
    """The one UID of a booking's event, whatever happens to the booking."""
    return f"{booking_id}@realtyforyou"


def render(invite: Invite) -> bytes:
    """The VCALENDAR object as UTF-8 bytes."""
    status = "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invite.method}",
        "BEGIN:VEVENT",
        f"UID:{_text(invite.uid)}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{_utc(invite.stamp)}",
        f"DTSTART:{_utc(invite.starts_at)}",
        f"DTEND:{_utc(invite.ends_at)}",
        f"SUMMARY:{_text(invite.summary)}",
        f"LOCATION:{_text(invite.location)}",
        f"DESCRIPTION:{_text(invite.description)}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        f"ORGANIZER{_cn(invite.organizer)}:mailto:{invite.organizer.email}",
    ]
    for attendee in invite.attendees:
        lines.append(
            f"ATTENDEE{_cn(attendee)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee.email}"
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def content_type(invite: Invite) -> str:
    return f"text/calendar; method={invite.method}; charset=UTF-8"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _cn(person: Person) -> str:
    name = _UNSAFE_PARAM.sub("", person.name or "").strip()
    return f';CN="{name}"' if name else ""


def _fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; continuation lines start with a space."""
    encoded = line.encode()
    if len(encoded) <= _MAX_OCTETS:
        return line
    chunks: list[str] = []
    current = ""
    size = 0
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            chunks.append(current)
            current, size = "", 0
            limit = _MAX_OCTETS - 1  # the leading space of a continuation line counts
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)
