"""OpenAI: Whisper (or diarizing) transcription and structured (pydantic-schema) chat outputs.

The `openai` SDK is imported inside the functions that use it (only the processing functions pay
its import time). The key comes from Secrets Manager (`OPENAI_SECRET_ARN`), cached per container;
a missing key or the template's placeholder means "not configured", and callers use the offline
providers instead.

The client never retries (`max_retries=0`): the state machine is the one retry layer, with
backoff and jitter. Failures are translated into the two error names the state machine matches:
`UpstreamRetryable` (429, 5xx, timeouts, connection errors) and `UpstreamPermanent` (exhausted
quota, a refused key, a request OpenAI will never accept).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from realty.adapters.errors import UpstreamPermanent, UpstreamRetryable
from realty.core import snapstart
from realty.core.config import get_settings
from realty.core.secrets import forget_secrets, get_secret

# What template.yaml's OpenAISecret holds until an operator stores a real key.
PLACEHOLDER_KEY = "REPLACE_ME"
WHISPER_MODEL = "whisper-1"
SECRET_MAX_AGE_SECONDS = 300

SchemaT = TypeVar("SchemaT", bound=BaseModel)

_http_client_factory: Callable[[], Any] | None = None
_clients: dict[str, Any] = {}


@dataclass(frozen=True)
class WhisperSegment:
    start: float
    end: float
    text: str
    avg_logprob: float | None = None


@dataclass(frozen=True)
class WhisperResult:
    text: str
    language: str | None
    duration: float
    segments: list[WhisperSegment]


@dataclass(frozen=True)
class DiarizedSegment:
    start: float
    end: float
    text: str
    # A known speaker's name when reference clips were sent, else the model's own `A`, `B`...
    speaker: str


@dataclass(frozen=True)
class DiarizedResult:
    text: str
    duration: float
    segments: list[DiarizedSegment]


def set_http_client_factory(factory: Callable[[], Any] | None) -> None:
    """Make the SDK send through clients from `factory` (tests: an `httpx.Client` that respx mocks)."""
    global _http_client_factory
    _http_client_factory = factory
    _clients.clear()


@snapstart.after_restore
def _renew_clients() -> None:
    """Each restored copy opens its own HTTP connections to OpenAI."""
    _clients.clear()


def reset() -> None:
    """Forget cached clients and the cached key (tests, or after the secret is rotated)."""
    _clients.clear()
    forget_secrets()


def api_key() -> str | None:
    arn = get_settings().openai_secret_arn
    if not arn:
        return None
    raw = str(get_secret(arn, max_age=SECRET_MAX_AGE_SECONDS))
    value = raw.strip()
    if value.startswith("{"):
        try:
            value = str(json.loads(value).get("api_key") or "").strip()
        except (ValueError, AttributeError):
            value = ""
    if not value or value == PLACEHOLDER_KEY:
        return None
    return value


def is_configured() -> bool:
    return api_key() is not None


def _client() -> Any:
    key = api_key()
    if key is None:
        raise UpstreamPermanent("OpenAI is not configured (no API key in the OpenAI secret)")
    if key not in _clients:
        import openai

        _clients.clear()
        # No client-wide timeout: every request below carries its own (the caller's time left).
        _clients[key] = openai.OpenAI(
            api_key=key,
            max_retries=0,
            http_client=_http_client_factory() if _http_client_factory else None,
        )
    return _clients[key]


@contextmanager
def _upstream(what: str) -> Iterator[None]:
    """OpenAI's failures as the two errors the state machine tells apart.

    Every request is counted (OpenAIRequests, OpenAIRateLimited): the deployment's alarm compares them
    with the tier's requests per minute (the OpenAIRequestsPerMinute parameter).
    """
    import openai

    from realty.core.metrics import count

    count("OpenAIRequests")
    try:
        yield
    except openai.RateLimitError as error:
        count("OpenAIRateLimited")
        if "insufficient_quota" in (error.code, error.type):
            raise UpstreamPermanent(
                "the OpenAI account is out of quota (insufficient_quota): add credit, then reprocess the tour"
            ) from error
        raise UpstreamRetryable(f"OpenAI rate-limited the {what} request (429)") from error
    except openai.InternalServerError as error:
        raise UpstreamRetryable(f"OpenAI failed the {what} request ({error.status_code})") from error
    except openai.APITimeoutError as error:
        raise UpstreamRetryable(f"OpenAI did not answer the {what} request in time") from error
    except openai.APIConnectionError as error:
        raise UpstreamRetryable(f"OpenAI could not be reached for the {what} request") from error
    except (openai.AuthenticationError, openai.PermissionDeniedError) as error:
        raise UpstreamPermanent("OpenAI refused the API key: check the OpenAI secret") from error
    except openai.APIStatusError as error:
        if error.status_code in (408, 409):
            raise UpstreamRetryable(f"OpenAI asked to retry the {what} request ({error.status_code})") from error
        detail = str(getattr(error, "message", "") or "")[:200]
        raise UpstreamPermanent(f"OpenAI refused the {what} request ({error.status_code}): {detail}") from error
    except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as error:
        raise UpstreamPermanent(f"OpenAI could not complete the {what} answer ({type(error).__name__})") from error


def transcribe(path: Path, *, timeout: float, model: str = WHISPER_MODEL, prompt: str | None = None) -> WhisperResult:
    """Whisper with segment timestamps (seconds from the start of this file)."""
    options: dict[str, Any] = {"prompt": prompt} if prompt else {}
    with _upstream("transcription"), path.open("rb") as audio:
        response = _client().audio.transcriptions.create(
            model=model,
            file=audio,
            response_format="verbose_json",
            timestamp_granularities=["segment"],
            timeout=timeout,
            **options,
        )
    segments = [
        WhisperSegment(
            start=float(segment.start),
            end=float(segment.end),
            text=str(segment.text),
            avg_logprob=float(segment.avg_logprob) if segment.avg_logprob is not None else None,
        )
        for segment in (response.segments or [])
    ]
    return WhisperResult(
        text=str(response.text),
        language=str(response.language) if response.language else None,
        duration=float(response.duration or 0),
        segments=segments,
    )


def _data_url(path: Path) -> str:
    import base64

    kind = "wav" if path.suffix.lower() == ".wav" else "mpeg"
    return f"data:audio/{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def transcribe_diarized(
    path: Path, *, timeout: float, model: str, references: dict[str, Path] | None = None
) -> DiarizedResult:
    """The diarizing model (`diarized_json`): segments with their speaker.

    `references` (speaker name -> a 2-10 s clip of their voice) are sent as `known_speaker_names` /
    `known_speaker_references` (data URLs), and the segments then carry those names. The model takes
    no prompt, and needs `chunking_strategy` for audio over 30 seconds: always `auto`."""
    options: dict[str, Any] = {}
    if references:
        names = sorted(references)
        options["known_speaker_names"] = names
        options["known_speaker_references"] = [_data_url(references[name]) for name in names]
    with _upstream("transcription"), path.open("rb") as audio:
        response = _client().audio.transcriptions.create(
            model=model,
            file=audio,
            response_format="diarized_json",
            chunking_strategy="auto",
            timeout=timeout,
            **options,
        )
    segments = [
        DiarizedSegment(
            start=float(segment.start),
            end=float(segment.end),
            text=str(segment.text),
            speaker=str(segment.speaker or ""),
        )
        for segment in (getattr(response, "segments", None) or [])
    ]
    return DiarizedResult(
        text=str(response.text), duration=float(getattr(response, "duration", 0) or 0), segments=segments
    )


def parse(*, system: str, user: str, schema: type[SchemaT], model: str, timeout: float) -> SchemaT:
    """One chat completion whose answer is parsed into `schema` (structured outputs)."""
    with _upstream("analysis"):
        completion = _client().chat.completions.parse(
            model=model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            response_format=schema,
            temperature=0,
            timeout=timeout,
        )
    message = completion.choices[0].message
    if getattr(message, "refusal", None):
        raise UpstreamPermanent(f"the model declined to answer: {str(message.refusal)[:200]}")
    parsed = message.parsed
    if parsed is None:
        raise UpstreamRetryable("the model's answer did not match the expected structure")
    return parsed
