#!/usr/bin/env bash
# Single-node Ceph RGW (a real S3-compatible server) on 127.0.0.1, for tests.
#
#   bash .ci/ceph-rgw.sh start   # install if needed, start, print `export ...` lines
#   bash .ci/ceph-rgw.sh stop    # kill the daemons and remove the folder
#   bash .ci/ceph-rgw.sh status  # exit 0 if RGW answers on the port
#
#   eval "$(bash .ci/ceph-rgw.sh start)"
#
# Only the export lines go to stdout; every diagnostic goes to stderr.
#
# One monitor, one OSD on memstore (data lives in RAM), no cephx, pool size 1,
# and radosgw (beast frontend).  Everything (config, mon/osd/rgw data, logs,
# pid files, admin sockets, run dir, crash dir) lives under ONE folder.
#
# Environment (all optional):
#   CEPH_RGW_DIR       folder for everything         (default /tmp/microcourt-ceph)
#   CEPH_RGW_PORT      RGW HTTP port on 127.0.0.1    (default 7480)
#   CEPH_MON_PORT      monitor (msgr v1) port        (default 6799; keep it
#                      outside 6800-7300, where OSDs pick their own ports)
#   CEPH_RGW_TIMEOUT   seconds to wait for each step (default 90)
#   CEPH_MEMSTORE_BYTES  memstore capacity            (default 2 GiB)
set -euo pipefail

DIR="${CEPH_RGW_DIR:-/tmp/microcourt-ceph}"
PORT="${CEPH_RGW_PORT:-7480}"
MON_PORT="${CEPH_MON_PORT:-6799}"
TIMEOUT="${CEPH_RGW_TIMEOUT:-90}"
MEMSTORE_BYTES="${CEPH_MEMSTORE_BYTES:-2147483648}"

S3_UID="microcourt"
S3_ACCESS_KEY="microcourt-access"
S3_SECRET_KEY="microcourt-secret-key-0123456789"
S3_REGION="us-east-1"

CONF="$DIR/ceph.conf"
LOG="$DIR/log"
RUN="$DIR/run"
RGW_NAME="client.rgw.microcourt"
MARKER=".microcourt-ceph"   # proves a folder is ours before `rm -rf`

log() { echo "[ceph-rgw] $*" >&2; }

# Set once `start` has begun launching daemons: a failure then kills them
# (the folder and its logs stay for inspection; the next start/stop removes it).
LAUNCHED=0

die() {
    echo "[ceph-rgw] ERROR: $*" >&2
    [ "$LAUNCHED" = 1 ] && kill_daemons
    exit 1
}

# die with the tail of one or more log files
die_with_logs() {
    local msg="$1"; shift
    echo "[ceph-rgw] ERROR: $msg" >&2
    local f
    for f in "$@"; do
        if [ -f "$f" ]; then
            echo "----- tail -n 40 $f -----" >&2
            tail -n 40 "$f" >&2 || true
        fi
    done
    if [ "$LAUNCHED" = 1 ]; then
        kill_daemons
        echo "[ceph-rgw] daemons stopped; logs kept in $LOG ('stop' removes them)" >&2
    fi
    exit 1
}

print_env() {
    echo "export S3_TEST_ENDPOINT_URL=http://127.0.0.1:${PORT}"
    echo "export S3_TEST_ACCESS_KEY=${S3_ACCESS_KEY}"
    echo "export S3_TEST_SECRET_KEY=${S3_SECRET_KEY}"
    echo "export S3_TEST_REGION=${S3_REGION}"
}

# Does an S3 server (RGW) answer on 127.0.0.1:$PORT?  Anonymous GET / on RGW
# returns an S3 XML document (ListAllMyBucketsResult or an S3 <Error>).
rgw_answers() {
    local body=""
    if command -v curl >/dev/null 2>&1; then
        body="$(curl -s --max-time 3 "http://127.0.0.1:${PORT}/" 2>/dev/null || true)"
    else
        body="$(python3 - "$PORT" <<'PY' 2>/dev/null || true
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=3)
    print(r.read().decode("utf-8", "replace"))
except urllib.error.HTTPError as e:
    print(e.read().decode("utf-8", "replace"))
except Exception:
    pass
PY
)"
    fi
    case "$body" in
        *ListAllMyBucketsResult*|*"<Error>"*) return 0 ;;
        *) return 1 ;;
    esac
}

port_in_use() {
    local p="$1"
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$p" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null
    fi
}

# `ceph` CLI with our config and bounded time (never hangs)
cephc_once() {
    timeout 20 ceph -c "$CONF" --connect-timeout 15 "$@"
}

# Same, retried until it succeeds (at most TIMEOUT seconds).  With cephx off
# the CLI sometimes sends its first command before it has the monmap, i.e.
# with fsid 0, and the mon answers "wrong fsid" -> "Error EPERM: problem
# getting command descriptions from mon."  A retry always gets through.
# Only used for idempotent commands.
cephc() {
    local deadline=$(( $(date +%s) + TIMEOUT )) errf="$LOG/cli.err" out
    while :; do
        if out="$(cephc_once "$@" 2>>"$errf")"; then
            [ -n "$out" ] && printf '%s\n' "$out"
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            return 1
        fi
        echo "(retrying: ceph $*)" >>"$errf"
        sleep 0.5
    done
}

rgw_admin() {
    timeout 60 radosgw-admin -c "$CONF" -n client.admin "$@" 2>>"$LOG/cli.err"
}

# Wait until "$@" succeeds, at most TIMEOUT seconds.
wait_for() {
    local what="$1"; shift
    local deadline=$(( $(date +%s) + TIMEOUT ))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            return 1
        fi
        sleep 0.5
    done
    log "$what: ok after $(( $(date +%s) - deadline + TIMEOUT ))s"
}

# pid from a pid file, only if alive and really the expected daemon
daemon_pid() {
    local pidfile="$1" exe="$2" pid
    [ -f "$pidfile" ] || return 1
    pid="$(tr -dc '0-9' <"$pidfile")"
    [ -n "$pid" ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    local cmd
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    case "$cmd" in
        *"$exe"*"$CONF"*) ;;   # e.g. "ceph-osd -c /tmp/microcourt-ceph/ceph.conf -i 0"
        *) return 1 ;;
    esac
    echo "$pid"
}

install_packages() {
    if command -v ceph-mon >/dev/null 2>&1 && command -v ceph-osd >/dev/null 2>&1 \
        && command -v radosgw >/dev/null 2>&1 && command -v radosgw-admin >/dev/null 2>&1 \
        && command -v monmaptool >/dev/null 2>&1 && command -v ceph >/dev/null 2>&1; then
        return 0
    fi
    local t0; t0=$(date +%s)
    log "installing ceph-mon ceph-osd radosgw (apt)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || die "apt-get update failed"
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
        ceph-mon ceph-osd radosgw >&2 \
        || die "apt-get install ceph-mon ceph-osd radosgw failed"
    log "installed in $(( $(date +%s) - t0 ))s"
}

write_conf() {
    local fsid="$1"
    cat >"$CONF" <<EOF
# generated by .ci/ceph-rgw.sh -- single-node test cluster, everything in $DIR
[global]
fsid = $fsid
mon initial members = a
mon host = [v1:127.0.0.1:$MON_PORT]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
ms bind ipv6 = false

auth cluster required = none
auth service required = none
auth client required = none
auth supported = none

run dir = $RUN
crash dir = $DIR/crash
log file = $LOG/\$name.log
log to syslog = false
err to syslog = false
log to stderr = false
err to stderr = true
mon cluster log file = $LOG/cluster.log
mon cluster log to syslog = false
keyring = $DIR/keyring

osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mon warn on insecure global id reclaim allowed = false

[mon]
mon data = $DIR/mon/\$cluster-\$id
pid file = $RUN/\$name.pid
admin socket = $RUN/\$cluster-\$name.asok
# every osdmap change (RGW creates ~7 pools at start) otherwise waits ~1 s
paxos propose interval = 0.01
paxos min wait = 0.001

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd journal = $DIR/osd/\$cluster-\$id/journal
pid file = $RUN/\$name.pid
admin socket = $RUN/\$cluster-\$name.asok
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
# With cephx off the OSD may send its start-up mon commands (crush location,
# device class) before it has the monmap, with fsid 0: the mon answers
# "wrong fsid" (EPERM) and the OSD exits.  So neither runs at start; osd.0
# is put in the crush map by hand (ceph osd crush add) before it starts.
osd crush update on start = false
osd class update on start = false
osd max object name len = 460
osd max object namespace len = 64
osd op num shards = 1
osd op num threads per shard = 2
osd memory target = 939524096

[$RGW_NAME]
rgw data = $DIR/rgw
pid file = $RUN/\$name.pid
admin socket = $RUN/\$cluster-\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw dns name =
rgw thread pool size = 32
rgw enable usage log = false
EOF
}

new_uuid() {
    if [ -r /proc/sys/kernel/random/uuid ]; then
        cat /proc/sys/kernel/random/uuid
    else
        python3 -c 'import uuid; print(uuid.uuid4())'
    fi
}

osd_up() {
    cephc_once osd dump 2>/dev/null | grep -qE '^osd\.0 up +in'
}

mon_answers() {
    cephc_once mon stat >/dev/null 2>&1
}

ensure_user() {
    local deadline=$(( $(date +%s) + TIMEOUT ))
    until ensure_user_once; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            die_with_logs "could not create the S3 user '$S3_UID' with radosgw-admin" \
                "$LOG/cli.err" "$LOG/$RGW_NAME.log"
        fi
        sleep 1
    done
}

ensure_user_once() {
    local out
    if out="$(rgw_admin user info --uid="$S3_UID" 2>&1)"; then
        if grep -q "\"$S3_ACCESS_KEY\"" <<<"$out"; then
            return 0
        fi
        rgw_admin key create --uid="$S3_UID" --key-type=s3 \
            --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
        return
    fi
    rgw_admin user create --uid="$S3_UID" --display-name="$S3_UID" \
        --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null
}

kill_daemons() {
    local name exe pid pids=()
    for name in "$RGW_NAME:radosgw" "osd.0:ceph-osd" "mon.a:ceph-mon"; do
        exe="${name##*:}"; name="${name%%:*}"
        if pid="$(daemon_pid "$RUN/$name.pid" "$exe")"; then
            # SIGKILL: the data is thrown away anyway, and on SIGTERM
            # radosgw sometimes takes 15 s+ to shut down.
            log "stopping $name (pid $pid)"
            kill -KILL "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    # wait (at most 10 s) until they are gone, so ports and files are free
    local i alive
    for i in $(seq 1 40); do
        alive=0
        for pid in "${pids[@]+"${pids[@]}"}"; do
            kill -0 "$pid" 2>/dev/null && alive=1
        done
        [ "$alive" = 0 ] && break
        sleep 0.25
    done
}

do_stop() {
    kill_daemons
    if [ -d "$DIR" ]; then
        if [ -f "$DIR/$MARKER" ] || [ -z "$(ls -A "$DIR")" ]; then
            rm -rf "$DIR"
            log "removed $DIR"
        else
            die "$DIR exists but was not made by this script; not removing it"
        fi
    fi
}

do_start() {
    local t0; t0=$(date +%s)

    if rgw_answers; then
        log "RGW already answers on 127.0.0.1:$PORT"
        if [ -f "$CONF" ] && command -v radosgw-admin >/dev/null 2>&1; then
            ensure_user
        fi
        print_env
        return 0
    fi

    install_packages

    # leftovers of a half-started or dead cluster: start from scratch
    if [ -e "$DIR" ]; then
        log "cleaning up stale $DIR"
        do_stop
    fi
    for p in "$PORT" "$MON_PORT"; do
        if port_in_use "$p"; then
            die "port $p on this machine is already in use by something that is not our RGW (set CEPH_RGW_PORT / CEPH_MON_PORT)"
        fi
    done

    mkdir -p "$DIR" "$LOG" "$RUN" "$DIR/crash" "$DIR/mon" "$DIR/osd/ceph-0" "$DIR/rgw"
    touch "$DIR/$MARKER"
    export CEPH_CONF="$CONF"
    LAUNCHED=1

    local fsid osd_uuid
    fsid="$(new_uuid)"
    write_conf "$fsid"

    # --- monitor -----------------------------------------------------------
    # Non-default mon port: the monmap must carry an explicit v1 address,
    # otherwise clients try msgr2 and hang.
    monmaptool --create --clobber --fsid "$fsid" --addv a "[v1:127.0.0.1:$MON_PORT]" \
        "$DIR/monmap" >"$LOG/monmaptool.out" 2>&1 \
        || die_with_logs "monmaptool failed" "$LOG/monmaptool.out"
    timeout 60 ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" \
        >"$LOG/mon.a.mkfs.out" 2>&1 \
        || die_with_logs "ceph-mon --mkfs failed" "$LOG/mon.a.mkfs.out" "$LOG/mon.a.log"
    timeout 60 ceph-mon -c "$CONF" -i a >"$LOG/mon.a.out" 2>&1 \
        || die_with_logs "ceph-mon failed to start" "$LOG/mon.a.out" "$LOG/mon.a.log"
    wait_for "monitor on 127.0.0.1:$MON_PORT" mon_answers \
        || die_with_logs "monitor did not answer within ${TIMEOUT}s" "$LOG/mon.a.out" "$LOG/mon.a.log"

    # --- osd (memstore) ----------------------------------------------------
    # With cephx off the OSD can fail with "wrong fsid" if it updates its
    # crush location / device class at start (see [osd] in ceph.conf); so
    # both are off and the OSD is added to the crush map here by hand.
    osd_uuid="$(new_uuid)"
    local osd_id
    osd_id="$(cephc osd new "$osd_uuid" 0)" \
        || die_with_logs "ceph osd new failed" "$LOG/cli.err" "$LOG/mon.a.log"
    [ "$osd_id" = "0" ] || die "expected osd id 0, got '$osd_id'"
    timeout 60 ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" \
        >"$LOG/osd.0.mkfs.out" 2>&1 \
        || die_with_logs "ceph-osd --mkfs failed" "$LOG/osd.0.mkfs.out" "$LOG/osd.0.log"
    cephc osd crush add osd.0 1.0 root=default host=localhost >/dev/null \
        || die_with_logs "ceph osd crush add failed" "$LOG/cli.err" "$LOG/mon.a.log"
    timeout 60 ceph-osd -c "$CONF" -i 0 >"$LOG/osd.0.out" 2>&1 \
        || die_with_logs "ceph-osd failed to start" "$LOG/osd.0.out" "$LOG/osd.0.log"
    wait_for "osd.0 up" osd_up \
        || die_with_logs "osd.0 did not come up within ${TIMEOUT}s" "$LOG/osd.0.out" "$LOG/osd.0.log" "$LOG/mon.a.log"

    # --- radosgw -----------------------------------------------------------
    timeout 60 radosgw -c "$CONF" -n "$RGW_NAME" >"$LOG/$RGW_NAME.out" 2>&1 \
        || die_with_logs "radosgw failed to start" "$LOG/$RGW_NAME.out" "$LOG/$RGW_NAME.log"
    wait_for "radosgw on 127.0.0.1:$PORT" rgw_answers \
        || die_with_logs "radosgw did not answer on 127.0.0.1:$PORT within ${TIMEOUT}s" \
            "$LOG/$RGW_NAME.out" "$LOG/$RGW_NAME.log" "$LOG/osd.0.log"

    ensure_user
    log "started in $(( $(date +%s) - t0 ))s (dir $DIR, logs in $LOG)"
    print_env
}

case "${1:-}" in
    start)  do_start ;;
    stop)   do_stop ;;
    status) if rgw_answers; then log "RGW answers on 127.0.0.1:$PORT"; else log "RGW not answering on 127.0.0.1:$PORT"; exit 1; fi ;;
    env)    print_env ;;
    *)      echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
