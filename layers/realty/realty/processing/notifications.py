"""Emails about processing: the summary is ready (each participant), processing failed (the realtor)."""

from __future__ import annotations

from html import escape

from realty.adapters.email import Email, send
from realty.processing.models import SummaryContent, TourView


def _place(tour: TourView) -> str:
    return tour.property_address or "your property tour"


def _section(title: str, items: list[str]) -> tuple[str, str]:
    if not items:
        return "", ""
    text = f"\n{title}:\n" + "\n".join(f"- {item}" for item in items) + "\n"
    html = f"<h3>{escape(title)}</h3><ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"
    return text, html


def summary_ready(tour: TourView, summary: SummaryContent | None) -> int:
    """One email to each participant (never one with both: neither sees the other's address).
    Returns how many were accepted."""
    recipients = [address for address in (tour.realtor_email, tour.buyer_email) if address]
    subject = f"Your tour summary is ready: {_place(tour)}"
    text = f"The video and audio recording of the tour of {_place(tour)} has been transcribed and summarised.\n"
    html = (
        f"<p>The video and audio recording of the tour of {escape(_place(tour))} "
        "has been transcribed and summarised.</p>"
    )
    if summary is not None:
        text += f"\n{summary.overview}\n"
        html += f"<p>{escape(summary.overview)}</p>"
        for title, items in (
            ("Liked", summary.liked),
            ("Concerns", summary.concerns),
            ("Questions for the seller", summary.questions_for_seller),
            ("Next steps", summary.next_steps),
        ):
            part_text, part_html = _section(title, items)
            text += part_text
            html += part_html
    text += "\nOpen the tour in RealtyForYou for the transcript and highlights.\n"
    html += "<p>Open the tour in RealtyForYou for the transcript and highlights.</p>"
    return sum(send(Email(to=[address], subject=subject, text=text, html=html)) for address in recipients)


def processing_failed(tour: TourView, reason: str) -> bool:
    if not tour.realtor_email:
        return False
    subject = f"Tour processing failed: {_place(tour)}"
    text = (
        f"The recording of the tour of {_place(tour)} could not be processed.\n\nReason: {reason}\n\n"
        "You can start processing again from the tour in RealtyForYou (Reprocess).\n"
    )
    html = (
        f"<p>The recording of the tour of {escape(_place(tour))} could not be processed.</p>"
        f"<p><strong>Reason:</strong> {escape(reason)}</p>"
        "<p>You can start processing again from the tour in RealtyForYou (Reprocess).</p>"
    )
    return send(Email(to=[tour.realtor_email], subject=subject, text=text, html=html))
