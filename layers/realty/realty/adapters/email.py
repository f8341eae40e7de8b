"""Outgoing email through SES v2.

Email is a side effect, never part of a transaction: a failure to send is logged and counted and
reported to the caller as False, and never fails or rolls back the change that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.metrics import count

logger = Logger(child=True)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: bytes


@dataclass(frozen=True)
class Email:
    to: Sequence[str]
    subject: str
    text: str
    html: str
    attachments: Sequence[Attachment] = field(default_factory=tuple)


def _mime(message: Email, sender: str) -> bytes:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = ", ".join(message.to)
    # Header values are one line: user text (an address with a line break) must never fold or inject.
    mime["Subject"] = " ".join(message.subject.split())
    mime.set_content(message.text)
    mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        subtype, _, params = subtype.partition(";")
        extra = dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p)
        mime.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype.strip(),
            filename=attachment.filename,
            params=extra,
        )
    return bytes(mime)


def ses_sender(message: Email) -> bool:
    sender = get_settings().sender_email
    try:
        client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": list(message.to)},
            Content={"Raw": {"Data": _mime(message, sender)}},
        )
    except Exception as error:
        # No traceback or message: SES's messages name the addresses it refused, and addresses stay out of logs.
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        logger.warning(
            "email not sent",
            extra={
                "subject": message.subject,
                "recipients": len(message.to),
                "error": type(error).__name__,
                "code": code,
            },
        )
        count("EmailSendFailed")
        return False
    return True


_sender: Callable[[Email], bool] = ses_sender


def send(message: Email) -> bool:
    """Send one email; True when SES accepted it."""
    if not message.to:
        return False
    return _sender(message)


def set_sender(sender: Callable[[Email], bool] | None) -> None:
    """Replace the transport (tests); None restores SES."""
    global _sender
    _sender = sender or ses_sender
