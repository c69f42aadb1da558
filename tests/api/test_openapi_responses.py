"""The in-process OpenAPI response check (tests/api/openapi_responses.py) catches answers
that disagree with the description: a field of the wrong type, an undocumented status, an
undocumented media type. Each case is a real answer of the service checked against a
copy of api/openapi.yaml with one thing changed; the real description accepts it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openapi_responses import ResponseCheck, ResponseMismatch

DESCRIPTION = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"


def check_with(tmp_path, change) -> ResponseCheck:
    spec = yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return ResponseCheck(path)


def verify(check: ResponseCheck, method: str, path: str, r) -> None:
    check.check(method, path, r.status, r.header("Content-Type"), r.raw)


def test_a_field_of_another_type_is_a_mismatch(client, user, tmp_path):
    r = client.call("POST", "/api/v1/points/charge", {"userId": user, "amount": 10})
    assert r.status == 200
    verify(ResponseCheck(DESCRIPTION), "POST", "/api/v1/points/charge", r)

    def balance_as_string(spec):
        spec["components"]["schemas"]["Balance"]["properties"]["balance"] = {"type": "string"}

    with pytest.raises(ResponseMismatch, match="balance"):
        verify(check_with(tmp_path, balance_as_string), "POST", "/api/v1/points/charge", r)


def test_an_undocumented_status_is_a_mismatch(client, tmp_path):
    r = client.call("GET", "/api/v1/products/999999999")
    assert r.status == 404
    verify(ResponseCheck(DESCRIPTION), "GET", "/api/v1/products/999999999", r)

    def no_404(spec):
        del spec["paths"]["/api/v1/products/{id}"]["get"]["responses"]["404"]

    with pytest.raises(ResponseMismatch, match="status not in the OpenAPI description"):
        verify(check_with(tmp_path, no_404), "GET", "/api/v1/products/999999999", r)


def test_an_undocumented_media_type_or_a_missing_field_is_a_mismatch(client, tmp_path):
    r = client.call("GET", "/health")
    assert r.status == 200
    verify(ResponseCheck(DESCRIPTION), "GET", "/health", r)

    def yaml_only(spec):
        ok = spec["paths"]["/health"]["get"]["responses"]["200"]
        ok["content"] = {"application/yaml": ok["content"]["application/json"]}

    with pytest.raises(ResponseMismatch, match="Content-Type"):
        verify(check_with(tmp_path, yaml_only), "GET", "/health", r)

    def version_required(spec):
        status = spec["components"]["schemas"]["Status"]
        status.setdefault("required", []).append("version")

    with pytest.raises(ResponseMismatch, match="version"):
        verify(check_with(tmp_path, version_required), "GET", "/health", r)


def test_paths_the_description_does_not_list_are_not_checked(client):
    r = client.call("GET", "/api/v1/no-such-thing")
    assert r.status == 404
    verify(ResponseCheck(DESCRIPTION), "GET", "/api/v1/no-such-thing", r)
