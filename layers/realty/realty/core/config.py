"""Settings read once per container from the environment the template sets.

A frozen dataclass rather than a pydantic model: every function (the authorizer too, which has no
other use for pydantic) imports this module at cold start, and the values are plain strings and
numbers read from the template's own environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    # A docstring of its own also spares dataclass building one from the signature (~1 ms at import).
    """The function's configuration; `get_settings()` reads it once per container."""

    stage: str = "dev"
    region: str = "us-east-1"
    main_table: str = "realty-main"
    audit_table: str = "realty-audit"
    idempotency_table: str = "realty-idempotency"
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    cursor_secret_arn: str = ""
    kms_key_id: str = ""
    sender_email: str = "no-reply@realtyforyou.example"
    allowed_origin: str = "http://localhost:5173"  # the web app's origin (CORS)
    media_bucket: str = ""
    recordings_bucket: str = ""
    media_base_url: str = ""  # public base URL of processed media (CDN); empty: presigned
    stripe_secret_arn: str = ""
    openai_secret_arn: str = ""
    tour_processing_state_machine_arn: str = ""
    scheduler_group: str = "default"
    scheduler_role_arn: str = ""
    scheduler_dlq_arn: str = ""
    reminders_function_arn: str = ""
    chime_media_region: str = "us-east-1"
    booking_min_lead_minutes: int = 60
    booking_max_days_ahead: int = 90
    jwks_url_override: str = ""  # local stack only: where the pool's JWKS is served
    jwks_timeout_seconds: float = 2.0
    max_body_bytes: int = 64 * 1024
    api_version: str = "1.0"

    @property
    def issuer(self) -> str:
        # Cognito (and moto's emulation of it) always names the real regional host in `iss`.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.jwks_url_override or f"{self.issuer}/.well-known/jwks.json"

    @classmethod
    def from_environ(cls, environ: os._Environ[str] | dict[str, str] = os.environ) -> Settings:
        env = environ.get
        defaults = cls()
        return cls(
            stage=env("STAGE", defaults.stage),
            region=env("AWS_REGION") or env("AWS_DEFAULT_REGION") or defaults.region,
            main_table=env("MAIN_TABLE", defaults.main_table),
            audit_table=env("AUDIT_TABLE", defaults.audit_table),
            idempotency_table=env("IDEMPOTENCY_TABLE", defaults.idempotency_table),
            user_pool_id=env("USER_POOL_ID", ""),
            user_pool_client_id=env("USER_POOL_CLIENT_ID", ""),
            cursor_secret_arn=env("CURSOR_SECRET_ARN", ""),
            kms_key_id=env("KMS_KEY_ID", ""),
            sender_email=env("SENDER_EMAIL", defaults.sender_email),
            allowed_origin=env("ALLOWED_ORIGIN", defaults.allowed_origin),
            media_bucket=env("MEDIA_BUCKET", ""),
            recordings_bucket=env("RECORDINGS_BUCKET", ""),
            media_base_url=env("MEDIA_BASE_URL", ""),
            stripe_secret_arn=env("STRIPE_SECRET_ARN", ""),
            openai_secret_arn=env("OPENAI_SECRET_ARN", ""),
            tour_processing_state_machine_arn=env("TOUR_PROCESSING_STATE_MACHINE_ARN", ""),
            scheduler_group=env("SCHEDULER_GROUP", defaults.scheduler_group),
            scheduler_role_arn=env("SCHEDULER_ROLE_ARN", ""),
            scheduler_dlq_arn=env("SCHEDULER_DLQ_ARN", ""),
            reminders_function_arn=env("REMINDERS_FUNCTION_ARN", ""),
            chime_media_region=env("CHIME_MEDIA_REGION", defaults.chime_media_region),
            booking_min_lead_minutes=int(env("BOOKING_MIN_LEAD_MINUTES", str(defaults.booking_min_lead_minutes))),
            booking_max_days_ahead=int(env("BOOKING_MAX_DAYS_AHEAD", str(defaults.booking_max_days_ahead))),
            jwks_url_override=env("COGNITO_JWKS_URL", ""),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
