"""Forward Alexa smart home directives to lenscapd.

Amazon calls a smart home skill only through an AWS Lambda function.  This
one POSTs each directive, unchanged, to lenscapd's Alexa route over HTTPS
and returns lenscapd's answer unchanged.  lenscapd checks the access token
that Alexa puts in the directive; this function holds no secret and makes
no decision of its own.

When lenscapd cannot be reached, is too slow, or answers with something that
is not an Alexa message, the function answers Alexa with an ErrorResponse of
type INTERNAL_ERROR.

Environment:
  LENSCAP_URL        https:// URL of lenscapd's Alexa route (required)
  LENSCAP_CA_FILE    PEM file of the CA to trust instead of the system's
  LENSCAP_CA_PEM     the same, as PEM text; "\\n" may stand for a line break
                     (at most one of LENSCAP_CA_FILE and LENSCAP_CA_PEM)
  LENSCAP_TIMEOUT_S  seconds for the whole exchange (default 5)

The log names the directive's namespace and name, lenscapd's HTTP status
and the time taken, or why the exchange failed: never the token, never a
body.
"""

import http.client
import json
import logging
import os
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

MAX_ANSWER = 1 << 20  # bytes of lenscapd's answer read at most
DEFAULT_TIMEOUT_S = 5.0  # Alexa waits 6 s for the whole skill

log = logging.getLogger("lenscap")
log.setLevel(logging.INFO)


class ConfigError(Exception):
    pass


class BadAnswer(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other: it is not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _config():
    url = os.environ.get("LENSCAP_URL", "")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigError("LENSCAP_URL must be an https:// URL")

    ca_file = os.environ.get("LENSCAP_CA_FILE") or None
    ca_pem = os.environ.get("LENSCAP_CA_PEM") or None
    if ca_file and ca_pem:
        raise ConfigError("set LENSCAP_CA_FILE or LENSCAP_CA_PEM, not both")
    if ca_pem:
        ca_pem = ca_pem.replace("\\n", "\n")

    raw = os.environ.get("LENSCAP_TIMEOUT_S", "")
    try:
        timeout = float(raw) if raw else DEFAULT_TIMEOUT_S
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 60:
        raise ConfigError("LENSCAP_TIMEOUT_S must be a number of seconds in (0, 60]")

    try:
        # Verifies the certificate chain and the host name; a CA given
        # here replaces the system's list instead of adding to it.
        ctx = ssl.create_default_context(cafile=ca_file, cadata=ca_pem)
    except (OSError, ValueError) as e:
        raise ConfigError("cannot load the CA: %s" % e) from None

    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ctx), _NoRedirect())
    return url, timeout, opener


_cached = None


def _setup():
    # The environment of a Lambda function does not change while it runs:
    # build the TLS context once per container, not once per directive.
    global _cached
    if _cached is None:
        _cached = _config()
    return _cached


def _read_bounded(resp, deadline):
    body = bytearray()
    while len(body) <= MAX_ANSWER:
        if time.monotonic() > deadline:
            raise TimeoutError("answer not complete in time")
        chunk = resp.read1(65536)
        if not chunk:
            return bytes(body)
        body += chunk
    raise BadAnswer("longer than %d bytes" % MAX_ANSWER)


def _forward(event, url, timeout, opener):
    """POST the event to lenscapd; return its HTTP status and body."""
    data = json.dumps(event, separators=(",", ":")).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": "lenscap-alexa-lambda/1",
    })
    deadline = time.monotonic() + timeout
    try:
        resp = opener.open(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        resp = e  # 3xx, 4xx, 5xx: judged by its body like a 200
    with resp:
        return resp.status, _read_bounded(resp, deadline)


def _alexa_message(body):
    try:
        msg = json.loads(body)
    except ValueError:
        raise BadAnswer("not JSON") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("event"), dict):
        raise BadAnswer("not an Alexa event")
    return msg


def _error_response(directive, message):
    header = directive.get("header")
    endpoint = directive.get("endpoint")
    out = {
        "namespace": "Alexa",
        "name": "ErrorResponse",
        "messageId": str(uuid.uuid4()),
        "payloadVersion": "3",
    }
    if isinstance(header, dict) and "correlationToken" in header:
        out["correlationToken"] = header["correlationToken"]
    event = {"header": out}
    if isinstance(endpoint, dict) and "endpointId" in endpoint:
        event["endpoint"] = {"endpointId": endpoint["endpointId"]}
    event["payload"] = {"type": "INTERNAL_ERROR", "message": message}
    return {"event": event}


def lambda_handler(event, context):
    directive = event.get("directive") if isinstance(event, dict) else None
    if not isinstance(directive, dict):
        log.error("not a directive: refused")
        return _error_response({}, "not an Alexa directive")
    header = directive.get("header")
    if not isinstance(header, dict):
        header = {}
    what = "%s/%s" % (header.get("namespace"), header.get("name"))

    try:
        url, timeout, opener = _setup()
    except ConfigError as e:
        log.error("%s: configuration: %s", what, e)
        return _error_response(directive, "the forwarder is misconfigured")

    start = time.monotonic()
    try:
        status, body = _forward(event, url, timeout, opener)
    except (OSError, http.client.HTTPException) as e:
        # refused, DNS, TLS, timeout, reset, a malformed HTTP answer
        log.error("%s: lenscapd unreachable: %s: %s", what, type(e).__name__, e)
        return _error_response(directive, "the camera service is unreachable")
    except BadAnswer as e:
        log.error("%s: lenscapd's answer is %s", what, e)
        return _error_response(directive, "the camera service answered badly")
    ms = (time.monotonic() - start) * 1000

    try:
        answer = _alexa_message(body)
    except BadAnswer as e:
        log.error("%s: lenscapd answered %d in %d ms, %s", what, status, ms, e)
        return _error_response(directive, "the camera service answered badly")
    log.info("%s: lenscapd answered %d in %d ms", what, status, ms)
    return answer
