"""Emails about processing: the summary is ready (each participant), processing failed (the realtor).

The summary email links every item to its moment (the web app's results page opened at that time),
and tells the realtor that a draft follow-up to the buyer waits for them. It follows each recipient's
notification preferences (`tour_summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from realty.adapters.email import Email, send
from realty.processing.followup.moments import best_moment, moment_link
from realty.processing.models import SummaryContent, TourView
from realty.tours.models import Highlight

MOMENTS_IN_EMAIL = 12


def _place(tour: TourView) -> str:
    return tour.property_address or "your property tour"


def clock_time(ms: int) -> str:
    seconds = max(ms, 0) // 1000
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _section(title: str, items: list[tuple[str, str | None]]) -> tuple[str, str]:
    """A titled list; each item with the link to its moment when it has one."""
    if not items:
        return "", ""
    text = f"\n{title}:\n" + "\n".join(f"- {item}" + (f" ({link})" if link else "") for item, link in items) + "\n"
    html = (
        f"<h3>{escape(title)}</h3><ul>"
        + "".join(
            f'<li>{escape(item)} <a href="{escape(link)}">watch</a></li>' if link else f"<li>{escape(item)}</li>"
            for item, link in items
        )
        + "</ul>"
    )
    return text, html


def summary_message(
    tour: TourView, summary: SummaryContent | None, highlights: Sequence[Highlight], *, user_id: str, draft_ready: bool
) -> Email | None:
    """The summary email to one participant (`user_id`): only the moments they may see."""
    is_realtor = user_id == tour.realtor_id
    address = tour.realtor_email if is_realtor else tour.buyer_email
    if not address:
        return None
    visible = [h for h in highlights if h.visible_to(user_id)]
    subject = f"Your tour summary is ready: {_place(tour)}"
    text = f"The video and audio recording of the tour of {_place(tour)} has been transcribed and summarised.\n"
    html = (
        f"<p>The video and audio recording of the tour of {escape(_place(tour))} "
        "has been transcribed and summarised.</p>"
    )

    def linked(items: list[str]) -> list[tuple[str, str | None]]:
        moments = [(item, best_moment(item, visible)) for item in items]
        return [(item, moment_link(tour.id, m.timestamp_ms) if m else None) for item, m in moments]

    parts: list[tuple[str, list[tuple[str, str | None]]]] = []
    if summary is not None:
        text += f"\n{summary.overview}\n"
        html += f"<p>{escape(summary.overview)}</p>"
        parts += [
            ("Liked", linked(summary.liked)),
            ("Concerns", linked(summary.concerns)),
            ("Questions for the seller", linked(summary.questions_for_seller)),
            ("Next steps", linked(summary.next_steps)),
        ]
    moments: list[tuple[str, str | None]] = [
        (
            f"{clock_time(h.timestamp_ms)} {h.highlight_type.value.replace('_', ' ')}: {h.note}",
            moment_link(tour.id, h.timestamp_ms),
        )
        for h in sorted(visible, key=lambda h: h.timestamp_ms)[:MOMENTS_IN_EMAIL]
    ]
    parts.append(("Moments", moments))
    for title, items in parts:
        part_text, part_html = _section(title, items)
        text += part_text
        html += part_html
    results = moment_link(tour.id)
    if is_realtor and draft_ready:
        buyer = tour.buyer_name or "the buyer"
        text += (
            f"\nA draft follow-up to {buyer} is ready: review, edit and send it from the tour's results ({results}).\n"
        )
        html += (
            f"<p>A draft follow-up to {escape(buyer)} is ready: "
            f'<a href="{escape(results)}">review, edit and send it</a> from the tour\'s results.</p>'
        )
    text += f"\nOpen the tour in RealtyForYou for the transcript and highlights: {results}\n"
    html += f'<p><a href="{escape(results)}">Open the tour in RealtyForYou</a> for the transcript and highlights.</p>'
    return Email(to=[address], subject=subject, text=text, html=html)


def summary_ready(
    tour: TourView,
    summary: SummaryContent | None,
    highlights: Sequence[Highlight] = (),
    *,
    draft_ready: bool = False,
) -> int:
    """One email to each participant (never one with both: neither sees the other's address), as their
    preferences say (`tour_summary`: now, after their quiet hours, or not). Returns how many were handled."""
    from realty.bookings import notify
    from realty.users.preferences import NotificationEvent

    preferences = notify.preferences_of([tour.realtor_id, tour.buyer_id])
    handled = 0
    for user_id in (tour.realtor_id, tour.buyer_id):
        message = summary_message(tour, summary, highlights, user_id=user_id, draft_ready=draft_ready)
        if message is not None:
            handled += notify.deliver(
                message,
                user_id=user_id,
                event=NotificationEvent.TOUR_SUMMARY,
                urgent=False,
                tour_start=None,
                preferences=preferences,
            )
    return handled


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
