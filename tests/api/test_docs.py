"""/docs (Swagger UI), its assets, and /api/openapi.yaml; and that the OpenAPI description
lists every route of the contract and describes what the service really answers."""

import re
from pathlib import Path

import pytest

from apiclient import assert_json_ok, assert_problem

yaml = pytest.importorskip("yaml", reason="python3-yaml is needed to read the description")

REPO = Path(__file__).resolve().parents[2]
UI_DIR = REPO / "web/node_modules/swagger-ui-dist"

# Every route of ../shared/spec/api.md.
CONTRACT_ROUTES = [
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/points/charge"),
    ("GET", "/api/v1/points"),
    ("GET", "/api/v1/points/history"),
    ("POST", "/api/v1/points/use"),
    ("GET", "/api/v1/products"),
    ("GET", "/api/v1/products/{id}"),
    ("GET", "/api/v1/products/best"),
    ("POST", "/api/v1/coupons/issue"),
    ("GET", "/api/v1/coupons"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{id}"),
    ("POST", "/api/v1/orders/{id}/cancel"),
    ("POST", "/api/v1/admin/products"),
    ("POST", "/api/v1/admin/products/{id}/stock"),
    ("POST", "/api/v1/admin/coupons"),
    ("GET", "/api/v1/admin/coupons/{id}"),
    ("GET", "/api/v1/admin/coupons"),
    ("GET", "/api/v1/admin/orders"),
    ("GET", "/api/v1/admin/stats/daily"),
    ("GET", "/api/v1/orders"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("GET", "/docs"),
    ("GET", "/console"),
]
IDEMPOTENT_ROUTES = [("POST", "/api/v1/points/charge"), ("POST", "/api/v1/orders"),
                     ("POST", "/api/v1/points/use")]
# The contract's error codes (its Errors table).
CONTRACT_CODES = {
    "INVALID_REQUEST", "INVALID_AMOUNT", "UNAUTHORIZED", "FORBIDDEN", "TOO_MANY_REQUESTS",
    "USER_NOT_FOUND", "PRODUCT_NOT_FOUND",
    "COUPON_NOT_FOUND", "ORDER_NOT_FOUND", "NOT_FOUND", "METHOD_NOT_ALLOWED",
    "BALANCE_LIMIT_EXCEEDED", "INSUFFICIENT_BALANCE", "OUT_OF_STOCK", "COUPON_SOLD_OUT",
    "COUPON_ALREADY_ISSUED", "COUPON_NOT_ACTIVE", "COUPON_NOT_USABLE", "ORDER_NOT_PAYABLE",
    "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_PROGRESS", "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE", "INTERNAL", "UNAVAILABLE", "OUTCOME_UNKNOWN",
}
ASSETS = {
    "swagger-ui.css": "text/css",
    "index.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "docs-init.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}


def media_type(r) -> str:
    return (r.header("Content-Type") or "").split(";")[0].strip().lower()


@pytest.fixture(scope="module")
def ui_installed():
    if not (UI_DIR / "swagger-ui-bundle.js").is_file():
        pytest.fail(f"swagger-ui-dist is not installed in {UI_DIR}: run "
                    "`npm ci --prefix web --ignore-scripts` (scripts/test does)", pytrace=False)


@pytest.fixture(scope="module")
def spec(client) -> dict:
    r = client.call("GET", "/api/openapi.yaml")
    assert r.status == 200, r.raw[:300]
    return yaml.safe_load(r.raw)


# ---- the page and its files -----------------------------------------------------------

def test_docs_page_is_html_loading_local_assets(client, ui_installed):
    r = client.call("GET", "/docs")
    assert r.status == 200, r.raw[:300]
    assert media_type(r) == "text/html"
    page = r.raw.decode()
    assert "<div id=\"swagger-ui\">" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, page
    for url in sources:
        assert url.startswith("/docs/assets/") or url == "/api/openapi.yaml", url
    assert "/docs/assets/swagger-ui-bundle.js" in sources
    assert "/docs/assets/swagger-ui.css" in sources
    # no script from anywhere else, and none inline
    assert "http://" not in page and "https://" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert r.header("Cache-Control")
    policy = r.header("Content-Security-Policy") or ""
    assert "script-src 'self'" in policy, policy


def test_initializer_points_at_the_description(client, ui_installed):
    r = client.call("GET", "/docs/assets/docs-init.js")
    assert r.status == 200
    assert b'"/api/openapi.yaml"' in r.raw
    assert b"validatorUrl: null" in r.raw  # never sends the description to an online validator


@pytest.mark.parametrize("name,ctype", sorted(ASSETS.items()))
def test_each_asset_is_served_with_its_type(client, ui_installed, name, ctype):
    r = client.call("GET", f"/docs/assets/{name}")
    assert r.status == 200, r.raw[:300]
    assert media_type(r) == ctype
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert "max-age" in (r.header("Cache-Control") or "")
    assert r.header("ETag")
    if name != "docs-init.js":
        assert r.raw == (UI_DIR / name).read_bytes()
    if ctype == "image/png":
        assert r.raw.startswith(b"\x89PNG")


def test_asset_revalidation_with_etag(client, ui_installed):
    first = client.call("GET", "/docs/assets/swagger-ui.css")
    etag = first.header("ETag")
    again = client.call("GET", "/docs/assets/swagger-ui.css", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.raw == b""
    other = client.call("GET", "/docs/assets/swagger-ui.css",
                        headers={"If-None-Match": '"0000000000000000"'})
    assert other.status == 200 and other.raw == first.raw


@pytest.mark.parametrize("path", [
    "/docs/assets/package.json",
    "/docs/assets/index.html",
    "/docs/assets/swagger-ui.js.map",
    "/docs/assets/..",
    "/docs/assets/%2e%2e",
    "/docs/assets/..%2fpackage.json",
    "/docs/assets/..%2F..%2F..%2Fetc%2Fpasswd",
    "/docs/assets/%2Fetc%2Fpasswd",
    "/docs/assets/../../../etc/passwd",
    "/docs/assets/swagger-ui.css%00.png",
    "/docs/assets/SWAGGER-UI.CSS",
    "/docs/assets/sub/swagger-ui.css",
    "/docs/assets/.%2e/.%2e/README.md",
])
def test_traversal_and_unknown_files_are_404(client, ui_installed, path):
    r = client.call("GET", path)
    assert_problem(r, 404, "NOT_FOUND")
    assert b"root:" not in r.raw


def test_traversal_over_a_raw_socket_is_404(client, ui_installed):
    # http.client would not send these targets as they are; a raw request does.
    for target in ("/docs/assets/../../CMakeLists.txt", "/docs/assets/%2e%2e/%2e%2e/README.md",
                   "/docs/assets/..\\..\\README.md"):
        with client.raw_socket() as s:
            s.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        status = int(data.split(b" ", 2)[1])
        assert status in (400, 404), (target, data[:200])
        assert b"cmake_minimum_required" not in data and b"# ecommerce" not in data


def test_docs_only_answers_get(client):
    r = client.call("POST", "/docs", {"x": 1})
    assert_problem(r, 405, "METHOD_NOT_ALLOWED")


# ---- the description --------------------------------------------------------------------

def test_openapi_yaml_is_served_and_parses(client):
    r = client.call("GET", "/api/openapi.yaml")
    assert r.status == 200
    assert media_type(r) == "application/yaml"
    assert r.raw == (REPO / "api/openapi.yaml").read_bytes()
    doc = yaml.safe_load(r.raw)
    assert str(doc["openapi"]).startswith("3.")
    assert doc["info"]["title"]
    etag = r.header("ETag")
    assert client.call("GET", "/api/openapi.yaml", headers={"If-None-Match": etag}).status == 304


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def all_refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from all_refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_refs(v)


def test_every_ref_resolves(spec):
    for ref in set(all_refs(spec)):
        assert ref.startswith("#/"), ref
        resolve(spec, {"$ref": ref})  # KeyError names the broken one


@pytest.mark.parametrize("method,path", CONTRACT_ROUTES)
def test_every_contract_route_is_described(spec, method, path):
    assert path in spec["paths"], f"{path} missing from openapi.yaml"
    operation = spec["paths"][path].get(method.lower())
    assert operation, f"{method} {path} missing from openapi.yaml"
    assert operation.get("responses"), f"{method} {path} has no responses"


def test_description_documents_itself_and_the_assets(spec):
    assert "get" in spec["paths"]["/api/openapi.yaml"]
    assert "get" in spec["paths"]["/docs/assets/{file}"]
    param = resolve(spec, spec["paths"]["/docs/assets/{file}"]["get"]["parameters"][0])
    assert set(param["schema"]["enum"]) == set(ASSETS)


def test_every_described_route_exists(client, spec):
    """The reverse direction: nothing in the description is a route the service lacks."""
    for path, item in spec["paths"].items():
        asset = "main.js" if path.startswith("/console") else "docs-init.js"
        concrete = path.replace("{id}", "999999999").replace("{file}", asset)
        for method in item:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            r = client.call(method.upper(), concrete)
            missing = r.status == 404 and (r.json or {}).get("code") == "NOT_FOUND"
            assert not missing and r.status != 405, f"{method.upper()} {path}: {r.status} {r.raw[:200]}"


def test_error_schema_has_every_contract_code(spec):
    schemas = spec["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) >= {"type", "title", "status", "code", "detail"}
    codes = set(resolve(spec, problem["properties"]["code"])["enum"])
    assert codes == CONTRACT_CODES


@pytest.mark.parametrize("method,path", IDEMPOTENT_ROUTES)
def test_idempotency_key_is_described(spec, method, path):
    op = spec["paths"][path][method.lower()]
    names = {resolve(spec, p)["name"] for p in op.get("parameters", [])}
    assert "Idempotency-Key" in names
    success = next(v for k, v in op["responses"].items() if k.startswith("2"))
    assert "Idempotent-Replayed" in success.get("headers", {})
    conflict = resolve(spec, op["responses"]["409"])
    examples = conflict["content"]["application/problem+json"]["examples"]
    assert {"IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_IN_PROGRESS"} <= set(examples)


def test_admin_routes_need_the_bearer_scheme(spec):
    schemes = spec["components"]["securitySchemes"]
    bearer = [n for n, s in schemes.items() if s["type"] == "http" and s["scheme"] == "bearer"]
    assert bearer
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/admin/"):
            for op in item.values():
                assert any(set(req) & set(bearer) for req in op["security"]), path
                assert "401" in op["responses"], path


USER_ROUTES = [("POST", "/api/v1/points/charge"), ("GET", "/api/v1/points"),
               ("GET", "/api/v1/points/history"), ("POST", "/api/v1/points/use"),
               ("POST", "/api/v1/coupons/issue"), ("GET", "/api/v1/coupons"),
               ("POST", "/api/v1/orders"), ("GET", "/api/v1/orders/{id}"),
               ("POST", "/api/v1/orders/{id}/cancel")]


@pytest.mark.parametrize("method,path", USER_ROUTES)
def test_user_routes_describe_bearer_authentication(spec, method, path):
    op = spec["paths"][path][method.lower()]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    assert {"bearerAuth": []} in op["security"], path
    for status in ("401", "403", "429"):
        assert status in op["responses"], (path, status)


def test_best_sellers_take_a_date(spec):
    params = [resolve(spec, p) for p in spec["paths"]["/api/v1/products/best"]["get"]["parameters"]]
    date = next(p for p in params if p["name"] == "date")
    assert date["in"] == "query" and date["schema"]["format"] == "date"


def test_metrics_are_plain_text(spec):
    ok = spec["paths"]["/metrics"]["get"]["responses"]["200"]
    assert "text/plain" in ok["content"]


def test_order_paid_event_is_described(spec):
    event = spec["components"]["schemas"]["OrderPaidEvent"]
    assert set(event["required"]) == {"eventId", "type", "orderId", "userId", "items",
                                      "totalAmount", "discountAmount", "paidAmount", "paidAt"}
    assert event["properties"]["type"]["const"] == "ORDER_PAID"
    body = spec["webhooks"]["orderPaid"]["post"]["requestBody"]["content"]["application/json"]
    assert resolve(spec, body["schema"]) is event


# ---- the description matches what the service answers -----------------------------------

JSON_TYPES = {"integer": int, "string": str, "array": list, "object": dict, "boolean": bool,
              "null": type(None), "number": (int, float)}


def conforms(spec, schema, value, where="$"):
    """A small structural check (types, required, const/enum, items, properties, min/max):
    enough to catch a field the description names wrongly or a shape it gets wrong."""
    schema = resolve(spec, schema)
    for part in schema.get("allOf", []):
        conforms(spec, part, value, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(value, JSON_TYPES[t]) and not (t in ("integer", "number")
                                                         and isinstance(value, bool))
                 for t in types)
        assert ok, f"{where}: {value!r} is not {types}"
    if "const" in schema:
        assert value == schema["const"], f"{where}: {value!r} != {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if isinstance(value, int) and not isinstance(value, bool):
        assert value >= schema.get("minimum", value), f"{where}: {value} below minimum"
        assert value <= schema.get("maximum", value), f"{where}: {value} above maximum"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{where}: required {key!r} missing from {sorted(value)}"
        props = schema.get("properties", {})
        for key, sub in props.items():
            if key in value:
                conforms(spec, sub, value[key], f"{where}.{key}")
    if isinstance(value, list):
        assert len(value) <= schema.get("maxItems", len(value)), f"{where}: too many items"
        if "items" in schema:
            for i, item in enumerate(value):
                conforms(spec, schema["items"], item, f"{where}[{i}]")


def described_keys(spec, schema) -> set:
    schema = resolve(spec, schema)
    keys = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        keys |= described_keys(spec, part)
    return keys


def check(spec, method, path, status, r):
    """`r` conforms to the schema the description gives for (method, path, status), and
    has no top-level field the description leaves out."""
    op = spec["paths"][path][method.lower()]
    response = resolve(spec, op["responses"][str(status)])
    content = response["content"]
    ctype = media_type(r)
    assert ctype in content, f"{method} {path} {status}: {ctype} not described"
    schema = content[ctype]["schema"]
    conforms(spec, schema, r.json, f"{method} {path}")
    body = r.json if isinstance(r.json, dict) else (r.json[0] if r.json else None)
    if isinstance(body, dict):
        item_schema = resolve(spec, schema)
        if item_schema.get("type") == "array":
            item_schema = item_schema["items"]
        extra = set(body) - described_keys(spec, item_schema)
        assert not extra, f"{method} {path} {status}: undescribed fields {extra}"


def test_purchase_flow_matches_the_description(client, spec):
    uid_r = client.call("POST", "/api/v1/users", {"name": "docs-check"})
    check(spec, "POST", "/api/v1/users", 201, uid_r)
    uid = uid_r.json["id"]
    check(spec, "POST", "/api/v1/points/charge", 200, client.charge(uid, 50_000))
    check(spec, "GET", "/api/v1/points", 200, client.call("GET", f"/api/v1/points?userId={uid}"))

    pr = client.admin("POST", "/api/v1/admin/products",
                      {"name": "docs-check", "description": "d", "price": 1000, "stock": 10})
    check(spec, "POST", "/api/v1/admin/products", 201, pr)
    pid = pr.json["id"]
    check(spec, "POST", "/api/v1/admin/products/{id}/stock", 200, client.add_stock(pid, 5))
    check(spec, "GET", "/api/v1/products/{id}", 200, client.call("GET", f"/api/v1/products/{pid}"))
    check(spec, "GET", "/api/v1/products", 200, client.call("GET", "/api/v1/products?size=5"))

    coupon = client.create_coupon()
    check(spec, "GET", "/api/v1/admin/coupons/{id}", 200,
          client.admin("GET", f"/api/v1/admin/coupons/{coupon['id']}"))
    issued = client.issue(uid, coupon["id"])
    check(spec, "POST", "/api/v1/coupons/issue", 201, issued)
    check(spec, "GET", "/api/v1/coupons", 200, client.call("GET", f"/api/v1/coupons?userId={uid}"))

    placed = client.order(uid, [(pid, 2)], issued.json["userCouponId"])
    check(spec, "POST", "/api/v1/orders", 201, placed)
    oid = placed.json["orderId"]
    check(spec, "POST", "/api/v1/points/use", 200, client.pay(uid, oid))
    check(spec, "GET", "/api/v1/orders/{id}", 200, client.get_order(oid, uid))
    check(spec, "GET", "/api/v1/points/history", 200,
          client.call("GET", f"/api/v1/points/history?userId={uid}"))
    check(spec, "GET", "/api/v1/products/best", 200, client.call("GET", "/api/v1/products/best"))

    other = client.order_ok(uid, [(pid, 1)])
    check(spec, "POST", "/api/v1/orders/{id}/cancel", 200, client.cancel(other["orderId"], uid))
    check(spec, "GET", "/health", 200, client.call("GET", "/health"))
    check(spec, "GET", "/ready", 200, client.call("GET", "/ready"))


def test_errors_match_the_description(client, spec):
    r = client.call("GET", "/api/v1/orders/1?userId=999999999")
    assert_problem(r, 404, "USER_NOT_FOUND")
    check(spec, "GET", "/api/v1/orders/{id}", 404, r)
    r = client.admin("POST", "/api/v1/admin/products", {"name": "x", "price": 1, "stock": 1},
                     token="wrong")
    assert_problem(r, 401, "UNAUTHORIZED")
    check(spec, "POST", "/api/v1/admin/products", 401, r)
    r = client.charge(1, 0)
    check(spec, "POST", "/api/v1/points/charge", 400, r)


# ---- without the files, the server still serves ----------------------------------------

def test_missing_files_answer_503_and_the_server_still_runs(start_server, tmp_path):
    sp = start_server({"SWAGGER_UI_DIR": str(tmp_path / "no-ui"),
                       "OPENAPI_FILE": str(tmp_path / "no-openapi.yaml")})
    c = sp.client
    assert assert_json_ok(c.call("GET", "/health")) == {"status": "UP"}
    r = c.call("GET", "/docs")
    assert_problem(r, 503, "UNAVAILABLE")
    assert "npm ci --prefix web" in r.json["detail"]
    assert_problem(c.call("GET", "/docs/assets/swagger-ui.css"), 503, "UNAVAILABLE")
    assert_problem(c.call("GET", "/docs/assets/nope.js"), 404, "NOT_FOUND")
    assert_problem(c.call("GET", "/api/openapi.yaml"), 503, "UNAVAILABLE")
    # The 503 says how to fix it, not where the server keeps its files.
    for path in ("/docs", "/docs/assets/swagger-ui.css", "/api/openapi.yaml"):
        detail = c.call("GET", path).json["detail"]
        assert str(tmp_path) not in detail, detail
        assert "no-ui" not in detail and "no-openapi" not in detail, detail
    assert sp.terminate(timeout=10) == 0
