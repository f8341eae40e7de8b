"""Health: the version and a cheap check of each dependency a request needs."""

from __future__ import annotations

from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError

from realty import __version__
from realty.core import clock
from realty.core.aws import client
from realty.core.config import get_settings
from realty.core.envelope import Resource
from realty.core.errors import UpstreamError
from realty.core.models import Model


class HealthAttributes(Model):
    status: Literal["ok"]
    version: str
    stage: str
    checked_at: str
    dependencies: dict[str, Literal["ok"]]


def check_health() -> Resource[HealthAttributes]:
    settings = get_settings()
    try:
        client("dynamodb").describe_table(TableName=settings.main_table)
    except (ClientError, BotoCoreError) as error:
        raise UpstreamError("the database is not answering") from error
    attributes = HealthAttributes(
        status="ok",
        version=__version__,
        stage=settings.stage,
        checked_at=clock.now_iso(),
        dependencies={"dynamodb": "ok"},
    )
    return Resource[HealthAttributes](id="health", type="health", attributes=attributes)
