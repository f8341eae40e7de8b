"""The browse cache is a deployment setting: on (10 s) by default, read only by the properties
function, and off in the local stack unless a run asks for it (tests and `make dev` see new listings
at once)."""

from __future__ import annotations

from local.stack import LOCAL_PARAMETERS
from tools.template import resources, template


def test_browse_cache_seconds_is_a_parameter_the_properties_function_reads():
    parameter = template()["Parameters"]["BrowseCacheSeconds"]
    assert parameter["Type"] == "Number" and parameter["Default"] == 10 and parameter["MinValue"] == 0
    readers = [
        name
        for name, function in resources("AWS::Serverless::Function").items()
        if "BROWSE_CACHE_SECONDS" in ((function["Properties"].get("Environment") or {}).get("Variables") or {})
    ]
    assert readers == ["PropertiesFunction"]
    variables = resources("AWS::Serverless::Function")["PropertiesFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["BROWSE_CACHE_SECONDS"] == {"Ref": "BrowseCacheSeconds"}
    assert LOCAL_PARAMETERS["BrowseCacheSeconds"] == "0"
