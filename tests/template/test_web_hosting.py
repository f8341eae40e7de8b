"""The web app's hosting: a private bucket behind CloudFront, SPA routing, the app's CSP on every answer."""

from __future__ import annotations

from local.web import content_security_policy
from tools.template import template


def resources() -> dict:
    return template()["Resources"]


def _of_type(resource_type: str) -> dict:
    found = {key: value for key, value in resources().items() if value["Type"] == resource_type}
    assert len(found) == 1, f"one {resource_type} expected, found {sorted(found)}"
    return next(iter(found.values()))


def _distribution() -> dict:
    return _of_type("AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]


def test_the_bucket_is_private_and_read_by_the_distribution_only_through_origin_access_control():
    bucket = resources()["WebBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert "WebsiteConfiguration" not in bucket  # no public website endpoint
    (origin,) = _distribution()["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    statements = resources()["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    reads = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in reads] == [{"Service": "cloudfront.amazonaws.com"}]
    assert "WebDistribution" in str(reads[0]["Condition"])  # this distribution only, not any in the account


def test_app_routes_are_served_the_apps_page():
    config = _distribution()
    assert config["DefaultRootObject"] == "index.html"
    errors = {item["ErrorCode"]: item for item in config["CustomErrorResponses"]}
    for code in (403, 404):  # a missing key answers 403 through origin access control
        assert (errors[code]["ResponseCode"], errors[code]["ResponsePagePath"]) == (200, "/index.html")


def test_every_answer_carries_the_csp_the_local_stack_sends():
    policy = _of_type("AWS::CloudFront::ResponseHeadersPolicy")["Properties"]["ResponseHeadersPolicyConfig"]
    csp = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert csp == content_security_policy()
    assert "script-src 'self';" in csp and "unsafe" not in csp
    behavior = _distribution()["DefaultCacheBehavior"]
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "WebResponseHeadersPolicy"}
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
