"""Tuning of the processing steps, read once per container from the function's environment.

These are not resource names (those live in `realty.core.config.Settings`), only knobs with sane
defaults that the template may override per function.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field

from realty.adapters.openai import WHISPER_MODEL

# Whisper refuses files over 25 MB; every chunk we send must be far below it.
WHISPER_MAX_BYTES = 25 * 1024 * 1024


class ProcessingSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    openai_model: str = Field(default="gpt-4o-mini", description="chat model for highlights and summary")
    transcription_model: str = WHISPER_MODEL
    openai_timeout_seconds: float = Field(default=120.0, description="per OpenAI request, below the function timeout")
    chunk_seconds: int = Field(default=600, description="target audio chunk length (cut at a silence near it)")
    cut_search_seconds: int = Field(default=30, description="how far from the target a silence may be to cut there")
    audio_bitrate_kbps: int = 32
    llm_window_chars: int = Field(default=12_000, description="transcript characters per LLM request")
    llm_window_overlap_segments: int = 3
    max_recording_bytes: int = 2 * 1024 * 1024 * 1024

    @classmethod
    def from_environ(cls) -> ProcessingSettings:
        env = os.environ.get
        defaults = cls()
        return cls(
            openai_model=env("OPENAI_MODEL") or defaults.openai_model,
            openai_timeout_seconds=float(env("OPENAI_TIMEOUT_SECONDS") or defaults.openai_timeout_seconds),
            chunk_seconds=int(env("AUDIO_CHUNK_SECONDS") or defaults.chunk_seconds),
            cut_search_seconds=int(env("AUDIO_CUT_SEARCH_SECONDS") or defaults.cut_search_seconds),
            audio_bitrate_kbps=int(env("AUDIO_BITRATE_KBPS") or defaults.audio_bitrate_kbps),
            llm_window_chars=int(env("LLM_WINDOW_CHARS") or defaults.llm_window_chars),
        )


@lru_cache(maxsize=1)
def processing_settings() -> ProcessingSettings:
    return ProcessingSettings.from_environ()


def reset_processing_settings() -> None:
    processing_settings.cache_clear()
