"""JSON over wasi:http (connector world only), with errors classified the way the host expects.

Only hosts requested in plugin.toml `capabilities.outbound_hosts` and granted by the operator are
reachable; anything else fails with `permanent("HTTP request denied ...")` before a connection.

    resp = http.request("GET", f"{base}/api/products", headers={"authorization": f"Bearer {token}"})
    data = resp.raise_for_status().json()
"""
import json as _json
from typing import Dict, List, Optional, Tuple

from componentize_py_types import Err
from wit_world.imports import outgoing_handler
from wit_world.imports import streams
from wit_world.imports import wasi_http_types as wh

from .errors import not_found, permanent, rate_limited, retryable, unauthorized

_METHODS = {
    "GET": wh.Method_Get(), "POST": wh.Method_Post(), "PUT": wh.Method_Put(), "DELETE": wh.Method_Delete(),
    "PATCH": wh.Method_Patch(), "HEAD": wh.Method_Head(), "OPTIONS": wh.Method_Options(),
}


class Response:
    """A received response: status, lower-case header pairs, body bytes."""

    def __init__(self, status: int, headers: List[Tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> Optional[str]:
        """The first header named `name` (case-insensitive)."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def json(self):
        """The body parsed as JSON; a non-JSON body is a retryable error."""
        try:
            return _json.loads(self.body)
        except ValueError as e:
            raise retryable(f"response is not the expected JSON: {e}") from None

    def raise_for_status(self) -> "Response":
        """Itself for 2xx; otherwise raise what the status means: 401/403 unauthorized, 404
        not-found, 429 rate-limited (Retry-After seconds), 5xx retryable, other 4xx permanent."""
        snippet = self.body[:200].decode("utf-8", "replace")
        s = self.status
        if 200 <= s < 300:
            return self
        if s in (401, 403):
            raise unauthorized(f"HTTP {s}")
        if s == 429:
            after = self.header("retry-after")
            raise rate_limited(int(after) * 1000 if after and after.strip().isdigit() else 1000)
        if s == 404:
            raise not_found(f"HTTP 404: {snippet}")
        if s >= 500:
            raise retryable(f"HTTP {s}: {snippet}")
        raise permanent(f"HTTP {s}: {snippet}")


def _split_url(url: str):
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise permanent(f"bad URL `{url}`")
    authority, slash, path = rest.partition("/")
    if not authority:
        raise permanent(f"bad URL `{url}`")
    return (wh.Scheme_Http() if scheme.lower() == "http" else wh.Scheme_Https()), authority, "/" + path


def _transport_error(code) -> Err:
    if isinstance(code, wh.ErrorCode_HttpRequestDenied):
        return permanent("HTTP request denied by the host's outbound policy (see the host log for which side refused)")
    return retryable(f"HTTP transport error: {type(code).__name__.removeprefix('ErrorCode_')}")


def request(method: str, url: str, headers: Optional[Dict[str, str]] = None, body: bytes = b"",
            json=None, timeout_ms: Optional[int] = None) -> Response:
    """Send a request and read the whole response. `json` sets a JSON body and content type."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if json is not None:
        body = _json.dumps(json, separators=(",", ":")).encode()
        headers.setdefault("content-type", "application/json")
    if body:
        headers["content-length"] = str(len(body))
    scheme, authority, path = _split_url(url)
    try:
        fields = wh.Fields.from_list([(k, v.encode()) for k, v in headers.items()])
    except Err as e:
        raise permanent(f"bad request header: {type(e.value).__name__}") from None
    req = wh.OutgoingRequest(fields)
    req.set_method(_METHODS.get(method.upper()) or wh.Method_Other(method.upper()))
    req.set_scheme(scheme)
    req.set_authority(authority)
    req.set_path_with_query(path)
    outgoing_body = req.body()
    options = None
    if timeout_ms is not None:
        options = wh.RequestOptions()
        options.set_connect_timeout(timeout_ms * 1_000_000)
        options.set_first_byte_timeout(timeout_ms * 1_000_000)
    try:
        future = outgoing_handler.handle(req, options)
    except Err as e:
        raise _transport_error(e.value) from None
    # Send first, then write: the host streams the body through a small buffer, so a body written
    # before the request is sent blocks forever once it outgrows that buffer.
    if body:
        stream = outgoing_body.write()
        for i in range(0, len(body), 4096):
            stream.blocking_write_and_flush(body[i:i + 4096])
        stream.__exit__(None, None, None)
    wh.OutgoingBody.finish(outgoing_body, None)
    while True:
        got = future.get()
        if got is not None:
            break
        future.subscribe().block()
    if isinstance(got, Err):
        raise retryable("HTTP response already taken")
    if isinstance(got.value, Err):
        raise _transport_error(got.value.value)
    incoming = got.value.value
    status = incoming.status()
    pairs = [(k.lower(), v.decode("utf-8", "replace")) for k, v in incoming.headers().entries()]
    incoming_body = incoming.consume()
    stream = incoming_body.stream()
    chunks = []
    while True:
        try:
            chunks.append(stream.blocking_read(64 * 1024))
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            raise retryable("reading response body failed") from None
    stream.__exit__(None, None, None)
    return Response(status, pairs, b"".join(chunks))
