"""Calendar invites (iCalendar, RFC 5545 / iTIP RFC 5546) for confirmed and cancelled tours.

Written by hand, it is small: CRLF line endings, lines folded at 75 octets without splitting a
UTF-8 character, TEXT values escaped. One booking is one event: its UID never changes, SEQUENCE
grows with every reschedule, so calendars update the event instead of adding a second one, and
METHOD:CANCEL with the same UID removes it.

A tour in a listing's time zone is written in local time with `TZID` and a VTIMEZONE (RFC 5545
§3.6.5) built from `zoneinfo`: the offsets in force from the start of the event's year to the end of
the next, each change as its own observance, so any client shows the wall-clock time the listing
keeps even without its own copy of the zone. A tour in UTC keeps the plain `Z` form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

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
    time_zone: str | None = None  # IANA; None or UTC: times in UTC


def booking_uid(booking_id: str) -> str:
    """The one UID of a booking's event, whatever happens to the booking."""
    return f"{booking_id}@realtyforyou"


def render(invite: Invite) -> bytes:
    """The VCALENDAR object as UTF-8 bytes."""
    zone = _zone(invite)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invite.method}",
        *(vtimezone(zone, invite.starts_at) if zone else []),
        *_event(invite, rsvp=True),
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def render_feed(name: str, invites: Sequence[Invite]) -> bytes:
    """A subscription calendar (no METHOD: it is published, not an invitation) of these events, with
    each zone they use once. UIDs are the invites' own, so a client that got the invite by email
    shows one event, not two."""
    zones: dict[str, datetime] = {}
    for invite in invites:
        zone = _zone(invite)
        if zone and zone not in zones:
            zones[zone] = invite.starts_at
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_text(name)}",
        *[line for zone, around in zones.items() for line in vtimezone(zone, around)],
        *[line for invite in invites for line in _event(invite, rsvp=False)],
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def _zone(invite: Invite) -> str | None:
    return invite.time_zone if invite.time_zone and invite.time_zone != "UTC" else None


def _event(invite: Invite, *, rsvp: bool) -> list[str]:
    status = "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED"
    zone = _zone(invite)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(invite.uid)}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{_utc(invite.stamp)}",
        _moment("DTSTART", invite.starts_at, zone),
        _moment("DTEND", invite.ends_at, zone),
        f"SUMMARY:{_text(invite.summary)}",
        f"LOCATION:{_text(invite.location)}",
        f"DESCRIPTION:{_text(invite.description)}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        f"ORGANIZER{_cn(invite.organizer)}:mailto:{invite.organizer.email}",
    ]
    for attendee in invite.attendees if rsvp else ():
        lines.append(
            f"ATTENDEE{_cn(attendee)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee.email}"
        )
    return [*lines, "END:VEVENT"]


def content_type(invite: Invite) -> str:
    return f"text/calendar; method={invite.method}; charset=UTF-8"


def _moment(name: str, moment: datetime, zone: str | None) -> str:
    if zone is None:
        return f"{name}:{_utc(moment)}"
    return f"{name};TZID={zone}:{moment.astimezone(ZoneInfo(zone)).strftime('%Y%m%dT%H%M%S')}"


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(zone: ZoneInfo, begin: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [begin, end) at which the zone's offset changes (to the minute)."""
    found = []
    hour = timedelta(hours=1)
    moment = begin
    offset = moment.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + hour
        if following.astimezone(zone).utcoffset() != offset:
            low, high = moment, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
            offset = following.astimezone(zone).utcoffset()
        moment = following
    return found


def vtimezone(zone_key: str, around: datetime) -> list[str]:
    """A VTIMEZONE for `zone_key` covering the year of `around` and the next."""
    zone = ZoneInfo(zone_key)
    begin = datetime(around.year, 1, 1, tzinfo=zone).astimezone(UTC)  # local midnight, 1 January
    end = datetime(around.year + 2, 1, 1, tzinfo=zone).astimezone(UTC)
    first = begin.astimezone(zone)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone_key}"]

    def observance(at_local: datetime, before: timedelta | None, after: datetime) -> list[str]:
        kind = "DAYLIGHT" if after.dst() else "STANDARD"
        return [
            f"BEGIN:{kind}",
            f"DTSTART:{at_local.strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after.utcoffset())}",
            f"TZNAME:{_text(after.tzname() or zone_key)}",
            f"END:{kind}",
        ]

    # What is in force at the start of the year, then every change until the end of the next.
    lines += observance(first.replace(tzinfo=None), first.utcoffset(), first)
    for change in _transitions(zone, begin, end):
        before = (change - timedelta(minutes=1)).astimezone(zone).utcoffset() or timedelta()
        lines += observance((change + before).replace(tzinfo=None), before, change.astimezone(zone))
    return [*lines, "END:VTIMEZONE"]


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
