"""User authentication (AUTH_JWT_SECRET / AUTH_JWT_PUBLIC_KEY_FILE): every endpoint that takes
a userId needs that user's bearer JWT; 401 without a valid one, 403 for another user's token
(and nothing changes); admin by ADMIN_TOKEN or a role "admin" token; products stay public.
Also: with the variables unset the service says at start that user authentication is off,
and it refuses to start with an unusable secret or key."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from apiclient import ADMIN_TOKEN, assert_json_ok, assert_problem, unique_name
from jwt_tokens import (SECRET, bearer, claims_for, hs256, make_key,
                        sign_asymmetric, unsigned)

ISSUER = "https://issuer.test"
AUDIENCE = "ecommerce-api"
CHALLENGE = "Bearer"
INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'


def good_claims(user, **extra) -> dict:
    return claims_for(user, **{"iss": ISSUER, "aud": AUDIENCE, **extra})


@pytest.fixture(scope="module")
def hs_server(start_server):
    sp = start_server({"AUTH_JWT_SECRET": SECRET, "AUTH_JWT_ISSUER": ISSUER,
                       "AUTH_JWT_AUDIENCE": AUDIENCE, "HTTP_THREADS": "2"})
    yield sp
    assert sp.terminate() == 0


@pytest.fixture(scope="module")
def api(hs_server):
    return hs_server.client


def token(user, **extra) -> str:
    return hs256(good_claims(user, **extra))


@pytest.fixture(scope="module")
def world(api):
    """Two users, a product, a coupon, and an unpaid order of user A (who has 50,000 won)."""
    users = []
    for _ in range(2):
        r = api.call("POST", "/api/v1/users", {"name": unique_name()}, headers=bearer(ADMIN_TOKEN))
        assert r.status == 201, (r.status, r.raw)
        users.append(r.json["id"])
    a, b = users
    product = api.create_product(price=1000, stock=10)
    coupon = api.create_coupon(totalQuantity=10)["id"]
    r = api.call("POST", "/api/v1/points/charge", {"userId": a, "amount": 50_000},
                 headers=bearer(token(a)))
    assert r.status == 200, (r.status, r.raw)
    r = api.call("POST", "/api/v1/orders", {"userId": a, "items": [{"productId": product,
                                                                      "quantity": 2}]},
                 headers=bearer(token(a)))
    assert r.status == 201, (r.status, r.raw)
    return {"a": a, "b": b, "product": product, "coupon": coupon, "order": r.json["orderId"]}


# The nine endpoints that act for a user, each as (method, path, body) for user A.
def user_endpoints(w):
    a, order = w["a"], w["order"]
    return {
        "charge": ("POST", "/api/v1/points/charge", {"userId": a, "amount": 1000}),
        "balance": ("GET", f"/api/v1/points?userId={a}", None),
        "history": ("GET", f"/api/v1/points/history?userId={a}", None),
        "pay": ("POST", "/api/v1/points/use", {"userId": a, "orderId": order}),
        "issue": ("POST", "/api/v1/coupons/issue", {"userId": a, "couponId": w["coupon"]}),
        "coupons": ("GET", f"/api/v1/coupons?userId={a}", None),
        "order": ("POST", "/api/v1/orders",
                  {"userId": a, "items": [{"productId": w["product"], "quantity": 1}]}),
        "get_order": ("GET", f"/api/v1/orders/{order}?userId={a}", None),
        "cancel": ("POST", f"/api/v1/orders/{order}/cancel", {"userId": a}),
    }


ENDPOINTS = ["charge", "balance", "history", "pay", "issue", "coupons", "order", "get_order",
             "cancel"]


def snapshot(api, w) -> dict:
    """Everything of user A that a wrongly accepted request could change."""
    a, ha = w["a"], bearer(token(w["a"]))
    balance = assert_json_ok(api.call("GET", f"/api/v1/points?userId={a}", headers=ha))
    history = assert_json_ok(api.call("GET", f"/api/v1/points/history?userId={a}", headers=ha))
    coupons = assert_json_ok(api.call("GET", f"/api/v1/coupons?userId={a}", headers=ha))
    order = assert_json_ok(api.call("GET", f"/api/v1/orders/{w['order']}?userId={a}",
                                    headers=ha))
    return {"balance": balance["balance"], "history": history["totalElements"],
            "coupons": len(coupons), "order": order["status"],
            "stock": api.stock(w["product"]),
            "remaining": api.coupon(w["coupon"])["remainingQuantity"]}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_user_endpoint_without_a_token_is_401(api, world, name):
    method, path, body = user_endpoints(world)[name]
    before = snapshot(api, world)
    r = api.call(method, path, body)
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.header("WWW-Authenticate") == CHALLENGE
    assert snapshot(api, world) == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_user_endpoint_with_another_users_token_is_403_and_changes_nothing(api, world, name):
    method, path, body = user_endpoints(world)[name]
    before = snapshot(api, world)
    r = api.call(method, path, body, headers=bearer(token(world["b"])))
    assert_problem(r, 403, "FORBIDDEN")
    assert snapshot(api, world) == before


@pytest.mark.parametrize("name", ENDPOINTS)
def test_user_endpoint_with_an_invalid_token_is_401_invalid_token(api, world, name):
    method, path, body = user_endpoints(world)[name]
    r = api.call(method, path, body, headers=bearer(hs256(good_claims(world["a"]), "x" * 40)))
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.header("WWW-Authenticate") == INVALID_TOKEN_CHALLENGE


def test_the_users_own_token_works_on_every_endpoint(api):
    user = api.call("POST", "/api/v1/users", {"name": unique_name()},
                    headers=bearer(ADMIN_TOKEN)).json["id"]
    h = bearer(token(user))
    p = api.create_product(price=1000, stock=5)
    cid = api.create_coupon(discountValue=500)["id"]
    assert_json_ok(api.call("POST", "/api/v1/points/charge", {"userId": user, "amount": 5000},
                            headers=h))
    uc = assert_json_ok(api.call("POST", "/api/v1/coupons/issue",
                                 {"userId": user, "couponId": cid}, headers=h), 201)
    o = assert_json_ok(api.call("POST", "/api/v1/orders",
                                {"userId": user, "items": [{"productId": p, "quantity": 1}],
                                 "userCouponId": uc["userCouponId"]}, headers=h), 201)
    paid = assert_json_ok(api.call("POST", "/api/v1/points/use",
                                   {"userId": user, "orderId": o["orderId"]}, headers=h))
    assert paid["balance"] == 4500
    o2 = assert_json_ok(api.call("POST", "/api/v1/orders",
                                 {"userId": user, "items": [{"productId": p, "quantity": 1}]},
                                 headers=h), 201)
    cancelled = assert_json_ok(api.call("POST", f"/api/v1/orders/{o2['orderId']}/cancel",
                                        {"userId": user}, headers=h))
    assert cancelled["status"] == "CANCELLED"
    assert assert_json_ok(api.call("GET", f"/api/v1/orders/{o['orderId']}?userId={user}",
                                   headers=h))["status"] == "PAID"
    assert assert_json_ok(api.call("GET", f"/api/v1/points?userId={user}",
                                   headers=h))["balance"] == 4500
    assert assert_json_ok(api.call("GET", f"/api/v1/points/history?userId={user}",
                                   headers=h))["totalElements"] == 2
    assert len(assert_json_ok(api.call("GET", f"/api/v1/coupons?userId={user}", headers=h))) == 1


def test_a_second_user_id_in_the_query_is_403(api, world):
    a, b = world["a"], world["b"]
    r = api.call("GET", f"/api/v1/points?userId={a}&userId={b}", headers=bearer(token(a)))
    assert_problem(r, 403, "FORBIDDEN")


def test_validation_still_answers_400_with_a_valid_token(api, world):
    a = world["a"]
    r = api.call("POST", "/api/v1/points/charge", {"userId": a, "amount": 0},
                 headers=bearer(token(a)))
    assert_problem(r, 400, "INVALID_AMOUNT")
    r = api.call("POST", "/api/v1/points/charge", {"amount": 10}, headers=bearer(token(a)))
    assert_problem(r, 400, "INVALID_REQUEST")


def test_a_nul_in_the_body_is_400_with_a_valid_token_too(api, world):
    # The request policy reads the body's userId from the same checked parse the handler
    # takes: a body the handler would refuse is refused, whoever's token it carries.
    a = world["a"]
    before = snapshot(api, world)
    for other in (a, world["b"]):
        raw = f'{{"userId": {other}, "amount": 10, "x\\u0000": 1}}'
        r = api.call("POST", "/api/v1/points/charge", raw=raw,
                     headers={"Content-Type": "application/json", **bearer(token(a))})
        assert_problem(r, 400, "INVALID_REQUEST")
        assert "NUL" in r.json["detail"], r.json
    assert snapshot(api, world) == before


# ---- what makes a token invalid --------------------------------------------------------------

def bad_tokens(user) -> dict[str, str]:
    now = int(time.time())
    good = token(user)
    head, payload, sig = good.split(".")
    other_payload = hs256(good_claims(user + 1)).split(".")[1]
    return {
        "expired": hs256(good_claims(user, exp=now - 120, iat=now - 600)),
        "no_exp": hs256({k: v for k, v in good_claims(user).items() if k != "exp"}),
        "not_yet_valid": hs256(good_claims(user, nbf=now + 120)),
        "issued_in_the_future": hs256(good_claims(user, iat=now + 120)),
        "wrong_issuer": hs256(good_claims(user, iss="https://evil.test")),
        "no_issuer": hs256({k: v for k, v in good_claims(user).items() if k != "iss"}),
        "wrong_audience": hs256(good_claims(user, aud="another-api")),
        "wrong_audience_list": hs256(good_claims(user, aud=["a", "b"])),
        "bad_signature": hs256(good_claims(user), "another-secret-of-enough-length-000000"),
        "alg_none": unsigned(good_claims(user), {"alg": "none", "typ": "JWT"}),
        "alg_none_with_signature": unsigned(good_claims(user), {"alg": "none"}) + sig,
        "alg_hs512": hs256(good_claims(user), header={"alg": "HS512", "typ": "JWT"}),
        "tampered_payload": f"{head}.{other_payload}.{sig}",
        "truncated_signature": f"{head}.{payload}.{sig[:-4]}",
        "garbage": "garbage",
        "two_parts": f"{head}.{payload}",
        "empty_parts": "..",
        "not_base64": f"{head}.{payload}.!!!!",
        "subject_not_a_user": hs256(good_claims("kim")),
    }


BAD = ["expired", "no_exp", "not_yet_valid", "issued_in_the_future", "wrong_issuer",
       "no_issuer", "wrong_audience", "wrong_audience_list", "bad_signature", "alg_none",
       "alg_none_with_signature", "alg_hs512", "tampered_payload", "truncated_signature",
       "garbage", "two_parts", "empty_parts", "not_base64", "subject_not_a_user"]


@pytest.mark.parametrize("kind", BAD)
def test_invalid_tokens_are_401_and_say_no_more(api, world, kind):
    a = world["a"]
    before = api.call("GET", f"/api/v1/points?userId={a}", headers=bearer(token(a))).json
    r = api.call("POST", "/api/v1/points/charge", {"userId": a, "amount": 1000},
                 headers=bearer(bad_tokens(a)[kind]))
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.header("WWW-Authenticate") == INVALID_TOKEN_CHALLENGE
    # The same answer whatever failed: nothing tells a forger which check to work on.
    assert r.json["detail"] == "this endpoint needs Authorization: Bearer <token of the user>"
    after = api.call("GET", f"/api/v1/points?userId={a}", headers=bearer(token(a))).json
    assert after == before


def test_sixty_seconds_of_leeway(api, world):
    a = world["a"]
    now = int(time.time())
    for claims in (good_claims(a, exp=now - 30, iat=now - 600),
                   good_claims(a, nbf=now + 30), good_claims(a, iat=now + 30)):
        r = api.call("GET", f"/api/v1/points?userId={a}", headers=bearer(hs256(claims)))
        assert r.status == 200, (claims, r.status, r.raw)


def test_audience_may_be_a_list(api, world):
    a = world["a"]
    t = hs256(good_claims(a, aud=["billing", AUDIENCE]))
    assert api.call("GET", f"/api/v1/points?userId={a}", headers=bearer(t)).status == 200


def test_bearer_scheme_is_case_insensitive_and_other_schemes_are_no_token(api, world):
    a = world["a"]
    r = api.call("GET", f"/api/v1/points?userId={a}", headers={"Authorization": "bearer " + token(a)})
    assert r.status == 200
    r = api.call("GET", f"/api/v1/points?userId={a}", headers={"Authorization": "Basic eDp5"})
    assert_problem(r, 401, "UNAUTHORIZED")
    assert r.header("WWW-Authenticate") == CHALLENGE


# ---- admin ---------------------------------------------------------------------------------------

def test_creating_users_is_admin_only(api, world):
    body = {"name": unique_name()}
    r = api.call("POST", "/api/v1/users", body)
    assert_problem(r, 401, "UNAUTHORIZED")
    # A valid user token is known but not allowed: 403 (RFC 6750 section 3.1).
    r = api.call("POST", "/api/v1/users", body, headers=bearer(token(world["a"])))
    assert_problem(r, 403, "FORBIDDEN")
    assert r.header("WWW-Authenticate") == 'Bearer error="insufficient_scope"'
    r = api.call("POST", "/api/v1/users", body, headers=bearer("garbage"))
    assert_problem(r, 401, "UNAUTHORIZED")
    assert api.call("POST", "/api/v1/users", body, headers=bearer(ADMIN_TOKEN)).status == 201
    admin = hs256(good_claims("ops", role="admin"))
    assert api.call("POST", "/api/v1/users", {"name": unique_name()},
                    headers=bearer(admin)).status == 201


def test_admin_by_role_claim(api, world, sql):
    admin = hs256(good_claims("ops", role="admin"))
    r = api.call("POST", "/api/v1/admin/products", {"name": unique_name(), "price": 5,
                                                    "stock": 1}, headers=bearer(admin))
    assert r.status == 201, r.raw
    assert api.call("GET", f"/api/v1/admin/coupons/{world['coupon']}",
                    headers=bearer(admin)).status == 200
    # A user's token and "admin" in another claim are valid tokens without admin rights:
    # 403 with error="insufficient_scope" (RFC 6750 section 3.1), and nothing changes.
    for t in (token(world["a"]), hs256(good_claims(world["a"], roles=["admin"]))):
        r = api.call("GET", f"/api/v1/admin/coupons/{world['coupon']}", headers=bearer(t))
        assert_problem(r, 403, "FORBIDDEN")
        assert r.header("WWW-Authenticate") == 'Bearer error="insufficient_scope"', r.headers
        name = unique_name()
        r = api.call("POST", "/api/v1/admin/products", {"name": name, "price": 5, "stock": 1},
                     headers=bearer(t))
        assert_problem(r, 403, "FORBIDDEN")
        assert sql(f"SELECT count(*) FROM products WHERE name = '{name}'") == [("0",)]
    # An expired admin token, or one for nobody ("ops" without the admin role), is no valid
    # token at all: 401.
    now = int(time.time())
    for t in (hs256(good_claims("ops", role="admin", exp=now - 120)),
              hs256(good_claims("ops", roles=["admin"]))):
        r = api.call("GET", f"/api/v1/admin/coupons/{world['coupon']}", headers=bearer(t))
        assert_problem(r, 401, "UNAUTHORIZED")
        assert r.header("WWW-Authenticate") == 'Bearer error="invalid_token"'
    # The ADMIN_TOKEN still works, and is no user's token.
    assert api.call("GET", f"/api/v1/admin/coupons/{world['coupon']}",
                    headers=bearer(ADMIN_TOKEN)).status == 200
    r = api.call("GET", f"/api/v1/points?userId={world['a']}", headers=bearer(ADMIN_TOKEN))
    assert_problem(r, 403, "FORBIDDEN")


def test_public_endpoints_need_no_token(api, world):
    for path in ("/api/v1/products", f"/api/v1/products/{world['product']}",
                 "/api/v1/products/best", "/health", "/ready", "/api/openapi.yaml"):
        r = api.call("GET", path)
        assert r.status == 200, (path, r.status, r.raw[:200])
    # An invalid token on a public endpoint is ignored, not refused.
    r = api.call("GET", "/api/v1/products", headers=bearer("garbage"))
    assert r.status == 200


# ---- RS256 and ES256 -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("jwt-keys")
    return {"rsa": make_key(d, "rsa"), "ec": make_key(d, "ec")}


@pytest.fixture(scope="module")
def key_servers(start_server, keys):
    started = {kind: start_server({"AUTH_JWT_PUBLIC_KEY_FILE": str(keys[kind][1])})
               for kind in ("rsa", "ec")}
    yield started
    for sp in started.values():
        assert sp.terminate() == 0


@pytest.mark.parametrize("kind,alg", [("rsa", "RS256"), ("ec", "ES256")])
def test_public_key_tokens(key_servers, keys, kind, alg):
    c = key_servers[kind].client
    user = c.call("POST", "/api/v1/users", {"name": unique_name()},
                  headers=bearer(ADMIN_TOKEN)).json["id"]
    private, public = keys[kind]
    good = sign_asymmetric(claims_for(user), private, alg)
    r = c.call("GET", f"/api/v1/points?userId={user}", headers=bearer(good))
    assert r.status == 200, (r.status, r.raw)
    assert r.json == {"userId": user, "balance": 0}

    other_kind = "ec" if kind == "rsa" else "rsa"
    other_alg = "ES256" if alg == "RS256" else "RS256"
    head, payload, sig = good.split(".")
    refused = {
        "tampered": f"{head}.{sign_asymmetric(claims_for(user + 1), private, alg).split('.')[1]}.{sig}",
        "other_key_type": sign_asymmetric(claims_for(user), keys[other_kind][0], other_alg),
        "other_key_same_alg_header": sign_asymmetric(claims_for(user), keys[other_kind][0],
                                                     other_alg, header={"alg": alg}),
        # Algorithm confusion: HS256 "signed" with the public key PEM as the HMAC secret.
        "confusion": hs256(claims_for(user), public.read_bytes()),
        "confusion_stripped": hs256(claims_for(user), public.read_bytes().strip()),
        "alg_none": unsigned(claims_for(user), {"alg": "none"}),
        "expired": sign_asymmetric(claims_for(user, ttl=-120), private, alg),
    }
    for name, t in refused.items():
        r = c.call("GET", f"/api/v1/points?userId={user}", headers=bearer(t))
        assert r.status == 401, (name, r.status, r.raw)
        assert r.header("WWW-Authenticate") == INVALID_TOKEN_CHALLENGE, name

    admin = sign_asymmetric(claims_for("ops", role="admin"), private, alg)
    assert c.call("POST", "/api/v1/users", {"name": unique_name()},
                  headers=bearer(admin)).status == 201


# ---- start-up ------------------------------------------------------------------------------------

def run_briefly(server_binary, database_url, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RATE_LIMIT"))}
    full.update(DATABASE_URL=database_url, PORT="0", LOG_LEVEL="warn", **env)
    return subprocess.run([str(server_binary)], env=full, capture_output=True, text=True,
                          timeout=20)


@pytest.mark.parametrize("env,message", [
    ({"AUTH_JWT_SECRET": "short"}, "AUTH_JWT_SECRET must be at least 32 bytes"),
    ({"AUTH_JWT_SECRET": SECRET, "AUTH_JWT_PUBLIC_KEY_FILE": "/nonexistent"}, "not both"),
    ({"AUTH_JWT_PUBLIC_KEY_FILE": "/nonexistent/key.pem"}, "cannot read"),
])
def test_refuses_to_start_with_unusable_settings(server_binary, database_url, env, message):
    p = run_briefly(server_binary, database_url, **env)
    assert p.returncode == 2, (p.returncode, p.stdout[-500:], p.stderr[-500:])
    assert message in p.stderr, p.stderr


def test_refuses_a_key_it_cannot_use(server_binary, database_url, tmp_path):
    weak = tmp_path / "weak.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
                    "-out", str(tmp_path / "weak.key")], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", str(tmp_path / "weak.key"), "-pubout", "-out",
                    str(weak)], check=True, capture_output=True)
    p = run_briefly(server_binary, database_url, AUTH_JWT_PUBLIC_KEY_FILE=str(weak))
    assert p.returncode == 2 and "2048" in p.stderr, p.stderr
    private = tmp_path / "weak.key"  # a private key is not a public key file
    p = run_briefly(server_binary, database_url, AUTH_JWT_PUBLIC_KEY_FILE=str(private))
    assert p.returncode == 2 and "AUTH_JWT_PUBLIC_KEY_FILE" in p.stderr, p.stderr


def test_without_auth_variables_the_service_warns_that_it_is_off(server):
    log = server.log_path.read_text(errors="replace")
    assert "user authentication is OFF" in log
