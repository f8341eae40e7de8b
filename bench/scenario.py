"""One realistic afternoon of the product that sends a request to every route of template.yaml.

A realtor and a buyer register, confirm and sign in (the authorizer meets them for the first time);
the realtor lists properties and asks for photo uploads; the buyer browses and books tours; the
realtor confirms, declines and cancels; both write notes; at tour time the realtor starts the
meeting, both join (the buyer consents to recording), it is recorded and ended, the recording
arrives and processing runs (its artifacts written through the processing store, as the state
machine's last steps would); both read the transcript, highlights, summary and recording; an
admin manages users, listings, bookings and tours and reads the audit trail; billing is asked for
a checkout and a portal (Stripe is not configured here: 503) and the webhook is called.

`run(api, iteration)` can run many times in one account (fresh people and listings each time, the
clock back at the same morning), which is how the latency bench gets warm samples of every route.
Each request goes through `bench.harness.Api`, which records its route, status, time and AWS calls.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import Api

PASSWORD = "Bench-Pass-2026!"  # noqa: S105 - the emulated user pool's users
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # a Monday morning
TOUR_AT = START + timedelta(days=1, hours=1)  # Tuesday 10:00


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sign_up(api: Api, email: str, role: str, full_name: str) -> dict[str, Any]:
    api.request(
        "POST",
        "/api/v1/auth/register",
        body={"email": email, "password": PASSWORD, "full_name": full_name, "role": role},
    )
    api.request("POST", "/api/v1/auth/confirm", body={"email": email, "code": "123456"})
    tokens = api.request("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    return dict(tokens.data["attributes"])


def _admin(tag: str) -> Any:
    from realty.core.auth import Caller, Role
    from realty.users.service import provision_user

    user = provision_user(
        cognito_sub=f"bench-admin-{tag}", email=f"admin-{tag}@example.com", full_name="Ada Admin", role=Role.ADMIN
    )
    return Caller(user_id=user.id, role=user.role, email=user.email)


def _listing(api: Api, realtor: Any, address: str, price: int) -> str:
    created = api.request(
        "POST",
        "/api/v1/realtors/properties",
        caller=realtor,
        body={
            "address": address,
            "city": "Seattle",
            "price": price,
            "bedrooms": 3,
            "bathrooms": 2,
            "sqft": 1650,
            "description": "Bright corner house near the park",
        },
    )
    return str(created.data["id"])


def _book(api: Api, buyer: Any, property_id: str, at: datetime, **extra: Any) -> str:
    body = {"property_id": property_id, "scheduled_at": iso(at), "duration_minutes": 30, **extra}
    return str(api.request("POST", "/api/v1/buyers/bookings", caller=buyer, body=body).data["id"])


def _confirm(api: Api, realtor: Any, booking_id: str) -> str:
    confirmed = api.request("PUT", f"/api/v1/realtors/bookings/{booking_id}/confirm", caller=realtor)
    return str(confirmed.data["relationships"]["tour"]["id"])


def _busy_fortnight(realtor_id: str, buyer_id: str, property_id: str) -> None:
    """A busy realtor: five confirmed tours a day for the next 14 days, written straight to the
    table (the slots route reads bookings, not how they were made)."""
    from realty.bookings import store
    from realty.bookings.models import Booking
    from realty.bookings.states import BookingStatus
    from realty.core import ids

    for day in range(14):
        for hour in (16, 18, 20, 22, 24):  # 08:00-16:00 in Los Angeles
            starts = START.replace(hour=0) + timedelta(days=day, hours=hour)
            stamp = iso(START)
            booking = Booking(
                id=ids.new_id(),
                buyer_id=buyer_id,
                realtor_id=realtor_id,
                property_id=property_id,
                property_address="Bench",
                property_city="Seattle",
                scheduled_at=iso(starts),
                duration_minutes=45,
                ends_at=iso(starts + timedelta(minutes=45)),
                status=BookingStatus.CONFIRMED,
                created_at=stamp,
                updated_at=stamp,
            )
            store.create_booking(booking, audit=_bench_audit(booking.id))


def _bench_audit(resource_id: str) -> dict[str, Any]:
    from realty.core.audit import SYSTEM_ACTOR, audit_action

    return audit_action(actor_id=SYSTEM_ACTOR, action="bench.seeded", resource_type="booking", resource_id=resource_id)


def _call_id(api: Api, realtor: Any, tour_id: str) -> str:
    detail = api.request("GET", f"/api/v1/realtors/tours/{tour_id}", caller=realtor)
    return str(detail.data["relationships"]["call"]["id"])


def _deliver_recording(tour_id: str) -> None:
    """S3's notification of the concatenated file, to the recording_events function (not an API route)."""
    import os

    import boto3

    from local.events import s3_event
    from realty.adapters.chime import concatenated_prefix
    from testkit.api import FakeLambdaContext
    from tools.functions import load_function

    bucket = os.environ["RECORDINGS_BUCKET"]
    s3 = boto3.client("s3", region_name="us-east-1")
    placed = s3.list_objects_v2(Bucket=bucket, Prefix=concatenated_prefix(tour_id) + "/")["Contents"]
    # The audio and the composited video, the audio first (it makes the recording the video joins).
    for found in sorted(placed, key=lambda item: "/audio/" not in item["Key"]):
        head = s3.head_object(Bucket=bucket, Key=found["Key"])
        event = s3_event(bucket, found["Key"], head, configuration_id="RecordingEventsFunction")
        with redirect_stdout(io.StringIO()):  # its EMF metrics line
            load_function("recording_events").lambda_handler(event, FakeLambdaContext())


def _write_processing_results(tour_id: str, notes: list[str]) -> None:
    """What the state machine's last steps write for a processed tour, through the processing store."""
    from realty.core import clock, ids
    from realty.core.audit import SYSTEM_ACTOR, audit_action
    from realty.processing import store
    from realty.processing.models import StoredHighlight, StoredSummary, TranscriptMetadata
    from realty.tours.states import TourStatus

    tour = store.get_tour(tour_id)
    assert tour is not None and tour.status is TourStatus.PROCESSING, tour
    attempt = tour.processing_attempt
    stamp = clock.now_iso()
    segments: list[dict[str, Any]] = [
        {"start_ms": 1_000 + 7_000 * n, "end_ms": 6_000 + 7_000 * n, "text": text}
        for n, text in enumerate(
            [
                "Welcome, this is the living room with the original oak floors.",
                "The kitchen was renovated two years ago.",
                "The asking price is four hundred and fifty thousand dollars.",
                "There was a small leak in the basement last spring, since repaired.",
            ]
        )
    ]
    key = store.transcript_key(tour_id)
    store.put_json(
        key,
        {
            "full_text": " ".join(s["text"] for s in segments),
            "segments": segments,
            "language": "english",
            "model": "whisper-1",
            "duration_ms": 1_500_000,
            "confidence_score": 0.91,
        },
    )
    store.put_transcript_metadata(
        TranscriptMetadata(
            tour_id=tour_id,
            s3_key=key,
            language="english",
            duration_ms=1_500_000,
            segment_count=len(segments),
            word_count=42,
            model="whisper-1",
            confidence_score=0.91,
            attempt=attempt,
            created_at=stamp,
        )
    )
    store.replace_highlights(
        tour_id,
        [
            StoredHighlight(
                id=ids.new_id(),
                tour_id=tour_id,
                timestamp_ms=15_000,
                highlight_type="price",
                note="Asking $450,000",
                quote=segments[2]["text"],
                model="gpt-4o-mini",
                attempt=attempt,
                created_at=stamp,
            ),
            StoredHighlight(
                id=ids.new_id(),
                tour_id=tour_id,
                timestamp_ms=22_000,
                highlight_type="concern",
                note="Basement leak, repaired",
                quote=segments[3]["text"],
                model="gpt-4o-mini",
                attempt=attempt,
                created_at=stamp,
            ),
        ],
    )
    store.put_summary(
        StoredSummary(
            tour_id=tour_id,
            overview="A three-bedroom house with a renovated kitchen.",
            liked=["Renovated kitchen", *notes[:1]],
            concerns=["Basement leak last spring"],
            questions_for_seller=["What are the HOA fees?"],
            next_steps=["Send the disclosures"],
            model="gpt-4o-mini",
            attempt=attempt,
            created_at=stamp,
        )
    )
    audit = audit_action(
        actor_id=SYSTEM_ACTOR, action="tour.processed", resource_type="tour", resource_id=tour_id, details={}
    )
    assert store.finish_processing(tour_id, attempt=attempt, target=TourStatus.PROCESSED, stamp=stamp, audit=audit)


def run(api: Api, iteration: int, clock: Clock, *, reads: int = 1) -> None:
    """Every route at least once; read routes `reads` times (the latency bench wants more samples)."""
    from realty.billing.service import grant_plan

    tag = f"{iteration:03d}"
    clock.set(START)

    def read(method: str, path: str, **kwargs: Any) -> Any:
        result = None
        for _ in range(reads):
            result = api.request(method, path, **kwargs)
        return result

    # ------------------------------------------------------------ public and auth
    read("GET", "/api/v1/health")
    realtor_tokens = _sign_up(api, f"realtor-{tag}@example.com", "realtor", "Rita Realtor")
    realtor = api.authorize(realtor_tokens["access_token"], label="first sight: creates the user")
    buyer_tokens = _sign_up(api, f"buyer-{tag}@example.com", "buyer", "Bo Buyer")
    buyer = api.authorize(buyer_tokens["access_token"], label="first sight: creates the user")
    for _ in range(reads):
        api.authorize(realtor_tokens["access_token"], label="known user (cache miss)")
    admin = _admin(tag)
    api.request("POST", "/api/v1/auth/refresh", body={"refresh_token": buyer_tokens["refresh_token"]})
    read("GET", "/api/v1/auth/me", caller=buyer)
    api.request("PUT", "/api/v1/auth/me", caller=buyer, body={"full_name": "Bo Buyer", "phone": "+14155550123"})
    api.request("POST", "/api/v1/auth/password-reset/request", body={"email": f"buyer-{tag}@example.com"})
    api.request(
        "POST",
        "/api/v1/auth/password-reset/confirm",
        body={"email": f"buyer-{tag}@example.com", "code": "654321", "new_password": PASSWORD + "x"},
    )

    # ------------------------------------------------------------ listings
    home = _listing(api, realtor, f"{iteration + 12} Maple Street", 450_000)
    spare = _listing(api, realtor, f"{iteration + 7} Birch Lane", 520_000)
    sold = _listing(api, realtor, f"{iteration + 3} Cedar Court", 610_000)
    read("GET", "/api/v1/realtors/properties", caller=realtor)
    read("GET", f"/api/v1/realtors/properties/{home}", caller=realtor)
    api.request("PUT", f"/api/v1/realtors/properties/{home}", caller=realtor, body={"description": "Renovated kitchen"})
    upload = api.request(
        "POST", f"/api/v1/realtors/properties/{home}/images", caller=realtor, body={"content_type": "image/jpeg"}
    )
    api.request(
        "POST", f"/api/v1/realtors/properties/{home}/images", caller=realtor, body={"content_type": "image/png"}
    )
    api.request(
        "DELETE", f"/api/v1/realtors/properties/{home}/images/{upload.data['attributes']['image_id']}", caller=realtor
    )
    read("GET", "/api/v1/buyers/properties", caller=buyer, query={"city": "Seattle", "bedrooms": "2"})
    read("GET", f"/api/v1/buyers/properties/{home}", caller=buyer)
    read("GET", "/api/v1/admin/properties", caller=admin)
    read("GET", f"/api/v1/admin/properties/{spare}", caller=admin)
    api.request("PUT", f"/api/v1/admin/properties/{spare}", caller=admin, body={"price": 515_000})
    api.request("DELETE", f"/api/v1/admin/properties/{spare}", caller=admin)
    api.request("DELETE", f"/api/v1/realtors/properties/{sold}", caller=realtor)

    # ------------------------------------------------------------ bookings
    recorded = _book(api, buyer, home, TOUR_AT, notes="Is parking included?")
    declined = _book(api, buyer, home, TOUR_AT + timedelta(hours=1))
    withdrawn = _book(api, buyer, home, TOUR_AT + timedelta(hours=2))
    dropped = _book(api, buyer, home, TOUR_AT + timedelta(hours=3))
    ended_early = _book(api, buyer, home, TOUR_AT + timedelta(hours=4))
    by_admin = _book(api, buyer, home, TOUR_AT + timedelta(days=1))
    cancelled_tour = _book(api, buyer, home, TOUR_AT + timedelta(days=1, hours=2))
    deleted_tour = _book(api, buyer, home, TOUR_AT + timedelta(days=1, hours=4))
    read("GET", "/api/v1/buyers/bookings", caller=buyer)
    read("GET", f"/api/v1/buyers/bookings/{recorded}", caller=buyer)
    api.request("PUT", f"/api/v1/buyers/bookings/{recorded}", caller=buyer, body={"notes": "Can we see the garage?"})
    read("GET", "/api/v1/realtors/bookings", caller=realtor)
    read("GET", f"/api/v1/realtors/bookings/{recorded}", caller=realtor)
    api.request("PUT", f"/api/v1/realtors/bookings/{recorded}", caller=realtor, body={"notes": "Garage included"})
    tour = _confirm(api, realtor, recorded)
    api.request(
        "PUT", f"/api/v1/realtors/bookings/{declined}/decline", caller=realtor, body={"reason": "Already under offer"}
    )
    api.request("DELETE", f"/api/v1/buyers/bookings/{withdrawn}", caller=buyer)
    api.request("DELETE", f"/api/v1/realtors/bookings/{dropped}", caller=realtor)
    short_tour = _confirm(api, realtor, ended_early)
    read("GET", "/api/v1/admin/bookings", caller=admin)
    read("GET", f"/api/v1/admin/bookings/{by_admin}", caller=admin)
    api.request("PUT", f"/api/v1/admin/bookings/{by_admin}", caller=admin, body={"notes": "Moved by support"})
    api.request("DELETE", f"/api/v1/admin/bookings/{by_admin}", caller=admin)
    to_cancel = _confirm(api, realtor, cancelled_tour)
    to_delete = _confirm(api, realtor, deleted_tour)

    # ------------------------------------------------------------ availability and free slots
    read("GET", "/api/v1/realtors/availability", caller=realtor)
    hours = [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "20:00"}]
    week = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday"), hours)
    api.request(
        "PUT",
        "/api/v1/realtors/availability",
        caller=realtor,
        body={"time_zone": "America/Los_Angeles", "hours": week | {"sunday": []}, "buffer_minutes": 15},
    )
    away = {"starts_at": iso(START + timedelta(days=9)), "ends_at": iso(START + timedelta(days=10)), "reason": "Away"}
    block = api.request("POST", "/api/v1/realtors/availability/blocks", caller=realtor, body=away)
    read("GET", "/api/v1/realtors/availability/blocks", caller=realtor)
    api.request("DELETE", f"/api/v1/realtors/availability/blocks/{block.data['id']}", caller=realtor)
    api.request("POST", "/api/v1/realtors/availability/blocks", caller=realtor, body=away)
    _busy_fortnight(realtor.user_id, buyer.user_id, home)
    window = {"from": iso(START), "to": iso(START + timedelta(days=14)), "duration": "30"}
    read("GET", f"/api/v1/buyers/properties/{home}/slots", caller=buyer, query=window)

    # ------------------------------------------------------------ tours and notes
    read("GET", "/api/v1/realtors/tours", caller=realtor)
    read("GET", f"/api/v1/realtors/tours/{tour}", caller=realtor)
    read("GET", "/api/v1/buyers/tours", caller=buyer)
    read("GET", f"/api/v1/buyers/tours/{tour}", caller=buyer)
    read("GET", "/api/v1/admin/tours", caller=admin)
    read("GET", f"/api/v1/admin/tours/{to_cancel}", caller=admin)
    api.request("PUT", f"/api/v1/admin/tours/{to_cancel}", caller=admin, body={"status": "cancelled"})
    api.request("DELETE", f"/api/v1/admin/tours/{to_delete}", caller=admin)

    # ------------------------------------------------------------ billing (Stripe not configured: 503)
    grant_plan(realtor.user_id, plan="pro", status="active")
    read("GET", "/api/v1/realtors/billing/subscription", caller=realtor)
    api.request(
        "POST", "/api/v1/realtors/billing/checkout-session", caller=realtor, body={"plan": "pro"}, expect=(201, 503)
    )
    api.request("POST", "/api/v1/realtors/billing/portal-session", caller=realtor, expect=(201, 404, 503))
    api.request(
        "POST",
        "/api/v1/webhooks/stripe",
        body={"id": "evt_bench", "type": "customer.subscription.updated", "data": {"object": {}}},
        headers={"Stripe-Signature": "t=1768473000,v1=0000"},
        expect=(400, 503),
    )

    # ------------------------------------------------------------ the tour: meeting, recording, notes
    clock.set(TOUR_AT - timedelta(minutes=10))
    api.request("POST", f"/api/v1/realtors/tours/{tour}/start", caller=realtor)
    call_id = _call_id(api, realtor, tour)
    read("GET", f"/api/v1/realtors/calls/{call_id}", caller=realtor)
    read("GET", f"/api/v1/buyers/calls/{call_id}", caller=buyer)
    api.request("POST", f"/api/v1/realtors/calls/{call_id}/join", caller=realtor)
    api.request("POST", f"/api/v1/buyers/calls/{call_id}/join", caller=buyer, body={"recording_consent": True})
    clock.set(TOUR_AT)
    api.request("POST", f"/api/v1/realtors/calls/{call_id}/record", caller=realtor, body={"action": "start"})
    clock.set(TOUR_AT + timedelta(minutes=5))
    api.request(
        "POST", f"/api/v1/realtors/tours/{tour}/notes", caller=realtor, body={"content": "Oak floors", "tag": "living"}
    )
    buyer_note = api.request(
        "POST",
        f"/api/v1/buyers/tours/{tour}/notes",
        caller=buyer,
        body={"content": "Love the kitchen light", "tag": "kitchen", "timestamp_ms": 300_000},
    )
    api.request(
        "PUT",
        f"/api/v1/buyers/tours/{tour}/notes/{buyer_note.data['id']}",
        caller=buyer,
        body={"content": "Love the kitchen light, small pantry"},
    )
    aside = api.request(
        "POST",
        f"/api/v1/realtors/tours/{tour}/notes",
        caller=realtor,
        body={"content": "Ask the seller", "visibility": "private"},
    )
    api.request(
        "PUT", f"/api/v1/realtors/tours/{tour}/notes/{aside.data['id']}", caller=realtor, body={"tag": "seller"}
    )
    api.request("DELETE", f"/api/v1/realtors/tours/{tour}/notes/{aside.data['id']}", caller=realtor)
    typo = api.request("POST", f"/api/v1/buyers/tours/{tour}/notes", caller=buyer, body={"content": "typo"})
    api.request("DELETE", f"/api/v1/buyers/tours/{tour}/notes/{typo.data['id']}", caller=buyer)
    read("GET", f"/api/v1/realtors/tours/{tour}/notes", caller=realtor)
    read("GET", f"/api/v1/buyers/tours/{tour}/notes", caller=buyer)
    clock.set(TOUR_AT + timedelta(minutes=25))
    api.request("POST", f"/api/v1/buyers/calls/{call_id}/leave", caller=buyer)
    api.request("POST", f"/api/v1/realtors/calls/{call_id}/leave", caller=realtor)
    api.request("POST", f"/api/v1/realtors/calls/{call_id}/end", caller=realtor)

    clock.set(TOUR_AT + timedelta(minutes=40))
    with api.recorder.paused():
        _deliver_recording(tour)
    read("GET", f"/api/v1/realtors/tours/{tour}/recording", caller=realtor)
    read("GET", f"/api/v1/buyers/tours/{tour}/recording", caller=buyer)
    read("GET", f"/api/v1/realtors/calls/{call_id}/recording", caller=realtor)
    read("GET", f"/api/v1/buyers/calls/{call_id}/recording", caller=buyer)
    with api.recorder.paused():
        _write_processing_results(tour, ["Love the kitchen light"])
    for side, who in (("realtors", realtor), ("buyers", buyer)):
        for artifact in ("transcript", "highlights", "summary"):
            read("GET", f"/api/v1/{side}/tours/{tour}/{artifact}", caller=who)
    api.request("POST", f"/api/v1/realtors/tours/{tour}/reprocess", caller=realtor)

    clock.set(TOUR_AT + timedelta(hours=4, minutes=-5))
    api.request("POST", f"/api/v1/realtors/tours/{short_tour}/start", caller=realtor)
    clock.set(TOUR_AT + timedelta(hours=4, minutes=20))
    api.request("POST", f"/api/v1/realtors/tours/{short_tour}/end", caller=realtor)

    # ------------------------------------------------------------ admin: users and the audit trail
    leaving = _sign_up(api, f"leaving-{tag}@example.com", "buyer", "Lee Leaving")
    leaver = api.authorize(leaving["access_token"], label="first sight: creates the user")
    read("GET", "/api/v1/admin/users", caller=admin, query={"role": "buyer"})
    read("GET", f"/api/v1/admin/users/{buyer.user_id}", caller=admin)
    api.request("PUT", f"/api/v1/admin/users/{buyer.user_id}", caller=admin, body={"full_name": "Bo B. Buyer"})
    api.request("POST", f"/api/v1/admin/users/{buyer.user_id}/avatar", caller=admin, body={"content_type": "image/png"})
    api.request("DELETE", f"/api/v1/admin/users/{leaver.user_id}", caller=admin)
    read("GET", "/api/v1/admin/audit-logs", caller=admin, query={"resource_type": "tour", "resource_id": tour})

    # ------------------------------------------------------------ signing out
    api.request(
        "POST",
        "/api/v1/auth/logout",
        caller=realtor,
        headers={"Authorization": f"Bearer {realtor_tokens['access_token']}"},
    )


def install_clock() -> Clock:
    from realty.core import clock as realty_clock

    fake = Clock(START)
    realty_clock.set_clock(fake)
    return fake


def uninstall_clock() -> None:
    from realty.core import clock as realty_clock

    realty_clock.set_clock(None)


def prime_container_caches() -> None:
    """What a warm container holds already: the cursor-signing key (read once an hour per container)."""
    from realty.core import pagination

    pagination._signing_key()
