#!/usr/bin/env python3
"""Stills at a steady rate through a SIGHUP of lenscapd (contrib/bench/reload).

Sends GET requests over kept-alive TLS connections on a fixed schedule
(open loop: a request late because the one before it was slow is timed
from when it was due, so a stall shows in full), sends lenscapd SIGHUP
after the "before" window, watches the admin listener's reload counters
until the reload has taken effect, and prints the latency percentiles of
the requests due before the signal, during the reload, and after it,
plus lenscapd's largest RSS while it reloaded; with --reloads N, N
times over, and the median ratio of the p99s.

  stills-paced.py --pid PID --base https://127.0.0.1:PORT --ca CA.crt
                  --metrics http://127.0.0.1:PORT/metrics --paths FILE
                  [--rate 100] [--conns 4] [--warmup 3] [--before 10]
                  [--after 3] [--timeout 120] [--reloads 1]

FILE holds one "PATH TOKEN" line per target: each request takes the next.
"""
import argparse
import http.client
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--paths", required=True)
    p.add_argument("--rate", type=float, default=100.0)
    p.add_argument("--conns", type=int, default=4)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--before", type=float, default=10.0)
    p.add_argument("--after", type=float, default=3.0)
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--reloads", type=int, default=1)
    return p.parse_args()


class Client(threading.Thread):
    """One connection, one request every conns/rate seconds, from start."""

    def __init__(self, o, targets, start, offset, stop):
        super().__init__(daemon=True)
        u = urllib.parse.urlsplit(o.base)
        self.host, self.port = u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=o.ca)
        self.targets = targets
        self.period = o.conns / o.rate
        self.next = start + offset
        self.stop = stop
        # (due, latency s, status or 0 for an error, retried on a new
        # connection)
        self.samples = []
        self.reconnects = 0

    def connect(self):
        return http.client.HTTPSConnection(self.host, self.port,
                                           context=self.ctx, timeout=30)

    def once(self, conn, path, token):
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        r.read()
        return r.status

    def get(self, conn, path, token):
        """The status (0: failed) and the connection to use next.  A kept-
        alive connection that the server closed (a reload retires the old
        servers, which close their idle connections) is retried once on a
        new one, as HTTP/1.1 clients do for an idempotent request."""
        for attempt in (0, 1):
            try:
                return self.once(conn, path, token), conn
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = self.connect()
                if attempt == 1 or not isinstance(
                        e, (http.client.RemoteDisconnected, ConnectionResetError,
                            BrokenPipeError)):
                    if os.environ.get("BENCH_DEBUG"):
                        print("stills-paced: %s" % e, file=sys.stderr)
                    return 0, conn
                self.reconnects += 1
        return 0, conn

    def run(self):
        conn, i = self.connect(), 0
        while not self.stop.is_set():
            due = self.next
            self.next += self.period
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            path, token = self.targets[i % len(self.targets)]
            i += 1
            retried = self.reconnects
            status, conn = self.get(conn, path, token)
            self.samples.append((due, time.monotonic() - due, status,
                                 self.reconnects != retried))
        conn.close()


ADMIN_CLOSED = [0]


def counters(url):
    """(reloads, reload failures) from the admin listener's metrics.  A
    connection made as the reload swaps the servers may be closed without
    an answer (counted in ADMIN_CLOSED): asked again, up to 3 times."""
    for attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                text = r.read().decode()
            break
        except (http.client.RemoteDisconnected, ConnectionResetError):
            ADMIN_CLOSED[0] += 1
            if attempt == 2:
                raise
    got = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] in ("lenscap_reloads_total",
                                    "lenscap_reload_failures_total"):
            got[f[0]] = int(float(f[1]))
    return got.get("lenscap_reloads_total", 0), \
        got.get("lenscap_reload_failures_total", 0)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(lat, q):
    if not lat:
        return float("nan")
    lat = sorted(lat)
    return lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3


def row(name, samples, lo, hi):
    """Prints the requests due in [lo, hi): (p99, answers other than 200)."""
    s = [x for x in samples if lo <= x[0] < hi]
    lat = [x[1] for x in s]
    bad = sum(1 for x in s if x[2] != 200)
    kept = [x[1] for x in s if not x[3]]
    print("%-10s %7d %7.1f %9.1f %9.1f %9.1f %6d %14.1f" %
          (name, len(s), hi - lo, pct(lat, 0.5), pct(lat, 0.99),
           max(lat) * 1e3 if lat else float("nan"), bad, pct(kept, 0.99)))
    return pct(lat, 0.99), bad


def watch(o, seconds):
    """Polls the metrics and the RSS for that long, as reload_once()
    does, so that the windows before and during a reload are measured
    under the same load on this process."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        rss_kib(o.pid)
        counters(o.metrics)
        time.sleep(0.05)


def reload_once(o):
    """Sends SIGHUP and waits for the reload to take effect: (time sent,
    time seen, largest RSS meanwhile in KiB); raises if it did not."""
    reloads0, fails0 = counters(o.metrics)
    rss_max = rss_kib(o.pid)
    t_hup = time.monotonic()
    os.kill(o.pid, signal.SIGHUP)
    while time.monotonic() - t_hup < o.timeout:
        rss_max = max(rss_max, rss_kib(o.pid))
        reloads, fails = counters(o.metrics)
        if fails > fails0:
            raise RuntimeError("the reload was refused")
        if reloads > reloads0:
            return t_hup, time.monotonic(), rss_max
        time.sleep(0.05)
    raise RuntimeError("the reload did not end")


def main():
    o = args()
    targets = [tuple(line.split()) for line in open(o.paths) if line.strip()]
    stop = threading.Event()
    start = time.monotonic() + 0.2
    clients = [Client(o, targets, start, k / o.rate, stop)
               for k in range(o.conns)]
    for c in clients:
        c.start()
    time.sleep(0.2 + o.warmup)
    rss0, cycles = rss_kib(o.pid), []
    try:
        for _ in range(o.reloads):
            t0 = time.monotonic()
            watch(o, o.before)
            cycles.append((t0,) + reload_once(o))
        time.sleep(o.after)
    except RuntimeError as e:
        print("stills-paced: %s" % e, file=sys.stderr)
        return 1
    finally:
        stop.set()
        for c in clients:
            c.join()
    samples = [x for c in clients for x in c.samples]
    print("stills at %.0f/s over %d connections; %d SIGHUPs, each after %.0f s"
          % (o.rate, o.conns, o.reloads, o.before))
    print("%-10s %7s %7s %9s %9s %9s %6s %14s" %
          ("window", "stills", "s", "p50 ms", "p99 ms", "max ms", "!200",
           "p99 unretried"))
    ratios, bad = [], 0
    for k, (t0, t_hup, t_done, rss) in enumerate(cycles):
        p99_before, b0 = row("before %d" % (k + 1), samples, t0, t_hup)
        p99_during, b1 = row("during %d" % (k + 1), samples, t_hup, t_done)
        ratios.append(p99_during / p99_before)
        bad += b0 + b1
        if os.environ.get("BENCH_DEBUG"):
            slow = sorted((x[0] - t_hup, x[1]) for x in samples
                          if t_hup <= x[0] < t_done and x[1] * 1e3 > 2 * p99_before)
            print("  slow (s after SIGHUP: ms): " + ", ".join(
                "%.2f: %.0f" % (t, l * 1e3) for t, l in slow[:40]))
        print("reload %d: took effect %.2f s after the SIGHUP; lenscapd RSS at "
              "most %.0f MiB; p99 during / before %.2f" %
              (k + 1, t_done - t_hup, rss / 1024, ratios[-1]))
    _, b2 = row("after", samples, cycles[-1][2], cycles[-1][2] + o.after)
    bad += b2
    print("kept-alive connections closed by lenscapd (requests retried on a "
          "new one): %d" % sum(c.reconnects for c in clients))
    print("new connections to the admin listener closed without an answer "
          "(asked again): %d" % ADMIN_CLOSED[0])
    print("lenscapd RSS: %.0f MiB before the first SIGHUP, %.0f MiB at most "
          "during a reload" % (rss0 / 1024, max(c[3] for c in cycles) / 1024))
    ratio = sorted(ratios)[len(ratios) // 2]
    print("p99 during / before, median of %d: %.2f (target <= 2): %s" %
          (len(ratios), ratio, "met" if ratio <= 2 else "NOT met"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
