from testkit.api import call


def test_health_answers_in_the_envelope(aws):
    result = call("GET", "/api/v1/health")
    assert result.status == 200, result.body
    assert result.body["success"] is True
    assert result.data["attributes"]["dependencies"] == {"dynamodb": "ok"}
