"""The fuzzing hooks: the envelope check, and which real ids path parameters are aimed at."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tests.fuzz import hooks

SEEDS = {
    "tour": ["T1", "T2"],
    "property": ["P1"],
    "image": ["I1"],
    "user": ["THROWAWAY"],
    "protected": ["REALTOR", "BUYER"],
}


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps(SEEDS))
    monkeypatch.setenv(hooks.SEEDS_ENV, str(path))
    hooks.seeds.cache_clear()
    yield
    hooks.seeds.cache_clear()


def _meta() -> dict[str, object]:
    return {"timestamp": "2026-01-01T00:00:00Z", "version": "1.0", "request_id": "r"}


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (200, {"success": True, "data": {}, "meta": _meta()}, None),
        (404, {"success": False, "errors": [{"code": "NOT_FOUND", "message": "no"}], "meta": {"version": "1.0"}}, None),
        (200, {"success": False, "errors": [{"code": "X", "message": "m"}], "meta": _meta()}, "on a 200"),
        (422, {"success": False, "errors": [], "meta": _meta()}, "non-empty"),
        (422, {"success": False, "errors": [{"code": "X"}], "meta": _meta()}, "no `code` and `message`"),
        (200, {"success": True, "data": {}, "meta": _meta(), "extra": 1}, "top-level keys"),
        (200, {"success": True, "data": {}}, "top-level keys"),
        (500, {"message": "Internal server error"}, "`success` is missing"),
        (200, [], "not a JSON object"),
    ],
)
def test_envelope_problem(status, body, problem):
    found = hooks.envelope_problem(status, json.dumps(body).encode())

    assert (found is None) if problem is None else (problem in str(found))


def test_a_non_json_body_is_not_the_envelope():
    assert hooks.envelope_problem(501, b"<html>Unsupported method</html>") == "the body is not JSON"


@pytest.mark.parametrize(
    ("path", "parameter", "kind"),
    [
        ("/api/v1/realtors/tours/{id}/notes", "id", "tour"),
        ("/api/v1/buyers/calls/{id}/join", "id", "call"),
        ("/api/v1/admin/users/{id}", "id", "user"),
        ("/api/v1/realtors/properties/{id}/images/{image_id}", "image_id", "image"),
        ("/api/v1/realtors/properties/{id}/images/{image_id}", "id", "property"),
    ],
)
def test_kind_of_a_path_parameter(path, parameter, kind):
    assert hooks.kind_of(path, parameter) == kind


def _case(path: str, **parameters: str) -> tuple[SimpleNamespace, SimpleNamespace]:
    return SimpleNamespace(operation=SimpleNamespace(path=path)), SimpleNamespace(path_parameters=dict(parameters))


def test_most_generated_ids_become_real_ones_the_same_way_every_time(seeded):
    generated = [f"generated-{n}" for n in range(200)]
    mapped = []
    for value in generated:
        context, case = _case("/api/v1/realtors/tours/{id}", id=value)
        mapped.append(hooks.map_case(context, case).path_parameters["id"])
    again = [
        hooks.map_case(*_case("/api/v1/realtors/tours/{id}", id=value)).path_parameters["id"] for value in generated
    ]

    real = [value for value in mapped if value in SEEDS["tour"]]
    assert mapped == again
    assert 0.6 < len(real) / len(mapped) < 0.9
    assert set(real) == {"T1", "T2"}


def test_the_signed_in_users_are_never_an_admin_target(seeded):
    for value in ("REALTOR", "BUYER"):
        context, case = _case("/api/v1/admin/users/{id}", id=value)
        assert hooks.map_case(context, case).path_parameters == {"id": "THROWAWAY"}


def test_both_parameters_of_an_image_path_are_aimed(seeded):
    hits: set[str] = set()
    for n in range(50):
        context, case = _case("/api/v1/realtors/properties/{id}/images/{image_id}", id=f"a{n}", image_id=f"b{n}")
        parameters = hooks.map_case(context, case).path_parameters
        hits.update(value for value in parameters.values() if value in ("P1", "I1"))
    assert hits == {"P1", "I1"}


def test_no_password_reset_for_the_signed_in_accounts():
    context = SimpleNamespace(operation=SimpleNamespace(path=hooks.PASSWORD_RESET_CONFIRM))

    assert not hooks.filter_case(context, SimpleNamespace(body={"email": " Buyer@Example.com"}))
    assert hooks.filter_case(context, SimpleNamespace(body={"email": "someone@example.com"}))
    assert hooks.filter_case(context, SimpleNamespace(body="not an object"))


def test_only_a_providers_not_configured_503_is_forgiven():
    def response(status: int, code: str) -> SimpleNamespace:
        body = {"success": False, "errors": [{"code": code, "message": "m"}], "meta": {"version": "1.0"}}
        return SimpleNamespace(status_code=status, content=json.dumps(body).encode())

    keep = hooks.filter_failure
    assert not keep(None, None, None, response(503, "NOT_CONFIGURED"))
    assert keep(None, None, None, response(502, "UPSTREAM_ERROR"))
    assert keep(None, None, None, response(500, "INTERNAL_ERROR"))


def test_a_valid_request_refused_as_malformed_is_kept_unless_it_broke_a_named_business_rule():
    class RejectedPositiveData:  # stands in for Schemathesis' failure of `positive_data_acceptance`
        pass

    def response(status: int, *fields: str | None) -> SimpleNamespace:
        errors = [{"code": "VALIDATION_ERROR", "message": "m", **({"field": f} if f else {})} for f in fields]
        body = {"success": False, "errors": errors, "meta": {"version": "1.0"}}
        return SimpleNamespace(status_code=status, content=json.dumps(body).encode())

    keep = hooks.filter_failure
    failure = RejectedPositiveData()
    assert not keep(None, failure, None, response(422, "scheduled_at"))
    assert not keep(None, failure, None, response(400, "cursor"))
    # A field the schema itself documents (null refused where it says nullable, say) stays a failure.
    assert keep(None, failure, None, response(422, "description"))
    assert keep(None, failure, None, response(422, "scheduled_at", "description"))
    assert keep(None, failure, None, response(422, None))
    # Other checks' failures on the same statuses are not this rule's business.
    assert keep(None, object(), None, response(422, "scheduled_at"))
