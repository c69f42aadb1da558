"""Tokens for the API tests with user authentication on (python3 stdlib + the openssl CLI).

HS256 comes from scripts/lib/jwt_mint.py (stdlib hmac); RS256 and ES256 keys are made and
used with the `openssl` command, so no Python crypto package is needed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from apiclient import ADMIN_TOKEN, Client, Response

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts/lib"))
from jwt_mint import b64url, encode_hs256  # noqa: E402

SECRET = "api-test-secret-0123456789abcdef-0123456789"  # > 32 bytes


def claims_for(user, ttl: int = 600, **extra) -> dict:
    now = int(time.time())
    c = {"sub": str(user), "iat": now, "exp": now + ttl}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def hs256(claims: dict, secret: str | bytes = SECRET, header: dict | None = None) -> str:
    return encode_hs256(claims, secret, header)


def unsigned(claims: dict, header: dict) -> str:
    """header.payload. with an empty signature (alg none)."""
    return (b64url(json.dumps(header).encode()) + "." +
            b64url(json.dumps(claims).encode()) + ".")


# ---- RS256 / ES256 with the openssl CLI ---------------------------------------------------

def openssl(*args: str, data: bytes | None = None) -> bytes:
    p = subprocess.run(["openssl", *args], input=data, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p.stdout


def make_key(directory: Path, kind: str) -> tuple[Path, Path]:
    """(private key PEM, public key PEM) for kind 'rsa' (2048 bits) or 'ec' (P-256)."""
    private = directory / f"{kind}.key.pem"
    public = directory / f"{kind}.pub.pem"
    if kind == "rsa":
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", str(private))
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", str(private))
    openssl("pkey", "-in", str(private), "-pubout", "-out", str(public))
    return private, public


def _der_ecdsa_to_raw(der: bytes) -> bytes:
    """ECDSA-Sig-Value (SEQUENCE of two INTEGERs) -> r || s, 32 bytes each (JWS ES256)."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        length = der[i + 1]
        value = der[i + 2:i + 2 + length].lstrip(b"\x00")
        out += value.rjust(32, b"\x00")
        i += 2 + length
    return out


def sign_asymmetric(claims: dict, private_key: Path, alg: str, header: dict | None = None) -> str:
    head = header if header is not None else {"alg": alg, "typ": "JWT"}
    signing_input = (b64url(json.dumps(head).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    signature = openssl("dgst", "-sha256", "-sign", str(private_key),
                        data=signing_input.encode())
    if alg == "ES256":
        signature = _der_ecdsa_to_raw(signature)
    return signing_input + "." + b64url(signature)


# ---- a client that sends each user's own token ---------------------------------------------

def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


class TokenClient(Client):
    """A Client for a server with user authentication on: every call that names a userId
    (JSON body or query) carries that user's HS256 token, and user creation the admin token.
    The tests written for the open server run unchanged through it."""

    def __init__(self, base: Client, secret: str = SECRET):
        super().__init__(base.host, base.port, base.timeout)
        self.secret = secret
        self._tokens: dict[str, str] = {}

    def token(self, user) -> str:
        key = str(user)
        if key not in self._tokens:
            self._tokens[key] = hs256(claims_for(user, ttl=3600), self.secret)
        return self._tokens[key]

    @staticmethod
    def _user_of(path, body, raw):
        if isinstance(body, dict) and "userId" in body:
            return body["userId"]
        if raw is not None:
            try:
                parsed = json.loads(raw)
                if isinstance(parsed, dict) and "userId" in parsed:
                    return parsed["userId"]
            except ValueError:
                pass
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if "userId" in query:
            return query["userId"][0]
        return None

    def call(self, method, path, body=None, headers=None, raw=None) -> Response:
        h = dict(headers or {})
        if not any(k.lower() == "authorization" for k in h):
            user = self._user_of(path, body, raw)
            if user is not None:
                h.update(bearer(self.token(user)))
            elif method == "POST" and path.startswith("/api/v1/users"):
                h.update(bearer(ADMIN_TOKEN))
        return super().call(method, path, body=body, headers=h, raw=raw)
