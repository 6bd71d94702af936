"""gunicorn settings from the environment (see docs/configuration.md)."""

import gc
import json
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
# One process per core, eight threads each (docs/configuration.md): on the 2-core benchmark VM, 2 x 8 cost 9-31 % less
# worker CPU per call than 4 x 4 in three pairs of the mixed workload, with the same 16 requests in flight and as many
# calls per second or more (docs/benchmarks.md, session 12). Requests wait on PostgreSQL, Redis and S3 with the GIL
# released, so threads keep the cores busy; more processes than cores only add switches and cold caches.
_asked_workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count())))
_asked_threads = int(os.environ.get("GUNICORN_THREADS", "8"))


def _limits_are_shared() -> bool:
    """True when rate limits live in a store every process sees (Redis), not in each process's memory."""
    uri = os.environ.get("RATELIMIT_STORAGE_URI", "").strip().lower()
    return bool(uri) and not uri.startswith("memory:")


if _limits_are_shared():
    workers, threads = _asked_workers, _asked_threads
else:
    # memory:// (the embedded default) counts per process: N workers would let N times the limit through
    # (4 of 8 SMS sends to one phone inside a minute with 4 workers). One process keeps one count; threads
    # keep the concurrency that was asked for.
    workers, threads = 1, max(_asked_threads, min(16, _asked_workers * _asked_threads))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Requests one keep-alive connection may carry before its answer says `Connection: close` (nginx's keepalive_requests);
# 0, the default: no limit. A connection stays with the process that accepted it, so a client that holds a few
# connections for long pins its load on the processes that took them; a limit makes it reconnect, and a new
# connection goes to whichever process gets to it first. Measured on the lifecycle benchmark (docs/benchmarks.md,
# session 17), a limit of 100 gained no lifecycles and cost PostgreSQL 12-20 % more CPU a lifecycle: off by default.
_keepalive_requests = int(os.environ.get("GUNICORN_KEEPALIVE_REQUESTS", "0"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "1000"))
# The app is built once, in the master, and every worker is forked from it: building it takes seconds (imports,
# the OpenAPI document with its error scan), which a worker recycled by max_requests or killed would otherwise pay
# again while serving nothing. create_app opens no connection and starts no thread; post_fork drops any pool
# anyway. Code changes need a restart of the master (USR2 + TERM for no downtime), not HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in {"0", "false", "no", "off"}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (`gunicornc`, since gunicorn 25.1) is off unless a path is given: its default path is one
# per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), so every instance on a host (a second app server, an old
# master during a USR2 upgrade, a benchmark) would take it over from the last one, and one stopping unlinks it.
# Signals (docs/deploy.md) manage the server; GUNICORN_CONTROL_SOCKET=/run/microcourt/gunicorn.ctl turns it on there.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip() or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
# What gunicorn refuses before the app sees the request (414, 431, 400); stated here, not left to its defaults.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
limit_request_fields = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", "100"))
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", "8190"))
accesslog = None  # the app writes one JSON access line per request itself
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn's own refusals in the API's one error shape (it has no setting for their body: it writes HTML).
_REASONS = {
    400: ("request.bad", "The request is malformed."),
    403: ("auth.forbidden", "The request is forbidden."),
    414: ("request.uri_too_long", "The request line is too long."),
    417: ("request.expectation_failed", "The Expect header cannot be met."),
    431: ("request.headers_too_large", "The request's header fields are too large or too many."),
    500: ("internal.error", "The server could not complete the request."),
    501: ("request.not_implemented", "The transfer coding is not supported."),
}


def json_error(status_int, reason, mesg):
    """The bytes of a gunicorn refusal as JSON (the client's input is never echoed back)."""
    slug, message = _REASONS.get(status_int, ("request.bad", "The request is malformed."))
    body = {"code": status_int, "status": reason, "reason": slug, "message": message, "errors": {}, "request_id": "-"}
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode("latin-1") + payload


def _install_json_errors():
    """Replace gunicorn.util.write_error, which the workers call for every request gunicorn itself refuses."""
    from gunicorn import util

    if getattr(util.write_error, "microcourt_json", False):
        return

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, json_error(status_int, reason, mesg))

    write_error.microcourt_json = True
    util.write_error = write_error


_install_json_errors()


def on_starting(server):
    """Start every run with an empty metrics folder (values from dead processes must not linger)."""
    import pathlib
    import shutil

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
    if not _limits_are_shared() and _asked_workers > 1:
        server.log.warning(
            "RATELIMIT_STORAGE_URI is memory://: serving with 1 process and %d threads (not %d workers), "
            "so every rate limit is counted once; set a redis:// store to run more processes",
            threads,
            _asked_workers,
        )


def pre_request(worker, req):
    """gunicorn's own debug line, then the keep-alive limit: the connection's last request is answered with
    `Connection: close`, so the client opens a new one (any HTTP/1.1 client does; nothing is lost or retried)."""
    worker.log.debug("%s %s", req.method, req.path)
    if _keepalive_requests and getattr(req, "req_number", 0) >= _keepalive_requests:  # HTTP/1.x: HTTP/2 has none
        req.must_close = True


def child_exit(server, worker):
    """Tell prometheus_client a worker died, so its live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """A forked worker never shares a connection with the master or a sibling: drop every pooled one."""
    if not preload_app:
        return
    app = worker.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):  # another app served with these settings (bench/)
        return
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # close=False: the parent's sockets are left to the parent


def _freeze_the_heap():
    """Move every object alive now into the collector's permanent generation, which no collection walks.

    What the built app holds (modules, the OpenAPI document, mappers, compiled statements) lives as long as the
    process: without this, each full collection while serving walked all of it again (the built app is ~636,000
    objects; a full collection of them took ~330 ms of CPU on the benchmark VM, frozen under 1 ms). The collection
    first frees startup garbage, so none of it is frozen for good.
    """
    gc.collect()
    gc.freeze()


def pre_fork(server, worker):
    """Freeze the master's heap just before forking: with preload_app it holds the built app, and a frozen object's
    header is never written by a worker's collector, so its memory page stays shared (no copy-on-write)."""
    _freeze_the_heap()


def post_worker_init(worker):
    """Start the embedded scheduler (beat's periodic tasks) when the app asks for it: `make run`, never production.

    Then freeze what the worker holds: the app when it was built here (preload_app off), else what the fork added.
    """
    from app.platform import scheduler

    scheduler.start_embedded(worker.wsgi)
    _freeze_the_heap()
