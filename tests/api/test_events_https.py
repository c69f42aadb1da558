"""ORDER_PAID events over https:// (contract: Data platform, DATA_PLATFORM_CA_FILE): the
platform's certificate and host name are verified; a certificate that does not verify is a
failed attempt (counted in /metrics, retried with backoff), never a delivery.

The receiver is test_events' fake platform behind Python's ssl module, with certificates
made here at run time by `openssl req -x509`."""

from __future__ import annotations

import os
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from test_events import FakePlatform, outbox_rows, paid_order, wait_rows


def self_signed(directory: Path, name: str, san: str) -> tuple[Path, Path]:
    """A self-signed certificate (also its own CA) for `san`; returns (cert, key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}"],
        check=True, capture_output=True, timeout=30)
    return cert, key


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    return {
        "platform": self_signed(d, "platform", "IP:127.0.0.1,DNS:localhost"),
        "other-host": self_signed(d, "other-host", "DNS:platform.example,IP:10.9.8.7"),
        "stranger": self_signed(d, "stranger", "IP:127.0.0.1,DNS:localhost"),
    }


class TlsPlatform(FakePlatform):
    """The fake platform over TLS with the given certificate. A client that refuses the
    certificate ends the handshake: the handler thread then sees no request at all."""

    def __init__(self, cert: Path, key: Path, host: str = "127.0.0.1"):
        super().__init__()
        self.host = host
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.handshake_failures = 0

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}/v1/events"

    def start(self):
        super().start()
        platform = self
        httpd = self.httpd
        plain_get_request = httpd.get_request

        def get_request():
            sock, addr = plain_get_request()
            # The handshake runs on the handler's thread (setup below), not the accept loop.
            return platform.context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False), addr

        httpd.get_request = get_request
        handler = httpd.RequestHandlerClass
        base_setup = handler.setup

        def setup(h):
            try:
                h.request.do_handshake()
            except (ssl.SSLError, OSError):
                with platform.lock:
                    platform.handshake_failures += 1
                raise
            base_setup(h)

        handler.setup = setup


@pytest.fixture
def undeliverable(sql):
    """Order ids whose events a test made undeliverable on purpose. Marked delivered after
    the test, so that no later test's relay (the database is shared) delivers them to its own
    platform and upsets what that platform expects to receive."""
    orders: list[int] = []
    yield orders
    if orders:
        ids = ",".join(str(o) for o in orders)
        sql("UPDATE outbox_events SET delivered_at = now() "
            f"WHERE event_type = 'ORDER_PAID' AND aggregate_id IN ({ids}) AND delivered_at IS NULL")


def relay_metric(sp, name: str) -> float:
    text = sp.client.call("GET", "/metrics").raw.decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


@pytest.fixture
def tls_relay(start_server):
    started = []

    def start(platform: TlsPlatform, ca_file: Path | None, **env):
        extra = {"DATA_PLATFORM_URL": platform.url, **env}
        if ca_file is not None:
            extra["DATA_PLATFORM_CA_FILE"] = str(ca_file)
        sp = start_server(extra)
        started.append(sp)
        return sp

    yield start
    for sp in started:
        if sp.proc.poll() is None:
            assert sp.terminate() == 0


@pytest.fixture
def tls_platform():
    platforms = []

    def make(cert_and_key, host="127.0.0.1"):
        p = TlsPlatform(*cert_and_key, host=host)
        p.start()
        platforms.append(p)
        return p

    yield make
    for p in platforms:
        p.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_delivered_over_https_when_the_ca_file_trusts_the_platform(
        tls_relay, tls_platform, certificates, client, sql, host):
    platform = tls_platform(certificates["platform"], host=host)
    relay = tls_relay(platform, certificates["platform"][0],
                      DATA_PLATFORM_SECRET="s" * 32)
    o, _ = paid_order(client)
    got = platform.wait_delivered([o["orderId"]], timeout=20)
    assert len(got[o["orderId"]]) == 1
    (headers, body), = platform.received([o["orderId"]])
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["idempotency-key"] == body["eventId"]
    assert lower["x-signature"].startswith("t=") and ",v1=" in lower["x-signature"]
    wait_rows(sql, [o["orderId"]], lambda r: r[2] == "t", 5, "delivered_at")
    assert relay_metric(relay, "outbox_delivered_total") >= 1


@pytest.mark.parametrize("case", ["other-host", "stranger"])
def test_a_certificate_that_does_not_verify_is_a_failed_attempt(
        tls_relay, tls_platform, certificates, client, sql, undeliverable, case):
    # other-host: trusted, but issued for another name and address. stranger: right names,
    # but not in the CA file the relay trusts.
    platform = tls_platform(certificates[case])
    relay = tls_relay(platform, certificates["platform"][0] if case == "stranger"
                      else certificates["other-host"][0])
    o, _ = paid_order(client)
    undeliverable.append(o["orderId"])
    # Retried with backoff (0.5 s, then about 1 s): two attempts come within seconds; the
    # bound is generous for a loaded machine.
    rows = wait_rows(sql, [o["orderId"]], lambda r: int(r[1]) >= 2, 20, "two failed attempts")
    _, attempts, delivered, last_error = rows[o["orderId"]]
    assert delivered == "f"
    assert "certificate" in last_error, last_error
    assert relay_metric(relay, "outbox_failed_attempts_total") >= 2
    assert relay_metric(relay, "outbox_delivered_total") == 0
    # Nothing reached the platform: the handshake failed before any request was sent.
    assert platform.received([o["orderId"]], ok_only=False) == []
    assert platform.handshake_failures >= 2


def test_the_system_trust_store_does_not_trust_a_test_certificate(
        tls_relay, tls_platform, certificates, client, sql, undeliverable):
    platform = tls_platform(certificates["platform"])
    relay = tls_relay(platform, None)
    o, _ = paid_order(client)
    undeliverable.append(o["orderId"])
    # An attempt is counted when the event is claimed and its error written when it is
    # rescheduled: wait for both.
    rows = wait_rows(sql, [o["orderId"]], lambda r: int(r[1]) >= 1 and r[3] != "", 20,
                     "a failed attempt")
    assert rows[o["orderId"]][2] == "f" and "certificate" in rows[o["orderId"]][3]
    assert relay_metric(relay, "outbox_failed_attempts_total") >= 1
    assert platform.received([o["orderId"]], ok_only=False) == []


def test_an_unreadable_ca_file_stops_the_start(server_binary, database_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "DATA_PLATFORM_URL")}
    bad = tmp_path / "not-a-certificate.pem"
    bad.write_text("not a certificate\n")
    for ca_file in (str(bad), str(tmp_path / "missing.pem")):
        env.update(PORT="0", DATABASE_URL=database_url, DATA_PLATFORM_URL="https://platform/x",
                   DATA_PLATFORM_CA_FILE=ca_file)
        p = subprocess.run([str(server_binary)], env=env, capture_output=True, text=True,
                           timeout=10)
        assert p.returncode == 2, p.stderr
        assert "DATA_PLATFORM_CA_FILE" in p.stderr, p.stderr
