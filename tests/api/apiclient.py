"""Tiny HTTP client and assertion helpers for the black-box API tests (stdlib only)."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

KST = dt.timedelta(hours=9)
ADMIN_TOKEN = "test-admin-token"  # the token conftest starts every server with

# Things that must never appear in an error body: SQL text, driver messages, stacks.
LEAK_MARKERS = (
    "select ", "insert into", "update ", "delete from", "sqlstate", "syntax error at or near",
    "violates", "relation \"", "libpq", "pq_", "postgresql://", "std::", "terminate called",
    "stack trace", "traceback", "exception:",
)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    json: Any
    raw: bytes

    def __iter__(self):  # allows: status, headers, body, raw = client.call(...)
        return iter((self.status, self.headers, self.json, self.raw))

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def _encode(body, raw, headers):
    headers = dict(headers or {})
    if raw is not None:
        data = raw.encode() if isinstance(raw, str) else raw
        return data, headers
    if body is None:
        return None, headers
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return json.dumps(body, ensure_ascii=False).encode(), headers


def _read(resp: http.client.HTTPResponse) -> Response:
    data = resp.read()
    parsed = None
    if data:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
    return Response(resp.status, resp.headers, parsed, data)


class Connection:
    """One keep-alive HTTP/1.1 connection; call() reuses it."""

    def __init__(self, host: str, port: int, timeout: float = 15):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def call(self, method, path, body=None, headers=None, raw=None) -> Response:
        data, hdrs = _encode(body, raw, headers)
        self.conn.request(method, path, body=data, headers=hdrs)
        return _read(self.conn.getresponse())

    @property
    def sock(self):
        return self.conn.sock

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Client:
    def __init__(self, host: str, port: int, timeout: float = 15):
        self.host, self.port, self.timeout = host, port, timeout

    def call(self, method, path, body=None, headers=None, raw=None) -> Response:
        """Fresh connection per call. body: JSON-serialisable (sets Content-Type:
        application/json unless given); raw: bytes/str sent as is (no Content-Type added)."""
        with Connection(self.host, self.port, self.timeout) as c:
            return c.call(method, path, body=body, headers=headers, raw=raw)

    def connection(self) -> Connection:
        return Connection(self.host, self.port, self.timeout)

    def raw_socket(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=self.timeout)

    # ---- domain shortcuts -------------------------------------------------------------

    def create_user(self, name: str | None = None) -> int:
        r = self.call("POST", "/api/v1/users", {"name": name or unique_name()})
        assert r.status == 201, (r.status, r.raw)
        return r.json["id"]

    def charge(self, user_id: int, amount: int) -> Response:
        return self.call("POST", "/api/v1/points/charge", {"userId": user_id, "amount": amount})

    def balance(self, user_id: int) -> int:
        r = self.call("GET", f"/api/v1/points?userId={user_id}")
        assert r.status == 200, (r.status, r.raw)
        assert r.json["userId"] == user_id
        return r.json["balance"]

    def history(self, user_id: int, page: int = 0, size: int = 100) -> dict:
        r = self.call("GET", f"/api/v1/points/history?userId={user_id}&page={page}&size={size}")
        assert r.status == 200, (r.status, r.raw)
        return r.json

    def fill_to(self, user_id: int, target: int) -> None:
        """Charge a fresh user (balance 0) up to `target` with max-size charges."""
        left = target
        while left > 0:
            step = min(left, 1_000_000)
            r = self.charge(user_id, step)
            assert r.status == 200, (r.status, r.raw)
            left -= step
        assert self.balance(user_id) == target

    # ---- catalogue, coupons, orders, payment ---------------------------------------------

    def admin(self, method, path, body=None, token: str | None = ADMIN_TOKEN,
              headers=None, raw=None) -> Response:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return self.call(method, path, body, headers=h, raw=raw)

    def create_product(self, price: int = 1000, stock: int = 100, name: str | None = None,
                       description: str | None = None) -> int:
        body = {"name": name or unique_name("product"), "price": price, "stock": stock}
        if description is not None:
            body["description"] = description
        r = self.admin("POST", "/api/v1/admin/products", body)
        assert r.status == 201, (r.status, r.raw)
        return r.json["id"]

    def product(self, product_id: int) -> dict:
        r = self.call("GET", f"/api/v1/products/{product_id}")
        assert r.status == 200, (r.status, r.raw)
        return r.json

    def stock(self, product_id: int) -> int:
        return self.product(product_id)["stock"]

    def add_stock(self, product_id: int, delta) -> Response:
        return self.admin("POST", f"/api/v1/admin/products/{product_id}/stock", {"delta": delta})

    def create_coupon(self, **overrides) -> dict:
        """A coupon kind; default FIXED 1000, 100 of them, issue window open now, 7 days."""
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        body = {"name": unique_name("coupon"), "discountType": "FIXED", "discountValue": 1000,
                "totalQuantity": 100, "issueStartsAt": rfc3339(now - dt.timedelta(hours=1)),
                "issueEndsAt": rfc3339(now + dt.timedelta(hours=1)), "validDays": 7}
        body.update(overrides)
        r = self.admin("POST", "/api/v1/admin/coupons", body)
        assert r.status == 201, (r.status, r.raw)
        return r.json

    def coupon(self, coupon_id: int) -> dict:
        r = self.admin("GET", f"/api/v1/admin/coupons/{coupon_id}")
        assert r.status == 200, (r.status, r.raw)
        return r.json

    def issue(self, user_id: int, coupon_id: int) -> Response:
        return self.call("POST", "/api/v1/coupons/issue", {"userId": user_id, "couponId": coupon_id})

    def issue_ok(self, user_id: int, coupon_id: int) -> dict:
        r = self.issue(user_id, coupon_id)
        assert r.status == 201, (r.status, r.raw)
        return r.json

    def user_coupons(self, user_id: int) -> list:
        r = self.call("GET", f"/api/v1/coupons?userId={user_id}")
        assert r.status == 200, (r.status, r.raw)
        return r.json

    def user_coupon_status(self, user_id: int, user_coupon_id: int) -> str:
        found = [c for c in self.user_coupons(user_id) if c["userCouponId"] == user_coupon_id]
        assert len(found) == 1, (user_coupon_id, found)
        return found[0]["status"]

    def order(self, user_id: int, items, user_coupon_id=None, headers=None) -> Response:
        """items: [(productId, quantity), ...] or a list of dicts (sent as is)."""
        lines = [i if isinstance(i, dict) else {"productId": i[0], "quantity": i[1]}
                 for i in items]
        body = {"userId": user_id, "items": lines}
        if user_coupon_id is not None:
            body["userCouponId"] = user_coupon_id
        return self.call("POST", "/api/v1/orders", body, headers=headers)

    def order_ok(self, user_id: int, items, user_coupon_id=None) -> dict:
        r = self.order(user_id, items, user_coupon_id)
        assert r.status == 201, (r.status, r.raw)
        return r.json

    def get_order(self, order_id: int, user_id: int) -> Response:
        return self.call("GET", f"/api/v1/orders/{order_id}?userId={user_id}")

    def order_status(self, order_id: int, user_id: int) -> str:
        r = self.get_order(order_id, user_id)
        assert r.status == 200, (r.status, r.raw)
        return r.json["status"]

    def cancel(self, order_id: int, user_id: int) -> Response:
        return self.call("POST", f"/api/v1/orders/{order_id}/cancel", {"userId": user_id})

    def pay(self, user_id: int, order_id: int, headers=None) -> Response:
        return self.call("POST", "/api/v1/points/use", {"userId": user_id, "orderId": order_id},
                         headers=headers)


def unique_name(prefix: str = "apitest") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def rfc3339(d: dt.datetime) -> str:
    """An aware datetime as RFC 3339 with 'Z' (UTC)."""
    return d.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def assert_problem(r: Response, status: int | tuple, code: str) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status in statuses, f"expected {statuses} {code}, got {r.status}: {r.raw[:500]!r}"
    ctype = (r.header("Content-Type") or "").split(";")[0].strip().lower()
    assert ctype == "application/problem+json", f"Content-Type {r.header('Content-Type')!r}"
    b = r.json
    assert isinstance(b, dict), r.raw[:500]
    assert b.get("code") == code, b
    assert b.get("status") == r.status, b
    assert isinstance(b.get("type"), str) and b["type"], b
    assert isinstance(b.get("title"), str) and b["title"], b
    assert isinstance(b.get("detail"), str), b
    text = r.raw.decode("utf-8", "replace").lower()
    for marker in LEAK_MARKERS:
        assert marker not in text, f"error body leaks internals ({marker!r}): {r.raw[:500]!r}"


def assert_json_ok(r: Response, status: int = 200) -> Any:
    assert r.status == status, f"expected {status}, got {r.status}: {r.raw[:500]!r}"
    ctype = (r.header("Content-Type") or "").split(";")[0].strip().lower()
    assert ctype == "application/json", f"Content-Type {r.header('Content-Type')!r}"
    return r.json


def parse_kst(ts: str) -> dt.datetime:
    """RFC 3339 with an explicit +09:00 offset (default service zone Asia/Seoul)."""
    assert isinstance(ts, str), ts
    assert "T" in ts, ts
    d = dt.datetime.fromisoformat(ts)
    assert d.tzinfo is not None, f"timestamp without offset: {ts}"
    assert d.utcoffset() == KST, f"timestamp not in +09:00: {ts}"
    return d


def assert_recent(ts: str, slack_seconds: float = 300) -> None:
    d = parse_kst(ts)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - d).total_seconds()) < slack_seconds, f"{ts} is not close to now ({now})"


class TcpProxy:
    """A TCP forwarder to the test database that can cut connections, hold the database's
    answers (what the service sends still reaches the database, nothing comes back: a
    dependency that takes requests and never answers), or delay them. Used to simulate the
    database going away, or half away, and coming back."""

    def __init__(self, target_family, target_addr):
        import threading
        self._threading = threading
        self.target_family, self.target_addr = target_family, target_addr
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._listener = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._answers_flow = threading.Event()  # cleared: answers are held
        self._answers_flow.set()
        self.delay = 0.0  # seconds added before each answer is passed on

    def start(self):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.port))
        ls.listen(64)
        self._listener = ls
        self._threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls):
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            try:
                u = socket.socket(self.target_family, socket.SOCK_STREAM)
                u.connect(self.target_addr)
            except OSError:
                c.close()
                continue
            with self._lock:
                self._conns += [c, u]
            for a, b, answers in ((c, u, False), (u, c, True)):
                self._threading.Thread(target=self._pipe, args=(a, b, answers),
                                       daemon=True).start()

    def hold_answers(self):
        """From now on nothing the database sends is passed on (until release or cut)."""
        self._answers_flow.clear()

    def release_answers(self):
        self._answers_flow.set()

    def _pipe(self, a, b, answers):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                if answers:
                    if self.delay:
                        time.sleep(self.delay)
                    # Held: keep what came, pass it on only if released before a cut.
                    while not self._answers_flow.wait(0.05):
                        if b.fileno() < 0:
                            return
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        """Reset every proxied connection (the listener keeps accepting)."""
        import struct
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.shutdown(socket.SHUT_RDWR)  # wakes the pipe threads blocked in recv()
            except OSError:
                pass
            s.close()

    def stop(self):
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        self.cut()


def proxied_database_url(url: str):
    """Return (target_family, target_addr, rewrite) where rewrite(port) gives a libpq URL
    with the same user/password/database/options that connects to 127.0.0.1:port."""
    from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit
    u = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(u.query, keep_blank_values=True)]
    qd = dict(query)
    host = unquote(u.hostname or "") if u.hostname else qd.get("host", "")
    port = u.port or int(qd.get("port", 5432))
    if not host or host.startswith("/"):
        family, addr = socket.AF_UNIX, f"{host or '/var/run/postgresql'}/.s.PGSQL.{port}"
    else:
        family, addr = socket.AF_INET, (host, port)
    userinfo = u.netloc.rpartition("@")[0]
    rest = [(k, v) for k, v in query if k not in ("host", "port", "hostaddr")]

    def rewrite(p: int) -> str:
        netloc = (userinfo + "@" if userinfo else "") + f"127.0.0.1:{p}"
        return urlunsplit((u.scheme, netloc, u.path, urlencode(rest), ""))

    return family, addr, rewrite
