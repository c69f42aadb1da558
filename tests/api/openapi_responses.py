"""Checks every answer the API tests get against api/openapi.yaml, in process.

conftest routes each apiclient call through `ResponseCheck.check`: the answer of a documented
operation must have a documented status (exactly, as `4XX`, or `default`), a documented media
type, and a JSON body valid against the response's schema (JSON Schema 2020-12, the dialect
of OpenAPI 3.1, with python3-jsonschema). A mismatch fails the test that got the answer.
Requests to paths or methods the description does not list (probes of the router, hostile
spellings) are not checked: there is no contract to hold them to. A 431 (request line or
headers over 8 KiB) is answered before any routing, so on an operation that does not list
it, it is checked against components.responses.HeadersTooLarge."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, RefResolver

JSON_TYPES = ("application/json", "application/problem+json")


class ResponseMismatch(AssertionError):
    pass


class ResponseCheck:
    def __init__(self, description: Path):
        self.spec = yaml.safe_load(description.read_text(encoding="utf-8"))
        self.resolver = RefResolver.from_schema(self.spec)
        self.routes: list[tuple[re.Pattern, dict]] = []
        # Literal paths before templated ones: /products/best is not /products/{id}.
        for path, item in sorted(self.spec["paths"].items(), key=lambda kv: kv[0].count("{")):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            self.routes.append((re.compile(f"^{pattern}/?$"), item))
        self.validators: dict[tuple[int, str], Draft202012Validator] = {}
        self.checked = 0

    def _deref(self, node: dict) -> dict:
        while "$ref" in node:
            _, node = self.resolver.resolve(node["$ref"])
        return node

    def operation(self, method: str, target: str) -> dict | None:
        # The router ignores empty segments; match what it would serve.
        path = "/" + "/".join(s for s in urlsplit(target).path.split("/") if s)
        for pattern, item in self.routes:
            if pattern.match(path):
                return item.get(method.lower())
        return None

    def check(self, method: str, target: str, status: int, content_type: str | None,
              body: bytes) -> None:
        op = self.operation(method, target)
        if op is None:
            return
        where = f"{method} {target} -> {status}"
        responses = op.get("responses", {})
        documented = (responses.get(str(status)) or responses.get(f"{status // 100}XX")
                      or responses.get("default"))
        if documented is None and status == 431:
            documented = self.spec["components"]["responses"]["HeadersTooLarge"]
        if documented is None:
            raise ResponseMismatch(f"{where}: status not in the OpenAPI description "
                                   f"(documented: {sorted(responses)}); body {body[:300]!r}")
        documented = self._deref(documented)
        content = documented.get("content")
        self.checked += 1
        if not content:
            return
        media = (content_type or "").split(";")[0].strip().lower()
        if media not in content:
            raise ResponseMismatch(f"{where}: Content-Type {content_type!r} not in "
                                   f"{sorted(content)}")
        schema = content[media].get("schema")
        if schema is None or media not in JSON_TYPES:
            return
        try:
            value = json.loads(body)
        except ValueError as error:
            raise ResponseMismatch(f"{where}: body is not JSON ({error}): {body[:300]!r}")
        key = (id(schema), media)
        validator = self.validators.get(key)
        if validator is None:
            validator = Draft202012Validator(schema, resolver=self.resolver)
            self.validators[key] = validator
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        if errors:
            details = "; ".join(
                f"at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in errors[:5])
            raise ResponseMismatch(f"{where}: body does not match the description: {details}; "
                                   f"body {body[:300]!r}")
