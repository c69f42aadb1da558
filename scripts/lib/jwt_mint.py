#!/usr/bin/env python3
"""Mints an HS256 JWT for trying the service with user authentication on (python3 stdlib only).

    python3 scripts/lib/jwt_mint.py --secret "$AUTH_JWT_SECRET" --sub 1            # user 1, 1 h
    python3 scripts/lib/jwt_mint.py --secret "$AUTH_JWT_SECRET" --sub ops --role admin --ttl 600
    AUTH_JWT_SECRET=... python3 scripts/lib/jwt_mint.py --sub 1 --iss https://issuer --aud shop

Prints the token alone on stdout. For demos and tests: real tokens come from an identity
provider that holds the secret (or, better, an RS256/ES256 private key).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_hs256(claims: dict, secret: str | bytes, header: dict | None = None) -> str:
    """The JWS compact form of `claims` signed with HMAC-SHA256."""
    key = secret.encode() if isinstance(secret, str) else secret
    head = header if header is not None else {"alg": "HS256", "typ": "JWT"}
    signing_input = (b64url(json.dumps(head, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(claims, separators=(",", ":")).encode()))
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(signature)


def mint(secret: str, sub: str, role: str | None = None, ttl: int = 3600,
         iss: str | None = None, aud: str | None = None, now: int | None = None) -> str:
    issued = int(time.time()) if now is None else now
    claims: dict = {"sub": str(sub), "iat": issued, "exp": issued + ttl}
    if role:
        claims["role"] = role
    if iss:
        claims["iss"] = iss
    if aud:
        claims["aud"] = aud
    return encode_hs256(claims, secret)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Mint an HS256 JWT for the service.")
    parser.add_argument("--secret", default=os.environ.get("AUTH_JWT_SECRET"),
                        help="the HS256 secret (default: $AUTH_JWT_SECRET)")
    parser.add_argument("--sub", required=True, help="the user id (decimal), or a name for admins")
    parser.add_argument("--role", help='"admin" for an admin token')
    parser.add_argument("--ttl", type=int, default=3600, help="seconds until exp (default 3600)")
    parser.add_argument("--iss", default=os.environ.get("AUTH_JWT_ISSUER"))
    parser.add_argument("--aud", default=os.environ.get("AUTH_JWT_AUDIENCE"))
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("no secret: pass --secret or set AUTH_JWT_SECRET")
    if len(args.secret.encode()) < 32:
        parser.error("the secret must be at least 32 bytes (the service refuses shorter ones)")
    print(mint(args.secret, args.sub, args.role, args.ttl, args.iss, args.aud))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
