"""Schemathesis hooks for the flexpension API (loaded through SCHEMATHESIS_HOOKS).

- Serializers for the platform's batch bodies: `text/csv` (the generated string as UTF-8) and
  `application/x-ndjson` (the generated object as one JSON line).
- With FLEXPENSION_API_KEY set, every request is signed the way the platform API wants writes
  signed: X-Flexpension-Timestamp and X-Flexpension-Signature = v1=HMAC-SHA256(key,
  timestamp + "." + body), computed over the exact bytes sent (a requests auth hook runs after
  the body is encoded). Schemathesis' own values for those two headers are replaced.
"""

import hashlib
import hmac
import json
import os
import time

import requests
import schemathesis
from schemathesis.transport.requests import REQUESTS_TRANSPORT

API_KEY = os.environ.get("FLEXPENSION_API_KEY", "")


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@REQUESTS_TRANSPORT.serializer("text/csv")
def csv_serializer(ctx, value):
    return {"data": _text(value)}


@REQUESTS_TRANSPORT.serializer("application/x-ndjson")
def ndjson_serializer(ctx, value):
    if isinstance(value, (bytes, bytearray, str)):
        return {"data": _text(value)}
    return {"data": json.dumps(value, ensure_ascii=False).encode("utf-8") + b"\n"}


class Signed(requests.auth.AuthBase):
    """Signs the prepared request: the body is final by now."""

    def __init__(self, key):
        self.key = key.encode()

    def __call__(self, r):
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        ts = str(int(time.time()))
        mac = hmac.new(self.key, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        r.headers["X-Flexpension-Timestamp"] = ts
        r.headers["X-Flexpension-Signature"] = "v1=" + mac
        return r


@schemathesis.hook
def before_call(context, case, kwargs):
    if API_KEY:
        case._auth = Signed(API_KEY)


STATS = os.environ.get("FLEXPENSION_ST_STATS", "")


@schemathesis.hook
def after_call(context, case, response):
    """Append `METHOD PATH STATUS` per call, so run.py can tell the credentials worked."""
    if STATS:
        with open(STATS, "a", encoding="utf-8") as f:
            f.write(f"{case.operation.method.upper()} {case.operation.path} {response.status_code}\n")
