#!/usr/bin/env python3
"""The vendor's token introspection endpoint (RFC 7662) for t-introspect.sh.

Usage: introspect-responder.py PORTFILE RULES CALLS

Listens on 127.0.0.1 (a port the kernel picks, written to PORTFILE) and
answers POST token=... by RULES, a JSON file read again on every call:
{"<token>": {"answer": {...}} | {"status": 500} | {"raw": "text"}, and
optionally "sleep": seconds before answering}.  A token not in RULES is
inactive.  Every call appends the token's rule name to CALLS, so that
the test can count what reached the endpoint.
"""
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTFILE, RULES, CALLS = sys.argv[1:4]


class Endpoint(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        ctype = self.headers.get("Content-Type", "")
        token = form.get("token", [""])[0]
        with open(CALLS, "a") as f:
            f.write(token + "\n")
        if ctype != "application/x-www-form-urlencoded" or self.path != "/oauth/introspect":
            return self.answer(400, '{"error":"invalid_request"}')
        with open(RULES) as f:
            rule = json.load(f).get(token, {"answer": {"active": False}})
        time.sleep(rule.get("sleep", 0))
        if "status" in rule:
            return self.answer(rule["status"], '{"error":"server_error"}')
        if "raw" in rule:
            return self.answer(200, rule["raw"])
        return self.answer(200, json.dumps(rule["answer"]))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up on a slow answer: nothing to report


def main():
    srv = Server(("127.0.0.1", 0), Endpoint)
    with open(PORTFILE + ".new", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(PORTFILE + ".new", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
