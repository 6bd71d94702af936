"""A small HTTP/1.1 load generator (stdlib only): N keep-alive connections for a fixed time or request count.

    python bench/load.py http://127.0.0.1:8000/api/public/v1/healthz -c 32 -d 10
    python bench/load.py http://127.0.0.1:8000/ -c 8 -n 5000 --json

Every connection sends one GET, reads the whole response, and sends the next (closed loop). It prints
responses per second, p50/p99/max latency and errors. Like wrk, it counts every complete response in req/s
and latency, and reports non-2xx responses and socket failures (timeouts, resets) as errors.

Everything is bounded: the run stops at the deadline or the request budget, each request has a timeout,
and a connection that fails backs off before reconnecting. Only http:// is supported: it is meant for
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

RECONNECT_BACKOFF_SECONDS = 0.05


@dataclass
class Target:
    """Where to send requests, and the bytes of the request."""

    host: str
    port: int
    request: bytes

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Parse an http:// URL into a target."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise SystemExit(f"only http://host:port/path URLs are supported, got {url!r}")
        port = parts.port or 80
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        head = f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{port}\r\nUser-Agent: microcourt-bench\r\n\r\n"
        return cls(parts.hostname, port, head.encode("ascii"))


@dataclass
class Budget:
    """When to stop: a deadline and, optionally, a number of requests."""

    deadline: float
    remaining: int | None = None

    def take(self) -> bool:
        """Claim one request; False once the time or the count is used up."""
        if time.perf_counter() >= self.deadline:
            return False
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


@dataclass
class Stats:
    """Latencies of every complete response (any status, as wrk counts them) and counts of failures."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def fail(self, kind: str) -> None:
        """Count one failure of the given kind."""
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        await read_chunked(reader)
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection") != "close"


async def read_chunked(reader: asyncio.StreamReader) -> None:
    """Consume a chunked body (and its trailers)."""
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return
        await reader.readexactly(size + 2)


async def connection_loop(target: Target, budget: Budget, stats: Stats, timeout: float) -> None:
    """One client connection: send, read, repeat until the budget is spent; reconnect after failures."""
    reader = writer = None
    while budget.take():
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(target.host, target.port), timeout)
            writer.write(target.request)
            status, keep_alive = await asyncio.wait_for(read_response(reader), timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, TimeoutError) as exc:
            stats.fail(type(exc).__name__)
            writer = await close(writer)
            await asyncio.sleep(RECONNECT_BACKOFF_SECONDS)
            continue
        stats.latencies.append(time.perf_counter() - started)
        if not 200 <= status < 300:
            stats.fail(f"http_{status}")
        if not keep_alive:
            writer = await close(writer)
    await close(writer)


async def close(writer: asyncio.StreamWriter | None) -> None:
    """Close a connection, ignoring errors from a peer that is already gone; return None."""
    if writer is None:
        return None
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return None


async def run(url: str, connections: int, duration: float, requests: int | None, timeout: float) -> dict:
    """Drive the target with `connections` closed-loop clients; return the measured summary."""
    target = Target.from_url(url)
    stats = Stats()
    started = time.perf_counter()
    budget = Budget(deadline=started + duration, remaining=requests)
    await asyncio.gather(*(connection_loop(target, budget, stats, timeout) for _ in range(connections)))
    return summarize(stats, time.perf_counter() - started, url=url, connections=connections)


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not ordered:
        return 0.0
    rank = min(max(1, math.ceil(fraction * len(ordered))), len(ordered))
    return ordered[rank - 1]


def summarize(stats: Stats, elapsed: float, *, url: str, connections: int) -> dict:
    """Throughput and latency figures (milliseconds) of one run."""
    ordered = sorted(stats.latencies)
    return {
        "url": url,
        "connections": connections,
        "seconds": round(elapsed, 3),
        "requests": len(ordered),
        "errors": sum(stats.errors.values()),
        "error_kinds": stats.errors,
        "rps": round(len(ordered) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * 1000, 2),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 2),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000, 2),
    }


def measure(
    url: str,
    *,
    connections: int,
    duration: float,
    requests: int | None = None,
    warmup: float = 0.0,
    timeout: float = 10.0,
) -> dict:
    """Warm up (results discarded), then measure for `duration` seconds or `requests` requests."""
    if warmup > 0:
        asyncio.run(run(url, connections, warmup, None, timeout))
    return asyncio.run(run(url, connections, duration, requests, timeout))


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="http://127.0.0.1:PORT/path")
    parser.add_argument("-c", "--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument("-d", "--duration", type=float, default=10.0, help="seconds to run (an upper bound)")
    parser.add_argument("-n", "--requests", type=int, default=None, help="stop after this many requests")
    parser.add_argument("-w", "--warmup", type=float, default=0.0, help="seconds of unmeasured warm-up first")
    parser.add_argument("-t", "--timeout", type=float, default=10.0, help="per-request timeout in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.duration <= 0:
        parser.error("--connections must be >= 1 and --duration > 0")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run once and print the summary; exit status 1 when any request failed."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = measure(
        args.url,
        connections=args.connections,
        duration=args.duration,
        requests=args.requests,
        warmup=args.warmup,
        timeout=args.timeout,
    )
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['url']}  c={result['connections']}  {result['requests']} requests in {result['seconds']} s\n"
            f"  {result['rps']} req/s   p50 {result['p50_ms']} ms   p99 {result['p99_ms']} ms   "
            f"max {result['max_ms']} ms   errors {result['errors']} {result['error_kinds'] or ''}"
        )
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
