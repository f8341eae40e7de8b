"""Outgoing email, written to a folder instead of being sent.

The app sends mail with SES v2 (`sesv2.send_email`, simple or raw content). moto accepts the call
and keeps the message in its SES backend (`ses_backends[account][region].sent_messages`: sesv2
delegates there, simple content as `Message` with subject, body and destinations, raw content
as `RawMessage` with the MIME text). moto runs in this process, so `Outbox` watches that list
and writes each new message as a readable `.eml` file named
`<utc timestamp>-<first recipient>-<subject slug>.eml`, and prints a one-line notice.

Not emulated: bounces, complaints, sending quotas, templates (`Content.Template` is rejected by
moto itself). moto keeps only the HTML part of a simple message that has both HTML and text.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from local.events import Poller
from local.template import ACCOUNT_ID, REGION

log = logging.getLogger("local.outbox")

OUTBOX_POLL_SECONDS = 0.5

_HTML_HINT = re.compile(r"<(html|body|p|div|br|table)\b", re.IGNORECASE)


def _sent_messages() -> list[Any]:
    from moto.ses.models import ses_backends

    messages: list[Any] = ses_backends[ACCOUNT_ID][REGION].sent_messages
    return messages


def slug(text: str, limit: int = 60) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:limit].rstrip("-") or "no-subject"


def _safe_address(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", address)[:80] or "nobody"


def to_eml(message: Any) -> tuple[bytes, str, str]:
    """(the .eml bytes, first recipient, subject) for a moto SES message."""
    raw = getattr(message, "raw_data", None)
    if raw is not None:
        parsed = email.message_from_string(raw, policy=email.policy.default)
        recipients = list(getattr(message, "destinations", []) or [])
        first = recipients[0] if recipients else str(parsed.get("To") or "")
        return raw.encode("utf-8"), _address_only(first), str(parsed.get("Subject") or "")
    destinations: dict[str, list[str]] = dict(getattr(message, "destinations", {}) or {})
    built = EmailMessage()
    built["From"] = message.source
    for header, key in (("To", "ToAddresses"), ("Cc", "CcAddresses"), ("Bcc", "BccAddresses")):
        if destinations.get(key):
            built[header] = ", ".join(destinations[key])
    built["Subject"] = message.subject
    built["Date"] = format_datetime(datetime.now(UTC))
    built["Message-ID"] = make_msgid(idstring=str(message.id)[:16], domain="local.realtyforyou")
    body = str(message.body or "")
    built.set_content(body, subtype="html" if _HTML_HINT.search(body) else "plain")
    every = [address for key in ("ToAddresses", "CcAddresses", "BccAddresses") for address in destinations.get(key, [])]
    return built.as_bytes(), _address_only(every[0] if every else ""), str(message.subject or "")


def _address_only(value: str) -> str:
    return parseaddr(value)[1] or value


class Outbox:
    """Writes every message moto's SES receives to `directory` as an .eml file."""

    def __init__(self, directory: Path, interval: float = OUTBOX_POLL_SECONDS) -> None:
        self.directory = directory
        self._written = 0
        self._poller = Poller("outbox", interval, self._tick)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._written = len(_sent_messages())
        self._poller.start()

    def stop(self) -> None:
        self._poller.stop()
        self.flush()

    def _tick(self) -> None:
        self.flush()

    def flush(self) -> list[Path]:
        messages = _sent_messages()
        written = []
        while self._written < len(messages):
            written.append(self._write(messages[self._written]))
            self._written += 1
        return written

    def _write(self, message: Any) -> Path:
        content, recipient, subject = to_eml(message)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{stamp}-{_safe_address(recipient)}-{slug(subject)}.eml"
        path.write_bytes(content)
        print(f"[outbox] to {recipient or '?'}: {subject!r} -> {path}", flush=True)
        return path
