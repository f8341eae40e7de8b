"""The one settings model: read and checked once per container from the environment the template sets.

Every function's configuration is here, resource names and tuning alike (the processing steps'
knobs included): each field names its environment variable (`_env`), and `Settings.from_environ`
converts each value to the field's type, refusing one it cannot convert with the variable's name,
so a wrong template value fails the container's first settings read instead of a request halfway.
`get_settings()` caches the result per container; `reset_settings()` forgets it (tests).

A frozen dataclass rather than a pydantic model: every function imports this module, the authorizer
too, which has no other use for pydantic, and pydantic's import and first model cost the authorizer
55-70 ms of cold start (measured on the bench machine), for plain strings and numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

BILLING_MODES = ("stripe", "off")

_CONVERTERS: dict[str, Callable[[str], Any]] = {"str": str, "int": int, "float": float}


def _env(*names: str, default: Any) -> Any:
    """A field read from the first of `names` that is set and not empty; else `default`."""
    return field(default=default, metadata={"env": names})


@dataclass(frozen=True)
class Settings:
    # A docstring of its own also spares dataclass building one from the signature (~1 ms at import).
    """The function's configuration; `get_settings()` reads it once per container."""

    stage: str = _env("STAGE", default="dev")
    region: str = _env("AWS_REGION", "AWS_DEFAULT_REGION", default="us-east-1")
    main_table: str = _env("MAIN_TABLE", default="realty-main")
    audit_table: str = _env("AUDIT_TABLE", default="realty-audit")
    idempotency_table: str = _env("IDEMPOTENCY_TABLE", default="realty-idempotency")
    user_pool_id: str = _env("USER_POOL_ID", default="")
    user_pool_client_id: str = _env("USER_POOL_CLIENT_ID", default="")
    cursor_secret_arn: str = _env("CURSOR_SECRET_ARN", default="")
    kms_key_id: str = _env("KMS_KEY_ID", default="")
    sender_email: str = _env("SENDER_EMAIL", default="no-reply@realtyforyou.example")
    allowed_origin: str = _env("ALLOWED_ORIGIN", default="http://localhost:5173")  # the web app's origin (CORS)
    media_bucket: str = _env("MEDIA_BUCKET", default="")
    recordings_bucket: str = _env("RECORDINGS_BUCKET", default="")
    # The public base URL of processed media (a CDN); empty: presigned URLs.
    media_base_url: str = _env("MEDIA_BASE_URL", default="")
    stripe_secret_arn: str = _env("STRIPE_SECRET_ARN", default="")
    openai_secret_arn: str = _env("OPENAI_SECRET_ARN", default="")
    tour_processing_state_machine_arn: str = _env("TOUR_PROCESSING_STATE_MACHINE_ARN", default="")
    # The FIFO queue a tour waits in before its execution starts (docs/processing.md, "The queue");
    # empty: executions start at once, with no backpressure.
    processing_queue_url: str = _env("PROCESSING_QUEUE_URL", default="")
    # Executions running at once that the OpenAI tier carries (template parameter ProcessingConcurrency).
    processing_max_running: int = _env("PROCESSING_MAX_RUNNING", default=20)
    scheduler_group: str = _env("SCHEDULER_GROUP", default="default")
    scheduler_role_arn: str = _env("SCHEDULER_ROLE_ARN", default="")
    scheduler_dlq_arn: str = _env("SCHEDULER_DLQ_ARN", default="")
    reminders_function_arn: str = _env("REMINDERS_FUNCTION_ARN", default="")
    # The function that closes tours nobody started or ended (`realty.calls.closing`), and when.
    tour_closer_function_arn: str = _env("TOUR_CLOSER_FUNCTION_ARN", default="")
    missed_tour_grace_minutes: int = _env("MISSED_TOUR_GRACE_MINUTES", default=30)
    tour_max_length_minutes: int = _env("TOUR_MAX_LENGTH_MINUTES", default=180)
    chime_media_region: str = _env("CHIME_MEDIA_REGION", default="us-east-1")
    # `stripe`: the pro features follow the realtor's Stripe subscription (or a complimentary plan an
    # admin granted); `off`: a stage without Stripe, where every realtor has them.
    billing_mode: str = _env("BILLING_MODE", default="stripe")
    booking_min_lead_minutes: int = _env("BOOKING_MIN_LEAD_MINUTES", default=60)
    booking_max_days_ahead: int = _env("BOOKING_MAX_DAYS_AHEAD", default=90)
    # Per-user limits of API requests a minute (realty.core.ratelimit); 0: not limited.
    rate_limit_reads_per_minute: int = _env("RATE_LIMIT_READS_PER_MINUTE", default=0)
    rate_limit_writes_per_minute: int = _env("RATE_LIMIT_WRITES_PER_MINUTE", default=0)
    # Questions a user may ask about tours (realty.questions) per UTC day; 0: not limited.
    ask_daily_limit: int = _env("ASK_DAILY_LIMIT", default=50)
    # Seconds a browse page (the same for every buyer) is kept per instance (realty.core.instance_cache);
    # 0: never kept. Template parameter BrowseCacheSeconds.
    browse_cache_seconds: float = _env("BROWSE_CACHE_SECONDS", default=0.0)
    jwks_url_override: str = _env("COGNITO_JWKS_URL", default="")  # the local stack and tests: where JWKS is served
    jwks_timeout_seconds: float = 2.0
    max_body_bytes: int = 64 * 1024
    api_version: str = "1.0"

    # The processing steps' tuning (the template sets some per function).
    openai_model: str = _env("OPENAI_MODEL", default="gpt-4o-mini")  # chat model for highlights and summary
    # `whisper-1`, or `gpt-4o-transcribe-diarize` to have OpenAI label the speakers (template parameter
    # TranscriptionModel); the offline path and the merge's speaker labelling do not depend on it.
    transcription_model: str = _env("TRANSCRIPTION_MODEL", default="whisper-1")
    openai_timeout_seconds: float = _env("OPENAI_TIMEOUT_SECONDS", default=120.0)  # per request, below the timeout
    audio_chunk_seconds: int = _env("AUDIO_CHUNK_SECONDS", default=600)  # target chunk length (cut at a silence)
    audio_cut_search_seconds: int = _env("AUDIO_CUT_SEARCH_SECONDS", default=30)  # how far from it a cut may be
    audio_bitrate_kbps: int = _env("AUDIO_BITRATE_KBPS", default=32)
    llm_window_chars: int = _env("LLM_WINDOW_CHARS", default=12_000)  # transcript characters per LLM request
    llm_window_overlap_segments: int = 3
    # Asking the tour: one chat request's timeout (the request is retried once, within API Gateway's
    # 29 s), and the transcript characters sent whole (a longer one: its best-matching parts).
    ask_openai_timeout_seconds: float = _env("ASK_OPENAI_TIMEOUT_SECONDS", default=11.0)
    ask_transcript_chars: int = _env("ASK_TRANSCRIPT_CHARS", default=60_000)
    max_recording_bytes: int = 2 * 1024 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.billing_mode not in BILLING_MODES:
            raise ValueError(f"BILLING_MODE={self.billing_mode!r} is not one of {', '.join(BILLING_MODES)}")

    @property
    def billing_off(self) -> bool:
        """A stage without Stripe: every realtor has the pro features (BILLING_MODE=off)."""
        return self.billing_mode == "off"

    @property
    def issuer(self) -> str:
        # Cognito (and moto's emulation of it) always names the real regional host in `iss`.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.jwks_url_override or f"{self.issuer}/.well-known/jwks.json"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        values: dict[str, Any] = {}
        for spec in fields(cls):
            # The first variable set to something; an empty one is as good as unset (the default applies).
            found = next(((name, environ[name]) for name in spec.metadata.get("env", ()) if environ.get(name)), None)
            if found is None:
                continue
            name, raw = found
            try:
                values[spec.name] = _CONVERTERS[str(spec.type)](raw)
            except ValueError:
                raise ValueError(f"{name}={raw!r} is not a valid {spec.type}") from None
        return cls(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
