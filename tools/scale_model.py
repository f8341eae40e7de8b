"""The scale model: which limit the design meets first at 1x, 100x and 1,000x, and what a tour costs.

`python -m tools.scale_model --write` regenerates docs/scale.md from the parameters below;
`--check` exits 1 when the document has drifted (a unit test runs the same comparison). Change a
number here and re-run: the document is never edited by hand.

Pure Python on purpose (no AWS, no project imports): it is arithmetic over stated figures. Every
quota names where it comes from and whether the figure was read on that page when the model was
written (`read`) or is the commonly published default still to be confirmed in the account's
Service Quotas console (`confirm`): quotas differ by Region and account age, and the console is the
authority for a given deployment.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCALE_DOC = ROOT / "docs" / "scale.md"
MULTIPLES = (1, 100, 1000)

# ---------------------------------------------------------------- the baseline (1x)

# A regional platform today: what "1x" means. Every other figure derives from these.
BASELINE: dict[str, float] = {
    "listings": 5_000,
    "buyers": 20_000,
    "realtors": 500,
    "bookings_per_day": 400,
    "concurrent_tours_at_peak": 20,
    "browse_requests_per_second_at_peak": 20,
    "minutes_recorded_per_day": 6_000,
}

# How the workload behaves per unit (assumptions, each with why).
WORKLOAD: dict[str, float] = {
    # Tours are booked on the hour or half hour: the evening's tours start (and end) within a minute.
    "start_window_seconds": 60,
    "tour_minutes": 30,
    # Realtor and buyer; the capture pipeline's attendee is Chime's, not billed as a participant.
    "attendees_per_tour": 2,
    # Share of tours recorded (consent given, pro plan): recorded minutes/day = tours * share * length.
    "recorded_share": 0.6,
    # Changes per tour when it starts: start, two joins, recording on (each one audited transaction).
    "mutations_per_tour_start": 4,
    # Changes per tour when it ends: end (call, tour, booking), recording finished, processing x3.
    "mutations_per_tour_end": 6,
    # Requests each live tour makes while it runs (call state polled every 10 s by both sides).
    "api_rps_per_live_tour": 0.2,
    # Browse without a city reads the single ACTIVE partition; with a city, ACTIVE#CITY#<city>.
    "browse_share_without_city": 0.5,
    # Distinct browse pages without a city one instance serves within a cache TTL (the first pages of
    # the common filter sets; the home page's unfiltered first page is most of them).
    "browse_cache_shapes": 10,
    # Largest city's share of the browse requests that name a city.
    "largest_city_share": 0.1,
    # A browse page: 20 items of ~1.5 KB (projection ALL), eventually consistent: 30 KB / 4 KB / 2.
    "rcu_per_browse_page": 4,
    # Average API function duration (bench/results.json warm p50 is 30-80 ms; 120 ms leaves room).
    "api_seconds_per_request": 0.12,
    # Lambda seconds of processing functions per recorded tour (download, ffmpeg, 3 chunks, merge, AI).
    "processing_lambda_seconds_per_tour": 180,
    "processing_gb": 1.0,
    # Whisper requests per recorded tour: 30 minutes cut into AUDIO_CHUNK_SECONDS=600 chunks.
    "whisper_requests_per_tour": 3,
    # Chat requests per recorded tour (highlights, summary) and their tokens (30 min ~ 6k tokens).
    "chat_requests_per_tour": 2,
    "chat_tokens_per_tour": 15_000,
    "chat_output_tokens_per_tour": 1_500,
    # Standard-workflow transitions per execution: ~10 top-level states + 4 per chunk.
    "state_transitions_per_tour": 22,
    "processing_minutes_per_tour": 3,
    # Reminders (24 h and 1 h before) are one-time schedules deleted after they fire.
    "reminders_per_booking": 2,
    "booking_horizon_days": 14,
    # Emails per booking: requested, confirmed, two reminders, started, summary.
    "emails_per_booking": 6,
    "completed_share": 0.8,
    # Requests a booking's life makes (browse excluded): create, confirm, lists, details.
    "api_requests_per_booking": 12,
    "peak_hour_share_of_bookings": 0.15,
    # Each recorded tour writes its own prefix (recordings/<tour>/...): capture chunks every 5 s.
    "capture_puts_per_second_per_tour": 0.2,
    # Share of all browse that opens the single most viewed listing (a viral listing).
    "hottest_listing_share": 0.01,
    # Equivalent hours per day at peak rate (for monthly counts of browse requests).
    "peak_equivalent_hours_per_day": 6,
    "audio_mb_per_recorded_minute": 0.5,
}

# The deployment's own settings the model reads (template.yaml defaults).
TEMPLATE: dict[str, float] = {
    "api_stage_rate_limit": 50,  # ApiThrottleRateLimit
    "openai_reserved_concurrency": 10,  # OpenAIReservedConcurrency (per OpenAI-calling function)
    "map_max_concurrency": 8,  # MapMaxConcurrency in the state machine
    "browse_cache_seconds": 10,  # BrowseCacheSeconds
    # realty.core.shards.SHARDS: partitions of each population key (PROPERTIES, BOOKINGS, TOURS, USERS, AUDIT).
    "population_shards": 2,
}

# ---------------------------------------------------------------- quotas and prices


@dataclass(frozen=True)
class Quota:
    value: float
    unit: str
    source: str
    status: str  # "read" on the cited page, or "confirm" in the account's Service Quotas
    adjustable: bool


Q = Quota
QUOTAS: dict[str, Quota] = {
    "dynamodb_partition_rcu": Q(
        3000,
        "RCU/s per partition",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
        "read",
        False,
    ),
    "dynamodb_partition_wcu": Q(
        1000,
        "WCU/s per partition",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
        "read",
        False,
    ),
    "dynamodb_table_on_demand": Q(
        40000,
        "RRU/s (or WRU/s) per on-demand table",
        "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
        "confirm",
        True,
    ),
    "lambda_concurrency": Q(
        1000,
        "concurrent executions per Region",
        "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
        "read",
        True,
    ),
    "lambda_scaling_rate": Q(
        1000,
        "new execution environments per function per 10 s",
        "https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html",
        "read",
        False,
    ),
    "apigw_account_rps": Q(
        10000,
        "requests/s per account and Region (burst 5,000)",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        "read",
        True,
    ),
    "apigw_stage_rps": Q(
        TEMPLATE["api_stage_rate_limit"],
        "requests/s, the stage throttle this template sets",
        "template.yaml ApiThrottleRateLimit",
        "read",
        True,
    ),
    "chime_active_meetings": Q(
        250,
        "active meetings per account and Region",
        "https://docs.aws.amazon.com/general/latest/gr/chime-sdk.html",
        "confirm",
        True,
    ),
    "chime_attendees_per_meeting": Q(
        250,
        "attendees per meeting",
        "https://aws.amazon.com/about-aws/whats-new/2020/05/amazon-chime-sdk-meetings-support-250-attendees",
        "read",
        False,
    ),
    "chime_create_meeting_tps": Q(
        10,
        "CreateMeeting requests/s (429 ThrottledClientException above)",
        "https://docs.aws.amazon.com/chime-sdk/latest/dg/quotas-throttling.html",
        "confirm",
        True,
    ),
    "chime_media_pipelines": Q(
        100,
        "active media pipelines in us-east-1 (10 in other Regions)",
        "https://docs.aws.amazon.com/chime-sdk/latest/dg/media-pipelines-limits.html",
        "read",
        True,
    ),
    "sfn_start_execution": Q(
        300,
        "StartExecution/s refill in us-east-1 (bucket 1,300)",
        "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
        "confirm",
        True,
    ),
    "sfn_state_transitions": Q(
        5000,
        "state transitions/s refill, standard workflows, us-east-1",
        "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
        "confirm",
        True,
    ),
    "scheduler_schedules": Q(
        1_000_000,
        "schedules per account and Region",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
        "confirm",
        True,
    ),
    "scheduler_invocations": Q(
        1000,
        "target invocations/s in us-east-1",
        "https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html",
        "confirm",
        True,
    ),
    "ses_rate": Q(
        14,
        "messages/s for a new production account",
        "https://docs.aws.amazon.com/ses/latest/dg/quotas.html",
        "confirm",
        True,
    ),
    "ses_daily": Q(
        50000,
        "messages per 24 hours for a new production account",
        "https://docs.aws.amazon.com/ses/latest/dg/quotas.html",
        "confirm",
        True,
    ),
    "openai_whisper_rpm": Q(
        500,
        "whisper-1 requests/min at usage tier 1 (2,500 / 5,000 / 7,500 / 10,000 at tiers 2-5)",
        "https://developers.openai.com/api/docs/guides/rate-limits",
        "confirm",
        True,
    ),
    "openai_chat_tpm": Q(
        200_000,
        "gpt-4o-mini tokens/min at usage tier 1 (150M at tier 5)",
        "https://developers.openai.com/api/docs/guides/rate-limits",
        "confirm",
        True,
    ),
    "s3_prefix_puts": Q(
        3500,
        "PUT/COPY/POST/DELETE per second per prefix",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
        "read",
        False,
    ),
    "s3_prefix_gets": Q(
        5500,
        "GET/HEAD per second per prefix",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html",
        "read",
        False,
    ),
}

# List prices, us-east-1, USD; `confirm` as for quotas: re-read before a budget is built on them.
PRICES: dict[str, tuple[float, str, str]] = {
    "chime_attendee_minute": (0.0017, "https://aws.amazon.com/chime/chime-sdk/pricing/", "confirm"),
    "chime_capture_minute": (0.017, "https://aws.amazon.com/chime/chime-sdk/pricing/", "confirm"),
    "whisper_minute": (0.006, "https://developers.openai.com/api/docs/models/whisper-1", "read"),
    "chat_input_per_million": (0.15, "https://openai.com/api/pricing/", "confirm"),
    "chat_output_per_million": (0.60, "https://openai.com/api/pricing/", "confirm"),
    "lambda_gb_second_arm": (0.0000133334, "https://aws.amazon.com/lambda/pricing/", "confirm"),
    "lambda_request": (0.20 / 1e6, "https://aws.amazon.com/lambda/pricing/", "confirm"),
    "apigw_rest_request": (3.50 / 1e6, "https://aws.amazon.com/api-gateway/pricing/", "confirm"),
    "dynamodb_write_unit": (0.625 / 1e6, "https://aws.amazon.com/dynamodb/pricing/on-demand/", "confirm"),
    "dynamodb_read_unit": (0.125 / 1e6, "https://aws.amazon.com/dynamodb/pricing/on-demand/", "confirm"),
    "sfn_transition": (0.025 / 1000, "https://aws.amazon.com/step-functions/pricing/", "confirm"),
    "ses_email": (0.10 / 1000, "https://aws.amazon.com/ses/pricing/", "confirm"),
    "s3_gb_month": (0.023, "https://aws.amazon.com/s3/pricing/", "confirm"),
    "scheduler_invocation": (1.00 / 1e6, "https://aws.amazon.com/eventbridge/pricing/", "confirm"),
}

# Writes per tour's whole life in DynamoDB units (transactions cost 2 per item, audit included).
WRITE_UNITS_PER_TOUR = 60
READ_UNITS_PER_TOUR = 80
API_REQUESTS_PER_TOUR = 12 + 360  # the booking's requests + 30 min of polling by two sides
# Fixed monthly: ~45 alarms at $0.10, 3 secrets at $0.40, one KMS key at $1, the dashboard at $3.
FIXED_MONTHLY = 45 * 0.10 + 3 * 0.40 + 1.0 + 3.0


# ---------------------------------------------------------------- derived demand at 1x


def _b(name: str) -> float:
    return BASELINE[name]


def _w(name: str) -> float:
    return WORKLOAD[name]


def tours_per_day() -> float:
    return _b("bookings_per_day") * _w("completed_share")


def tour_starts_per_second_at_peak() -> float:
    return _b("concurrent_tours_at_peak") / _w("start_window_seconds")


def recorded_tours_ending_per_minute_at_peak() -> float:
    """The evening's recorded tours end together (on the hour): their processing starts in one minute."""
    return _b("concurrent_tours_at_peak") * _w("recorded_share")


def api_rps_at_peak() -> float:
    bookings = _b("bookings_per_day") * _w("peak_hour_share_of_bookings") / 3600 * _w("api_requests_per_booking")
    tours = _b("concurrent_tours_at_peak") * _w("api_rps_per_live_tour")
    return _b("browse_requests_per_second_at_peak") + tours + bookings


def mutations_per_second_at_peak() -> float:
    """Audited changes per second in the minute the evening's tours start (the busiest minute)."""
    starts = tour_starts_per_second_at_peak() * _w("mutations_per_tour_start")
    bookings = _b("bookings_per_day") * _w("peak_hour_share_of_bookings") / 3600 * 5
    return starts + bookings


def processing_executions_in_flight() -> float:
    per_second = recorded_tours_ending_per_minute_at_peak() / 60
    return per_second * _w("processing_minutes_per_tour") * 60


@dataclass(frozen=True)
class Limit:
    name: str
    quota: str
    demand: Callable[[], float]  # at 1x, in the quota's unit
    scales: bool  # False: demand does not grow with the multiple (a per-item bound)
    how: str  # how the demand is derived
    fix: str  # what the design does (or must do) about it


def _browse_active_rcu() -> float:
    rps = _b("browse_requests_per_second_at_peak") * _w("browse_share_without_city")
    return rps * _w("rcu_per_browse_page")


def _browse_active_cached_rcu() -> float:
    """Each properties instance reads a page shape at most once per TTL: instances x shapes / TTL
    pages a second (fewer when an instance sees fewer requests than shapes in a TTL). Instances grow
    with the browse rate (concurrency = rate x duration), so the cache divides the load by a constant
    (requests an instance serves per TTL / shapes), it does not cap it."""
    instances = _b("browse_requests_per_second_at_peak") * _w("api_seconds_per_request")
    ttl = TEMPLATE["browse_cache_seconds"]
    per_instance = _b("browse_requests_per_second_at_peak") * _w("browse_share_without_city") / instances * ttl
    return instances * min(_w("browse_cache_shapes"), per_instance) / ttl * _w("rcu_per_browse_page")


LIMITS: tuple[Limit, ...] = (
    Limit(
        "API stage throttle",
        "apigw_stage_rps",
        api_rps_at_peak,
        True,
        "browse + 0.2 req/s per live tour + bookings' requests in the peak hour",
        "a template parameter: raise ApiThrottleRateLimit/BurstLimit with the account quota before growth",
    ),
    Limit(
        "API Gateway account throttle",
        "apigw_account_rps",
        api_rps_at_peak,
        True,
        "same requests as the stage",
        "raise the account quota; browse pages cacheable at the edge (CloudFront) take most of it off",
    ),
    Limit(
        "Lambda concurrency (Region)",
        "lambda_concurrency",
        lambda: api_rps_at_peak() * _w("api_seconds_per_request") + processing_executions_in_flight(),
        True,
        "API rps x 120 ms + processing functions in flight",
        "LambdaConcurrencyQuota parameter and an alarm at 80% of it (ClaimedAccountConcurrency)",
    ),
    Limit(
        "Lambda scaling rate (properties function)",
        "lambda_scaling_rate",
        lambda: _b("browse_requests_per_second_at_peak") * _w("api_seconds_per_request"),
        True,
        "browse concurrency, if the whole peak arrived within 10 s",
        "evening peaks ramp over minutes: only a flash crowd meets it",
    ),
    Limit(
        "DynamoDB partition reads: GSI3 `ACTIVE`, uncached (BrowseCacheSeconds=0)",
        "dynamodb_partition_rcu",
        _browse_active_rcu,
        True,
        "browse without a city x 4 RCU a page",
        "hot by reads, which sharding cannot spread (every page reads every shard): the row below",
    ),
    Limit(
        "DynamoDB partition reads: GSI3 `ACTIVE`, BrowseCacheSeconds=10",
        "dynamodb_partition_rcu",
        _browse_active_cached_rcu,
        True,
        "properties instances (browse rps x 120 ms) x 10 page shapes / 10 s TTL x 4 RCU",
        "each instance keeps a buyers' browse page 10 s; past this, the first page at the edge (CloudFront)",
    ),
    Limit(
        "DynamoDB partition reads: GSI2 `ACTIVE#CITY#<largest city>`",
        "dynamodb_partition_rcu",
        lambda: (
            _b("browse_requests_per_second_at_peak")
            * (1 - _w("browse_share_without_city"))
            * _w("largest_city_share")
            * _w("rcu_per_browse_page")
        ),
        True,
        "the largest city's browse x 4 RCU a page",
        "spread by design (one partition per city); shard a city that outgrows it",
    ),
    Limit(
        "DynamoDB partition writes: audit feed GSI2 `AUDIT#<shard>`",
        "dynamodb_partition_wcu",
        lambda: mutations_per_second_at_peak() * 1 / TEMPLATE["population_shards"],
        True,
        "audited changes/s in the minute tours start x 1 WCU (a GSI write is not transactional) / 2 shards",
        "was one base-table `AUDIT` partition at 2 WCU a change (353x); more shards cost a Query each per page",
    ),
    Limit(
        "DynamoDB partition writes: audit `RESOURCE#<type>#<id>` (one tour)",
        "dynamodb_partition_wcu",
        lambda: _w("mutations_per_tour_start") * 2 / _w("start_window_seconds"),
        False,
        "one tour's audited changes as it starts, within a minute, x 2 WCU",
        "never: the audit table is keyed by the changed resource, so its writes spread with the resources",
    ),
    Limit(
        "DynamoDB partition writes: GSI4 `TOURS#<shard>` / `BOOKINGS#<shard>`",
        "dynamodb_partition_wcu",
        lambda: tour_starts_per_second_at_peak() * 2 / TEMPLATE["population_shards"],
        True,
        "tour (and booking) item changes/s as tours start and end / 2 shards",
        "sharded by id (realty.core.shards); a throttled GSI throttles the table's writes",
    ),
    Limit(
        "DynamoDB table throughput (on-demand)",
        "dynamodb_table_on_demand",
        lambda: api_rps_at_peak() * _w("rcu_per_browse_page"),
        True,
        "every request reading about one browse page",
        "raise the table quota (adjustable)",
    ),
    Limit(
        "Chime SDK active meetings",
        "chime_active_meetings",
        lambda: _b("concurrent_tours_at_peak"),
        True,
        "one meeting per live tour",
        "ChimeMeetingsQuota parameter, alarm at 80%; a start refused for quota answers 503 + Retry-After",
    ),
    Limit(
        "Chime SDK CreateMeeting rate",
        "chime_create_meeting_tps",
        tour_starts_per_second_at_peak,
        True,
        "the evening's tours started within one minute",
        "a throttled start answers 429 + Retry-After; the client retries, the booking is untouched",
    ),
    Limit(
        "Chime SDK attendees per meeting",
        "chime_attendees_per_meeting",
        lambda: 4,
        False,
        "MaxCount 4 (realtor, buyer, pipeline, a spare device)",
        "never: per meeting, not per account",
    ),
    Limit(
        "Chime SDK media pipelines (us-east-1)",
        "chime_media_pipelines",
        lambda: _b("concurrent_tours_at_peak") * _w("recorded_share"),
        True,
        "one capture pipeline per recorded live tour (+ a short concatenation)",
        "raise the quota before launch (10 outside us-east-1); a refused capture answers 503 + Retry-After",
    ),
    Limit(
        "Step Functions StartExecution",
        "sfn_start_execution",
        lambda: recorded_tours_ending_per_minute_at_peak() / 60 * 60,  # all within one second, worst case
        True,
        "every recorded tour's execution started in the same second",
        "the processing queue starts executions at a set rate",
    ),
    Limit(
        "Step Functions state transitions",
        "sfn_state_transitions",
        lambda: (
            processing_executions_in_flight()
            * _w("state_transitions_per_tour")
            / (_w("processing_minutes_per_tour") * 60)
        ),
        True,
        "executions in flight x 22 transitions over 3 minutes",
        "the queue bounds executions in flight",
    ),
    Limit(
        "EventBridge Scheduler schedules",
        "scheduler_schedules",
        lambda: _b("bookings_per_day") * _w("booking_horizon_days") * _w("reminders_per_booking"),
        True,
        "reminders of 14 days of bookings (deleted after they fire)",
        "raise the quota; or one schedule per slot time instead of per booking",
    ),
    Limit(
        "EventBridge Scheduler invocations",
        "scheduler_invocations",
        lambda: _b("concurrent_tours_at_peak"),
        True,
        "the 1-hour reminders of the evening's tours fire in the same second (FlexibleTimeWindow OFF)",
        "a flexible window of a few minutes spreads them",
    ),
    Limit(
        "SES sending rate",
        "ses_rate",
        lambda: tour_starts_per_second_at_peak() + _b("concurrent_tours_at_peak") / 60,
        True,
        "'tour started' emails and reminders in the busiest minute",
        "request a higher rate with production access; the adapter backs off on Throttling",
    ),
    Limit(
        "SES daily quota",
        "ses_daily",
        lambda: _b("bookings_per_day") * _w("emails_per_booking"),
        True,
        "6 emails per booking",
        "request a higher quota (grows with reputation)",
    ),
    Limit(
        "OpenAI whisper-1 requests/min (tier 1)",
        "openai_whisper_rpm",
        lambda: recorded_tours_ending_per_minute_at_peak() * _w("whisper_requests_per_tour"),
        True,
        "3 chunks per recorded tour, all tours ending in one minute (unbounded)",
        "the processing queue drains at ProcessingConcurrency; OpenAIRequestsPerMinute parameter + alarm",
    ),
    Limit(
        "OpenAI gpt-4o-mini tokens/min (tier 1)",
        "openai_chat_tpm",
        lambda: recorded_tours_ending_per_minute_at_peak() * _w("chat_tokens_per_tour"),
        True,
        "15k tokens per recorded tour, all in one minute (unbounded)",
        "the queue spreads the burst; a higher tier for sustained volume",
    ),
    Limit(
        "S3 PUTs per prefix (recordings)",
        "s3_prefix_puts",
        lambda: _w("capture_puts_per_second_per_tour"),
        False,
        "each tour writes its own prefix `recordings/<tour>/`",
        "never: prefixes are per tour",
    ),
    Limit(
        "S3 GETs per prefix (hottest listing's photos)",
        "s3_prefix_gets",
        lambda: _b("browse_requests_per_second_at_peak") * _w("hottest_listing_share"),
        True,
        "1% of browse opening one listing's photo prefix",
        "prefixes are per listing; CloudFront in front if one listing goes viral",
    ),
)


def breaks_at(limit: Limit) -> float:
    """The multiple of the baseline at which demand reaches the quota (inf if it never grows)."""
    demand = limit.demand()
    quota = QUOTAS[limit.quota].value
    if not limit.scales:
        return math.inf if demand < quota else 0.0
    return quota / demand


# ---------------------------------------------------------------- costs


def cost_per_tour() -> dict[str, float]:
    p = {name: value for name, (value, _, _) in PRICES.items()}
    minutes = _w("tour_minutes")
    recorded = _w("recorded_share")
    chat_in = _w("chat_tokens_per_tour") - _w("chat_output_tokens_per_tour")
    return {
        "Chime meeting (attendee-minutes)": minutes * _w("attendees_per_tour") * p["chime_attendee_minute"],
        "Chime capture (recorded share)": minutes * recorded * p["chime_capture_minute"],
        "OpenAI transcription": minutes * recorded * p["whisper_minute"],
        "OpenAI highlights and summary": recorded
        * (chat_in * p["chat_input_per_million"] + _w("chat_output_tokens_per_tour") * p["chat_output_per_million"])
        / 1e6,
        "Lambda (API + processing)": API_REQUESTS_PER_TOUR
        * (p["lambda_request"] + _w("api_seconds_per_request") * 0.5 * p["lambda_gb_second_arm"])
        + recorded * _w("processing_lambda_seconds_per_tour") * _w("processing_gb") * p["lambda_gb_second_arm"],
        "API Gateway": API_REQUESTS_PER_TOUR * p["apigw_rest_request"],
        "DynamoDB": WRITE_UNITS_PER_TOUR * p["dynamodb_write_unit"] + READ_UNITS_PER_TOUR * p["dynamodb_read_unit"],
        "Step Functions": recorded * _w("state_transitions_per_tour") * p["sfn_transition"],
        "SES + Scheduler": _w("emails_per_booking") * p["ses_email"]
        + _w("reminders_per_booking") * p["scheduler_invocation"],
        "S3 (a year of audio)": recorded
        * minutes
        * _w("audio_mb_per_recorded_minute")
        * 2
        / 1024
        * p["s3_gb_month"]
        * 12,
    }


def browse_cost_per_month() -> float:
    p = {name: value for name, (value, _, _) in PRICES.items()}
    requests = _b("browse_requests_per_second_at_peak") * _w("peak_equivalent_hours_per_day") * 3600 * 30
    per_request = (
        p["apigw_rest_request"]
        + p["lambda_request"]
        + _w("api_seconds_per_request") * 0.5 * p["lambda_gb_second_arm"]
        + _w("rcu_per_browse_page") * p["dynamodb_read_unit"]
    )
    return requests * per_request


def monthly_cost(multiple: float) -> float:
    tours = tours_per_day() * 30 * multiple
    return tours * sum(cost_per_tour().values()) + browse_cost_per_month() * multiple + FIXED_MONTHLY


# ---------------------------------------------------------------- the document


def _num(value: float) -> str:
    if math.isinf(value):
        return "never"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def _source(status: str, source: str) -> str:
    return f"[{status}]({source})" if source.startswith("https://") else f"{status}: {source}"


def _cell(limit: Limit, multiple: int) -> str:
    demand = limit.demand() * (multiple if limit.scales else 1)
    quota = QUOTAS[limit.quota].value
    mark = " **over**" if demand >= quota else (" (≥80%)" if demand >= 0.8 * quota else "")
    return f"{_num(demand)}{mark}"


def render() -> str:
    ordered = sorted(LIMITS, key=breaks_at)
    lines = [
        "# Scale model",
        "",
        "Generated by `python -m tools.scale_model --write` from the parameters at the top of",
        "`tools/scale_model.py`; do not edit by hand (a unit test re-runs the script and compares).",
        "",
        "## Baseline (1x)",
        "",
        "| figure | 1x | 100x | 1,000x |",
        "|---|---|---|---|",
    ]
    for name, value in BASELINE.items():
        lines.append(f"| {name.replace('_', ' ')} | " + " | ".join(_num(value * m) for m in MULTIPLES) + " |")
    lines += [
        "",
        "Derived at 1x: "
        f"{_num(api_rps_at_peak())} API requests/s at peak, {_num(tours_per_day())} tours a day, "
        f"{_num(tour_starts_per_second_at_peak())} tour starts/s in the minute the evening's tours begin, "
        f"{_num(recorded_tours_ending_per_minute_at_peak())} recorded tours ending in the same minute.",
        "",
        "## Limits, first hit first",
        "",
        "Demand is in the quota's unit at each multiple; **over** means the quota is exceeded there, "
        "(≥80%) that an alarm at 80% would fire. `confirm`: the commonly published default, to be checked "
        "in the account's Service Quotas console (quotas differ by Region and account age).",
        "",
        "| limit | quota | 1x | 100x | 1,000x | hit at | how demand is counted | what the design does |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for limit in ordered:
        quota = QUOTAS[limit.quota]
        at = breaks_at(limit)
        hit = "never" if math.isinf(at) else f"{_num(at)}x"
        lines.append(
            f"| {limit.name} | {_num(quota.value)} {quota.unit} ({_source(quota.status, quota.source)}) | "
            + " | ".join(_cell(limit, m) for m in MULTIPLES)
            + f" | {hit} | {limit.how} | {limit.fix} |"
        )
    before_100 = [limit.name for limit in ordered if breaks_at(limit) < 100]
    before_1000 = [limit.name for limit in ordered if 100 <= breaks_at(limit) < 1000]
    lines += [
        "",
        "## Reading it",
        "",
        f"- Met before 100x: {'; '.join(before_100)}.",
        f"- Met between 100x and 1,000x: {'; '.join(before_1000)}.",
        "- The very first ones are bursts, not volume: the evening's recorded tours end together and, "
        "unbounded, would send every transcription and summary to OpenAI in the same minute. The processing "
        "queue drains at a concurrency the tier carries, so the burst becomes a short wait, not failed runs.",
        "- The API stage throttle is this template's own setting (ApiThrottleRateLimit), to be raised with the "
        "account quota; Chime meetings and media pipelines, Lambda concurrency and OpenAI are quotas to raise "
        "and watch: template parameters with CloudWatch alarms at 80%.",
        "- No key carries a whole population: GSI4 `PROPERTIES`, `BOOKINGS`, `TOURS`, GSI2 `USERS` and the "
        "audit feed (GSI2 `AUDIT`) are written in two shards each and listed by one merged read (two Queries a "
        "page); the audit table itself is keyed by the changed resource. GSI3 `ACTIVE` is hot by reads, "
        "which sharding cannot spread: each properties instance keeps a buyers' browse page for "
        "BrowseCacheSeconds, which divides its reads by a constant; past that, cache the first page at "
        "the edge.",
        "- Nothing has a per-item bound that grows with the population: attendees per meeting and S3 "
        "prefixes are per tour or per listing.",
        "- A quota that is hit answers a clear, retryable error rather than losing work: a tour start Chime "
        "refuses for quota or throttling is a 503 or 429 with Retry-After, the booking and tour unchanged.",
        "",
        "## Cost",
        "",
        "List prices, us-east-1, USD (sources below; `confirm` as for quotas).",
        "",
        "| per tour | USD |",
        "|---|---|",
    ]
    per_tour = cost_per_tour()
    for name, value in per_tour.items():
        lines.append(f"| {name} | {value:.5f} |")
    lines.append(f"| **total per tour** | **{sum(per_tour.values()):.4f}** |")
    lines += ["", "| per month | 1x | 100x | 1,000x |", "|---|---|---|---|"]
    lines.append("| tours | " + " | ".join(_num(tours_per_day() * 30 * m) for m in MULTIPLES) + " |")
    lines.append("| USD (tours + browse + fixed) | " + " | ".join(f"{monthly_cost(m):,.0f}" for m in MULTIPLES) + " |")
    lines += ["", "Prices:", ""]
    for name, (value, source, status) in PRICES.items():
        lines.append(f"- {name.replace('_', ' ')}: {value:g} ({_source(status, source)})")
    lines += ["", "Workload assumptions (per unit, see the comments in the script for why):", ""]
    for name, value in WORKLOAD.items():
        lines.append(f"- {name.replace('_', ' ')}: {_num(value)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="regenerate docs/scale.md")
    group.add_argument("--check", action="store_true", help="exit 1 when docs/scale.md has drifted")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        SCALE_DOC.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = SCALE_DOC.read_text(encoding="utf-8") if SCALE_DOC.exists() else ""
        if current != text:
            print("docs/scale.md is out of date: run python -m tools.scale_model --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
