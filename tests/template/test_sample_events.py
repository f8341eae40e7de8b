"""events/*.json are what `sam local invoke -e` feeds a function: each must pass Powertools' strict event model
for its function's event source (the parser models demand fields the data classes tolerate missing, such as
`requestContext.requestTime`), and name a function of the template that receives such events."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser import models
from pydantic import BaseModel

from realty.bookings.events import ReminderEvent
from tools.functions import ROOT
from tools.template import api_routes, resources

EVENTS = ROOT / "events"
FUNCTIONS = resources("AWS::Serverless::Function")

# file -> (the function it is for, the model of that function's event source)
SAMPLES: dict[str, tuple[str, type[BaseModel]]] = {
    "admin_audit_logs.json": ("AdminFunction", models.APIGatewayProxyEventModel),
    "admin_update_user.json": ("AdminFunction", models.APIGatewayProxyEventModel),
    "api_request.json": ("HealthFunction", models.APIGatewayProxyEventModel),
    "authorizer_token.json": ("AuthorizerFunction", models.ApiGatewayAuthorizerToken),
    "billing_checkout_session.json": ("BillingFunction", models.APIGatewayProxyEventModel),
    "bookings_confirm.json": ("BookingsFunction", models.APIGatewayProxyEventModel),
    "bookings_create.json": ("BookingsFunction", models.APIGatewayProxyEventModel),
    "bookings_list_realtor.json": ("BookingsFunction", models.APIGatewayProxyEventModel),
    "chime_media_pipeline_failed.json": ("RecordingEventsFunction", models.EventBridgeModel),
    "chime_meeting_ended.json": ("MeetingEventsFunction", models.EventBridgeModel),
    "processing_execution_timed_out.json": ("ProcessingMarkFailedFunction", models.EventBridgeModel),
    "properties_browse.json": ("PropertiesFunction", models.APIGatewayProxyEventModel),
    "properties_create.json": ("PropertiesFunction", models.APIGatewayProxyEventModel),
    "properties_image_upload.json": ("PropertiesFunction", models.APIGatewayProxyEventModel),
    "recording_object_created.json": ("RecordingEventsFunction", models.S3Model),
    "reminder.json": ("RemindersFunction", ReminderEvent),  # EventBridge Scheduler's input, the function's own model
    "s3_image_uploaded.json": ("ImagesFunction", models.S3Model),
    "stripe_webhook.json": ("StripeWebhookFunction", models.APIGatewayProxyEventModel),
    "tours_add_note.json": ("ToursFunction", models.APIGatewayProxyEventModel),
    "tours_get.json": ("ToursFunction", models.APIGatewayProxyEventModel),
}

# The template's event source type that delivers each model's events.
SOURCES = {
    models.APIGatewayProxyEventModel: "Api",
    models.S3Model: "S3",
    models.EventBridgeModel: "EventBridgeRule",
}


def test_every_sample_event_is_covered():
    assert sorted(p.name for p in EVENTS.glob("*.json")) == sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_event_passes_its_functions_strict_model(name):
    function, model = SAMPLES[name]
    event = json.loads((EVENTS / name).read_text())
    model.model_validate(event)  # raises with the missing or mistyped fields
    assert function in FUNCTIONS
    source = SOURCES.get(model)
    if source is not None:
        kinds = {e["Type"] for e in (FUNCTIONS[function]["Properties"].get("Events") or {}).values()}
        assert source in kinds, f"{function} receives no {source} events"
    if model is models.APIGatewayProxyEventModel:
        routes = {(r.method, r.path) for r in api_routes() if r.function == function}
        assert (event["httpMethod"], event["resource"]) in routes
        assert event["requestContext"]["httpMethod"] == event["httpMethod"]


def test_the_strict_model_needs_the_request_time():
    event = json.loads((EVENTS / "api_request.json").read_text())
    del event["requestContext"]["requestTime"]
    with pytest.raises(ValueError, match="requestTime"):
        models.APIGatewayProxyEventModel.model_validate(event)
