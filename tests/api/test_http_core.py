import re
import socket

import pytest

from apiclient import assert_json_ok, assert_problem

CHARGE = "/api/v1/points/charge"
JSON = {"Content-Type": "application/json"}
LIMIT = 64 * 1024


def health_ok(client):
    r = client.call("GET", "/health")
    assert r.status == 200, r.raw


# ---- routing ----------------------------------------------------------------------------

@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/doesnotexist"),
    ("GET", "/nope"),
    ("GET", "/api/v2/points?userId=1"),
    ("POST", "/api/v1/doesnotexist"),
    ("GET", "/api/v1/points/charge/extra"),
])
def test_unknown_route_is_404_not_found(client, method, path):
    body = {"x": 1} if method == "POST" else None
    r = client.call(method, path, body)
    assert_problem(r, 404, "NOT_FOUND")


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/api/v1/points/charge", "POST"),
    ("DELETE", "/api/v1/users", "POST"),
    ("GET", "/api/v1/users", "POST"),
    ("PUT", "/api/v1/points/charge", "POST"),
    ("POST", "/api/v1/points?userId=1", "GET"),
    ("DELETE", "/api/v1/points/history?userId=1", "GET"),
    ("POST", "/health", "GET"),
])
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    body = {"userId": 1, "amount": 1} if method in ("POST", "PUT") else None
    r = client.call(method, path, body)
    assert_problem(r, 405, "METHOD_NOT_ALLOWED")
    allow = r.header("Allow")
    assert allow, "405 without an Allow header"
    methods = {m.strip().upper() for m in allow.split(",")}
    assert allowed in methods, allow
    assert method not in methods, allow


# ---- body limits and media type ---------------------------------------------------------

def padded_charge(user_id: int, total_len: int) -> bytes:
    head = b'{"userId": %d, "amount": 1, "pad": "' % user_id
    tail = b'"}'
    body = head + b"x" * (total_len - len(head) - len(tail)) + tail
    assert len(body) == total_len
    return body


def test_body_of_exactly_64_kib_is_accepted(client, user):
    r = client.call("POST", CHARGE, raw=padded_charge(user, LIMIT), headers=JSON)
    assert assert_json_ok(r) == {"userId": user, "balance": 1}


def test_body_over_64_kib_is_413_and_changes_nothing(client, user):
    r = client.call("POST", CHARGE, raw=padded_charge(user, LIMIT + 1), headers=JSON)
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")
    r = client.call("POST", CHARGE, raw=padded_charge(user, 1024 * 1024), headers=JSON)
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")
    health_ok(client)
    assert client.balance(user) == 0


def test_chunked_body_is_accepted(client, user):
    body = b'{"userId": %d, "amount": 77}' % user
    with client.raw_socket() as s:
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:5], body[5:]))
        s.sendall(b"POST " + CHARGE.encode() + b" HTTP/1.1\r\nHost: t\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                  b"Connection: close\r\n\r\n" + chunks + b"0\r\n\r\n")
        status, _, _ = read_responses(s, 1)[0]
    assert status == 200
    assert client.balance(user) == 77


def test_chunked_body_over_limit_is_413(client, user):
    chunk = b"x" * 8192
    with client.raw_socket() as s:
        s.sendall(b"POST " + CHARGE.encode() + b" HTTP/1.1\r\nHost: t\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            first = b'{"userId": %d, "amount": 1, "pad": "' % user
            s.sendall(b"%x\r\n%s\r\n" % (len(first), first))
            for _ in range(12):  # 96 KiB
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close early
        status, _, body = read_responses(s, 1)[0]
    assert status == 413, body[:300]
    assert b"PAYLOAD_TOO_LARGE" in body
    health_ok(client)
    assert client.balance(user) == 0


def test_small_max_body_bytes_is_configurable(start_server, user):
    sp = start_server({"MAX_BODY_BYTES": "1024"})
    c = sp.client
    assert c.call("POST", CHARGE, raw=b'{"userId": %d, "amount": 5}' % user,
                  headers=JSON).status == 200
    r = c.call("POST", CHARGE, raw=padded_charge(user, 1025), headers=JSON)
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")
    r = c.call("POST", CHARGE, raw=padded_charge(user, 2000), headers=JSON)
    assert_problem(r, 413, "PAYLOAD_TOO_LARGE")
    r = c.call("POST", CHARGE, raw=padded_charge(user, 1024), headers=JSON)
    assert r.status == 200, r.raw
    assert c.balance(user) == 6
    assert sp.terminate() == 0


@pytest.mark.parametrize("ctype", [None, "text/plain", "application/xml",
                                   "application/x-www-form-urlencoded", "multipart/form-data"])
def test_non_json_body_is_415_and_changes_nothing(client, user, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    r = client.call("POST", CHARGE, raw=b'{"userId": %d, "amount": 500}' % user,
                    headers=headers)
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    health_ok(client)
    assert client.balance(user) == 0


def test_non_json_user_creation_is_415(client):
    r = client.call("POST", "/api/v1/users", raw=b'{"name": "kim"}',
                    headers={"Content-Type": "text/plain"})
    assert_problem(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_json_with_charset_is_accepted(client, user):
    r = client.call("POST", CHARGE, raw=b'{"userId": %d, "amount": 9}' % user,
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert assert_json_ok(r)["balance"] == 9


# ---- NUL in JSON strings ------------------------------------------------------------------
# PostgreSQL text cannot hold U+0000 and libpq takes text parameters as C strings: a NUL would
# silently cut the value short. It is refused, never truncated, never a 500.

@pytest.mark.parametrize("name", [r"kim\u0000x", r"\u0000", r"x\u0000"])
def test_nul_in_a_user_name_is_400_and_stores_nothing(client, sql, name):
    before = sql("SELECT count(*) FROM users")
    r = client.call("POST", "/api/v1/users", raw='{"name": "' + name + '"}', headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert "NUL" in r.json["detail"], r.json
    assert sql("SELECT count(*) FROM users") == before


def test_nul_in_a_coupon_name_is_400_not_the_issue_window(client):
    raw = (r'{"name": "\u0000", "discountType": "FIXED", "discountValue": 100, '
           '"totalQuantity": 5, "issueStartsAt": "2030-01-01T00:00:00Z", '
           '"issueEndsAt": "2030-01-02T00:00:00Z", "validDays": 7}')
    r = client.admin("POST", "/api/v1/admin/coupons", raw=raw, headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")
    assert "issue window" not in r.json["detail"], r.json


def test_nul_in_a_json_key_is_400(client):
    r = client.call("POST", "/api/v1/users", raw=r'{"name": "ok", "x\u0000": 1}', headers=JSON)
    assert_problem(r, 400, "INVALID_REQUEST")


# ---- URL and header limits --------------------------------------------------------------

def test_moderate_url_and_headers_are_fine(client, user):
    r = client.call("GET", f"/api/v1/points?userId={user}&pad={'a' * 2000}",
                    headers={"X-Pad": "b" * 2000})
    assert assert_json_ok(r) == {"userId": user, "balance": 0}


def test_url_too_long(client):
    r = client.call("GET", "/api/v1/points?userId=1&pad=" + "a" * 16384)
    assert_problem(r, (400, 414, 431), "INVALID_REQUEST")
    health_ok(client)


def test_single_huge_header(client):
    r = client.call("GET", "/health", headers={"X-Pad": "a" * 16384})
    assert_problem(r, (400, 414, 431), "INVALID_REQUEST")
    health_ok(client)


def test_header_block_too_large(client):
    headers = {f"X-Pad-{i}": "b" * 100 for i in range(120)}  # ~13 KiB in total
    r = client.call("GET", "/health", headers=headers)
    assert_problem(r, (400, 414, 431), "INVALID_REQUEST")
    health_ok(client)


# ---- request ids ------------------------------------------------------------------------

def test_every_response_has_a_request_id(client):
    seen = set()
    for method, path, body in [("GET", "/health", None), ("GET", "/nope", None),
                               ("GET", "/api/v1/points?userId=abc", None),
                               ("GET", CHARGE, None), ("POST", "/api/v1/users", {"name": ""})]:
        r = client.call(method, path, body)
        rid = r.header("X-Request-Id")
        assert rid, f"{method} {path} -> {r.status} without X-Request-Id"
        seen.add(rid)
    assert len(seen) == 5, "generated request ids must differ"


@pytest.mark.parametrize("path", ["/health", "/api/v1/points?userId=0", "/nope"])
def test_client_request_id_is_echoed(client, path):
    r = client.call("GET", path, headers={"X-Request-Id": "abc-123"})
    assert r.header("X-Request-Id") == "abc-123"


# ---- connection handling ----------------------------------------------------------------

def test_keep_alive_serves_many_requests_on_one_connection(client):
    with client.connection() as conn:
        r = conn.call("GET", "/health")
        assert r.status == 200
        sock = conn.sock
        assert sock is not None
        r = conn.call("POST", "/api/v1/users", {"name": "keepalive"})
        assert r.status == 201
        uid = r.json["id"]
        assert conn.call("POST", CHARGE, {"userId": uid, "amount": 10}).status == 200
        assert conn.call("GET", "/nope").status == 404
        assert conn.call("POST", CHARGE, {"userId": uid, "amount": 0}).status == 400
        assert conn.call("GET", CHARGE).status == 405
        r = conn.call("GET", f"/api/v1/points?userId={uid}")
        assert r.json == {"userId": uid, "balance": 10}
        assert (r.header("Connection") or "").lower() != "close"
        assert conn.sock is sock, "server closed the keep-alive connection"


def test_pipelined_requests_are_answered_in_order(client, user):
    req = (b"GET /api/v1/points?userId=%d HTTP/1.1\r\nHost: t\r\n\r\n" % user
           + b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
           + b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    with client.raw_socket() as s:
        s.sendall(req)
        responses = read_responses(s, 3)
    assert [st for st, _, _ in responses] == [200, 404, 200]
    assert b'"balance":0' in responses[0][2].replace(b" ", b"")


def read_responses(s: socket.socket, n: int):
    """Read n HTTP/1.1 responses (Content-Length or chunked) from a raw socket."""
    buf = b""
    out = []

    def fill():
        nonlocal buf
        data = s.recv(65536)
        if not data:
            raise AssertionError(f"connection closed after {len(out)} responses; buf={buf[:200]!r}")
        buf += data

    while len(out) < n:
        while b"\r\n\r\n" not in buf:
            fill()
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(buf) < length:
                fill()
            body, buf = buf[:length], buf[length:]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                while b"\r\n" not in buf:
                    fill()
                size_line, buf = buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(buf) < size + 2:
                    fill()
                body, buf = body + buf[:size], buf[size + 2:]
                if size == 0:
                    break
        else:
            body = b""
            try:
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    buf += data
            except OSError:
                pass
            body, buf = buf, b""
        out.append((status, headers, body))
    return out


def test_request_id_header_is_sane(client):
    rid = client.call("GET", "/health").header("X-Request-Id")
    assert re.fullmatch(r"[\x21-\x7e]{1,128}", rid), rid
