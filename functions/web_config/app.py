"""The stack's custom resource WebConfig: writes the web app's config.json into its bucket.

CloudFormation invokes it on Create, Update and Delete of the resource (template.yaml `WebConfig`),
with the API URL, region, stage and Cognito ids as properties; realty.webapp writes or removes the
object and realty.core.custom_resource answers CloudFormation whatever happens.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from realty.core import custom_resource
from realty.core.observability import instrument_handler
from realty.webapp import delete_config, write_config


@instrument_handler(correlation_id_path="RequestId")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    status = custom_resource.handle(event, apply=write_config, remove=delete_config)
    return {"status": status}
