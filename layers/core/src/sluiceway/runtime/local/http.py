"""The local HTTP API of ``sluiceway serve``: a ``ThreadingHTTPServer`` on 127.0.0.1 that turns
each request into an API Gateway REST proxy event (the shape of ``events/functions/api/``),
invokes the API function's Lambda handler with a Lambda-like context, and turns its proxy
response back into HTTP. Behind API Gateway the same handler gets the same events."""

from __future__ import annotations

import base64
import json
import logging
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sluiceway.api.errors import ApiError, InvalidRequest, LengthRequired
from sluiceway.api.framework import MAX_BODY_BYTES, body_too_large, error_response
from sluiceway.naming import local_function_arn
from sluiceway.runtime.local.consumer import ACCOUNT
from sluiceway.runtime.local.functions import LambdaContext

if TYPE_CHECKING:
    from collections.abc import Callable

    from sluiceway.project import FunctionConfig
    from sluiceway.settings import Settings

log = logging.getLogger("sluiceway.http")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
STAGE = "local"
#: A body over the Lambda limit is answered 413 without reaching the handler; up to this size it
#: is read and dropped first (so the client, still sending, gets the answer), beyond it the
#: connection is closed after the answer.
DISCARD_LIMIT = 64 * 1024 * 1024


class AddressInUse(RuntimeError):
    pass


def api_address(settings: Settings, host: str | None, port: int | None) -> tuple[str, int]:
    """``--host``/``--port``, else ``SLUICEWAY_API_HOST``/``SLUICEWAY_API_PORT`` when the settings
    have them, else 127.0.0.1:8787."""
    return (
        host or str(getattr(settings, "api_host", None) or DEFAULT_HOST),
        port if port is not None else int(getattr(settings, "api_port", None) or DEFAULT_PORT),
    )


def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]] | None:
    if not pairs:
        return None
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def proxy_event(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
    domain: str = "127.0.0.1",
    request_id: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy integration event (payload format 1.0) for one request."""
    parts = urlsplit(target)
    path = parts.path or "/"
    header_maps = _multi(headers)
    query_maps = _multi(
        [
            (name, value)
            for name, values in parse_qs(parts.query, keep_blank_values=True).items()
            for value in values
        ]
    )
    text: str | None = None
    encoded = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode("ascii"), True
    now = datetime.now(UTC)
    api_key = next((v for k, v in headers if k.lower() == "x-api-key"), None)
    user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": header_maps[0] if header_maps else None,
        "multiValueHeaders": header_maps[1] if header_maps else None,
        "queryStringParameters": query_maps[0] if query_maps else None,
        "multiValueQueryStringParameters": query_maps[1] if query_maps else None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": path,
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "domainPrefix": domain.split(".", 1)[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id or str(uuid.uuid4()),
            "identity": {
                "sourceIp": source_ip,
                "userAgent": user_agent,
                "apiKey": api_key,
                "apiKeyId": None,
                "accountId": None,
                "caller": None,
                "user": None,
                "userArn": None,
            },
            "domainName": domain,
            "apiId": "local",
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: ApiServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall while sending

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _error(self, exc: ApiError, request_id: str, *, close: bool) -> None:
        self._write(error_response(exc).to_proxy(request_id), close=close)

    def _write(self, response: dict[str, Any], *, close: bool = False) -> None:
        raw = response.get("body") or ""
        data = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode()
        self.send_response(int(response["statusCode"]))
        for name, value in (response.get("headers") or {}).items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, str(value))
        for name, values in (response.get("multiValueHeaders") or {}).items():
            for value in values:
                self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _read_body(self, request_id: str) -> bytes | None:
        """The body, or None when an error was answered instead."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._error(LengthRequired("send a Content-Length"), request_id, close=True)
            return None
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._error(InvalidRequest("invalid Content-Length"), request_id, close=True)
            return None
        if length > MAX_BODY_BYTES:
            if length <= DISCARD_LIMIT:
                remaining = length
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            self._error(body_too_large(length), request_id, close=True)
            return None
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        api = self.server.api
        request_id = str(uuid.uuid4())
        body = self._read_body(request_id)
        if body is None:
            return
        host = self.headers.get("Host") or f"{api.host}:{api.port}"
        event = proxy_event(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            source_ip=self.client_address[0],
            domain=host,
            request_id=request_id,
        )
        context = LambdaContext(
            function_name=api.function_name,
            invoked_function_arn=local_function_arn(api.function_name),
            memory_limit_in_mb=api.memory_mb,
            timeout_seconds=api.timeout_seconds,
            aws_request_id=request_id,
        )
        started = time.monotonic()
        try:
            response = api.handler(event, context)
            json.dumps(response)
            if not isinstance(response, dict) or not isinstance(response.get("statusCode"), int):
                raise TypeError(f"not a proxy response: {type(response).__name__}")
        except Exception:
            # What API Gateway answers when the integration fails or returns garbage.
            log.exception("request %s: the API handler failed", request_id)
            response = {"statusCode": 502, "body": '{"message": "Internal server error"}'}
        log.debug(
            "%s %s -> %s in %.3fs",
            self.command,
            self.path,
            response["statusCode"],
            time.monotonic() - started,
        )
        self._write(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class ApiServer:
    """Serves ``handler`` (an API Gateway proxy Lambda handler). Binds when constructed, so a
    port in use fails at once; ``port=0`` picks a free one (see :attr:`url`)."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], Any],
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        function_name: str = "api",
        timeout_seconds: float = 29.0,
        memory_mb: int = 512,
        announce: bool = False,
    ) -> None:
        self.handler = handler
        self.function_name = function_name
        self.timeout_seconds = timeout_seconds
        self.memory_mb = memory_mb
        self.announce = announce
        try:
            self._httpd = _Server((host, port), _Handler)
        except OSError as exc:
            raise AddressInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self._httpd.api = self
        self.host, self.port = (
            str(self._httpd.server_address[0]),
            int(self._httpd.server_address[1]),
        )
        self._thread: threading.Thread | None = None

    @classmethod
    def for_function(
        cls,
        config: FunctionConfig,
        handler: Callable[[dict[str, Any], Any], Any],
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
    ) -> ApiServer:
        """The server of an API function (``function.json`` with an ``api`` trigger)."""
        address = api_address(settings, host, port)
        return cls(
            handler,
            host=address[0],
            port=address[1],
            function_name=config.name,
            timeout_seconds=float(config.timeout_seconds),
            memory_mb=config.memory_mb,
            announce=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ApiServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="api-http"
        )
        self._thread.start()
        if self.announce:
            sys.stderr.write(f"sluiceway serve: API on {self.url}/v1 (docs/api.md)\n")
            sys.stderr.flush()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def serve(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set (``sluiceway serve`` runs this in a thread)."""
        self.start()
        try:
            stop.wait()
        finally:
            self.close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
