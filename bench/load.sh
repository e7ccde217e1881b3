#!/usr/bin/env bash
# bench/load.sh — side-by-side load run over loopback, one load tool (wrk),
# one machine, interleaved rounds:
#
#   harden            harden serve, production mode, behind a fake
#                     TLS-terminating proxy (X-Forwarded-Proto: https from a
#                     trusted hop), throwaway secrets
#   peerchain         bench/cmd/peerchain: the same routes behind
#                     unrolled/secure + chi client IP + rs/cors + httprate +
#                     scs (memory) + gorilla/csrf
#   bare-go           stdlib net/http, no middleware (the physical limit)
#   express-vanilla   Express 4, no hardening
#   express-hardened  helmet + cors + express-rate-limit + hpp +
#                     express-session + csrf-csrf + ... (limit raised)
#   ceiling           a bare net/http handler sending exactly the header
#                     lines and body size of harden's answer, captured at
#                     start (PEERS_DIR/ceiling): harden ÷ ceiling is what
#                     harden's code costs, ceiling ÷ bare-go what its header
#                     set costs
#   harden-metrics    harden serve with --metrics-addr (Prometheus metrics
#                     on a loopback listener of its own): beside the harden
#                     row, what counting every request and refusal costs
#   harden-redis      harden serve with HARDEN_REDIS_URL: rate limits (and
#                     sessions) in one Redis started here, on loopback
#   harden-redis-split  two harden serve instances on that one Redis, the
#                     load split between them by two wrk processes at once
#                     (each half the threads and connections); the row is
#                     the per-instance figure (the mean of the two), with
#                     the pair's sum beside it
#
# Route: GET /api/csrf-token on every server. If harden serve does not
# answer it with 200, harden is measured on GET /healthz instead and the
# output says so in capitals: that row is then not comparable.
#
# Client kinds: "first" sends no cookies (every request is a first visit);
# "returning" replays the cookies of one earlier answer of the same server
# (only for servers that set cookies; for the others both kinds are the
# same request and "first" stands for both).
#
# Every request carries X-Forwarded-Proto: https, X-Forwarded-For:
# 203.0.113.7 and Host: localhost. Every server listens on 127.0.0.1 only
# and is stopped by PID when the script ends, however it ends.
#
# Usage: bench/load.sh [OUTDIR]     (default: a new temporary directory)
# Env:
#   ROUNDS=3 DURATION=10s THREADS=2 CONNS=50 WARMUP=2s BASE_PORT=39180
#   PIN=1               servers on CPU 0 (Go with GOMAXPROCS=1), wrk on CPU 1
#   MAX_SECONDS=900     refuse to start a run estimated to take longer
#   HARDEN_REV=REV      build harden from git revision REV (git archive, the
#                       work tree is not touched) instead of the work tree
#   HARDEN_SERVE_ARGS   extra flags for harden serve
#   HARDEN_API_LIMIT    harden serve's limit on /api/ (default
#                       1000000000/1h: out of reach, as the peers' are)
#   PEERS_DIR=DIR       the reference peers (bare-go, express-vanilla,
#                       express-hardened); default ../shared/peers beside
#                       the repository. Without them only harden and
#                       peerchain are measured.
#   ONLY="a b"          measure only these servers
#   REDIS=auto          the Redis rows: auto (when redis-server is found),
#                       1 (required) or 0
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH="$ROOT/bench"
CACHE=${HARDEN_CACHE:-$HOME/.cache/harden}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
WARMUP=${WARMUP:-2s}
BASE_PORT=${BASE_PORT:-39180}
PIN=${PIN:-0}
MAX_SECONDS=${MAX_SECONDS:-900}
HARDEN_REV=${HARDEN_REV:-}
HARDEN_SERVE_ARGS=${HARDEN_SERVE_ARGS:-}
# The general limit on /api/ raised out of reach, as the peers' are, so
# that the 200 path is what is measured.
HARDEN_API_LIMIT=${HARDEN_API_LIMIT:-1000000000/1h}
ONLY=${ONLY:-}
REDIS=${REDIS:-auto}

die() { printf 'load.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }
loud() { printf '\n!!!!!!!! %s !!!!!!!!\n\n' "$*" | tee -a "$OUT/warnings.txt" >&2; }

for tool in wrk curl awk go; do command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install -y wrk curl)"; done
case $ROUNDS in '' | *[!0-9]*) die "ROUNDS must be a positive integer" ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] || die "ROUNDS must be 1..20"

# seconds DURATION : wrk's duration syntax (10s, 1m, 30) in whole seconds.
seconds() {
  case $1 in
    *s) echo "${1%s}" ;;
    *m) echo $((${1%m} * 60)) ;;
    *[!0-9]*) die "cannot read duration $1" ;;
    *) echo "$1" ;;
  esac
}

OUT=${1:-$(mktemp -d -t harden-load.XXXXXX)}
mkdir -p "$OUT/raw" "$OUT/bin"
OUT=$(cd "$OUT" && pwd)
: >"$OUT/warnings.txt"

# --- process bookkeeping: everything started here is stopped by PID ---------
STARTED=()
alive() { # PID running and not a zombie
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}
stop_pid() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local p
  for p in "${STARTED[@]}"; do stop_pid "$p" || true; done
  STARTED=()
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

wait_port() { # PORT TIMEOUT_S
  local i
  for i in $(seq $(($2 * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

SRV_PREFIX=()
WRK_PREFIX=()
GO_ENV=()
if [ "$PIN" = 1 ]; then
  command -v taskset >/dev/null || die "PIN=1 needs taskset"
  THREADS=1
  SRV_PREFIX=(taskset -c 0)
  WRK_PREFIX=(taskset -c 1)
  GO_ENV=(GOMAXPROCS=1)
fi

# --- build -------------------------------------------------------------------
# One compiler for every Go server: the toolchain the repository pins.
GOTOOLCHAIN=$(awk '$1 == "toolchain" {print $2}' "$ROOT/go.mod")
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
GOVERSION=$(go env GOVERSION)

if [ -n "$HARDEN_REV" ]; then
  REV=$(git -C "$ROOT" rev-parse --verify "$HARDEN_REV^{commit}") || die "unknown revision $HARDEN_REV"
  log "building harden at $REV (git archive)"
  mkdir -p "$OUT/src"
  git -C "$ROOT" archive "$REV" | tar -x -C "$OUT/src"
  (cd "$OUT/src" && go build -trimpath -o "$OUT/bin/harden" ./cmd/harden)
  HARDEN_DESC="$REV"
else
  log "building harden from the work tree"
  (cd "$ROOT" && go build -trimpath -o "$OUT/bin/harden" ./cmd/harden)
  HARDEN_DESC="$(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo '+uncommitted')"
fi
log "building peerchain"
(cd "$BENCH" && go build -trimpath -o "$OUT/bin/peerchain" ./cmd/peerchain)

HAVE_PEERS=0
if [ -d "$PEERS_DIR/bare-go" ] && [ -d "$PEERS_DIR/express-hardened" ] && [ -d "$PEERS_DIR/express-vanilla" ]; then
  HAVE_PEERS=1
  log "building bare-go"
  go build -C "$PEERS_DIR/bare-go" -trimpath -o "$OUT/bin/bare-go" .
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed for the Express peers"
  # The peers' folder may be read-only: install into a cached copy, keyed
  # by the lock file, and refresh the sources on every run.
  for d in express-vanilla express-hardened; do
    key=$(cat "$PEERS_DIR/$d/package-lock.json" | sha256sum | cut -c1-12)
    dst="$CACHE/peers/$d-$key"
    mkdir -p "$dst"
    cp "$PEERS_DIR/$d/package.json" "$PEERS_DIR/$d/package-lock.json" "$PEERS_DIR/$d/server.js" "$dst/"
    chmod u+w "$dst"/*
    if [ ! -d "$dst/node_modules" ]; then
      log "npm ci for $d"
      (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed for $d"
    fi
    printf -v "NODE_DIR_${d//-/_}" '%s' "$dst"
  done
else
  loud "reference peers not found in $PEERS_DIR: measuring harden and peerchain only (set PEERS_DIR)"
fi
HAVE_CEILING=0
if [ -d "$PEERS_DIR/ceiling" ]; then
  HAVE_CEILING=1
  log "building ceiling"
  go build -C "$PEERS_DIR/ceiling" -trimpath -o "$OUT/bin/ceiling" .
fi
case $REDIS in
  auto) if command -v redis-server >/dev/null; then REDIS=1; else REDIS=0; fi ;;
  1) command -v redis-server >/dev/null || die "REDIS=1 needs redis-server (Debian: apt-get install -y redis-server)" ;;
  0) ;;
  *) die "REDIS must be auto, 1 or 0" ;;
esac

# --- servers -----------------------------------------------------------------
secret() { head -c 48 /dev/urandom | base64 | tr -d '\n'; }
declare -A PORT PID ROUTE COOKIE
NAMES=()
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
# One key ring for every harden instance: the Redis pair shares sessions.
HARDEN_SECRETS=$(secret)
# harden_env PORT NAME: the environment of one harden serve instance.
harden_env() {
  printf '%s\n' HARDEN_ENV=production "HARDEN_SECRETS=$HARDEN_SECRETS" HARDEN_PUBLIC_URL=https://localhost \
    HARDEN_TRUSTED_PROXIES=1 "HARDEN_DATA_DIR=$OUT/data-$2" "HARDEN_ADDR=127.0.0.1:$1" \
    "HARDEN_API_LIMIT=$HARDEN_API_LIMIT"
}

start() { # NAME PORT CMD...
  local name=$1 port=$2
  shift 2
  "${SRV_PREFIX[@]}" "$@" >"$OUT/server-$name.log" 2>&1 &
  PID[$name]=$!
  STARTED+=("$!")
  PORT[$name]=$port
  NAMES+=("$name")
}

if want harden || { [ "$HAVE_CEILING" = 1 ] && want ceiling; }; then
  mapfile -t henv < <(harden_env $((BASE_PORT + 1)) harden)
  # shellcheck disable=SC2086 # HARDEN_SERVE_ARGS is a list of flags
  start harden $((BASE_PORT + 1)) env "${GO_ENV[@]}" "${henv[@]}" "$OUT/bin/harden" serve $HARDEN_SERVE_ARGS
fi
if want harden-metrics; then
  mapfile -t henv < <(harden_env $((BASE_PORT + 10)) harden-metrics)
  # shellcheck disable=SC2086
  start harden-metrics $((BASE_PORT + 10)) env "${GO_ENV[@]}" "${henv[@]}" "$OUT/bin/harden" serve \
    --metrics-addr 127.0.0.1:$((BASE_PORT + 11)) $HARDEN_SERVE_ARGS
fi
REDIS_PORT=$((BASE_PORT + 9))
SPLIT_B=""
if [ "$REDIS" = 1 ] && { want harden-redis || want harden-redis-split; }; then
  # Redis on loopback only, nothing saved to disk.
  "${SRV_PREFIX[@]}" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    >"$OUT/server-redis.log" 2>&1 &
  REDIS_PID=$!
  STARTED+=("$REDIS_PID")
  wait_port "$REDIS_PORT" 10 || die "redis-server did not start ($OUT/server-redis.log)"
  for inst in a b; do
    port=$((BASE_PORT + 7)) name=harden-redis
    if [ "$inst" = b ]; then port=$((BASE_PORT + 8)) name=harden-redis-b; fi
    mapfile -t henv < <(harden_env "$port" "redis-$inst")
    # shellcheck disable=SC2086
    start "$name" "$port" env "${GO_ENV[@]}" "${henv[@]}" "HARDEN_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0" \
      "$OUT/bin/harden" serve $HARDEN_SERVE_ARGS
  done
  SPLIT_B=harden-redis-b
fi
if want peerchain; then
  start peerchain $((BASE_PORT + 2)) env "${GO_ENV[@]}" HOST=127.0.0.1 PORT=$((BASE_PORT + 2)) \
    RATE_LIMIT_MAX=1000000000 PUBLIC_URL=https://localhost "$OUT/bin/peerchain"
fi
if [ "$HAVE_PEERS" = 1 ]; then
  if want bare-go; then
    start bare-go $((BASE_PORT + 3)) env "${GO_ENV[@]}" HOST=127.0.0.1 PORT=$((BASE_PORT + 3)) "$OUT/bin/bare-go"
  fi
  if want express-vanilla; then
    start express-vanilla $((BASE_PORT + 4)) env NODE_ENV=production HOST=127.0.0.1 PORT=$((BASE_PORT + 4)) \
      node "$NODE_DIR_express_vanilla/server.js"
  fi
  if want express-hardened; then
    start express-hardened $((BASE_PORT + 5)) env NODE_ENV=production HOST=127.0.0.1 PORT=$((BASE_PORT + 5)) \
      RATE_LIMIT_MAX=1000000000 SESSION_SECRET="$(secret)" COOKIE_SECRET="$(secret)" \
      node "$NODE_DIR_express_hardened/server.js"
  fi
fi
[ "${#NAMES[@]}" -gt 0 ] || die "nothing to measure"

HDRS=(-H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 203.0.113.7" -H "Host: localhost")
for n in "${NAMES[@]}"; do
  if ! wait_port "${PORT[$n]}" 20; then
    cat "$OUT/server-$n.log" >&2
    die "$n did not start (log above)"
  fi
done
# The ceiling answers with the header lines and body size of harden's own
# answer to the request every run sends, captured now.
if [ "$HAVE_CEILING" = 1 ] && [ -n "${PORT[harden]:-}" ] && want ceiling; then
  curl -sS -D "$OUT/ceiling-headers.txt" -o "$OUT/ceiling-body.txt" "${HDRS[@]}" \
    "http://127.0.0.1:${PORT[harden]}/api/csrf-token"
  start ceiling $((BASE_PORT + 6)) env "${GO_ENV[@]}" HOST=127.0.0.1 PORT=$((BASE_PORT + 6)) \
    HEADERS_FILE="$OUT/ceiling-headers.txt" BODY_BYTES="$(wc -c <"$OUT/ceiling-body.txt")" "$OUT/bin/ceiling"
  wait_port $((BASE_PORT + 6)) 20 || die "ceiling did not start ($OUT/server-ceiling.log)"
fi
# harden was started for the ceiling's capture only.
if ! want harden && [ -n "${PORT[harden]:-}" ]; then
  stop_pid "${PID[harden]}"
  keep=()
  for n in "${NAMES[@]}"; do [ "$n" = harden ] || keep+=("$n"); done
  NAMES=("${keep[@]}")
fi

status() { curl -sS -o /dev/null -w '%{http_code}' "${HDRS[@]}" "http://127.0.0.1:$1$2"; }
for n in "${NAMES[@]}"; do
  ROUTE[$n]=/api/csrf-token
  code=$(status "${PORT[$n]}" /api/csrf-token)
  if [ "$code" != 200 ] && [ "$n" = harden ]; then
    ROUTE[$n]=/healthz
    loud "HARDEN SERVE HAS NO GET /api/csrf-token YET (status $code): HARDEN IS MEASURED ON GET /healthz, NOT COMPARABLE WITH THE OTHER ROWS"
    code=$(status "${PORT[$n]}" /healthz)
  fi
  [ "$code" = 200 ] || die "$n answers $code on ${ROUTE[$n]} (log: $OUT/server-$n.log)"
  # One cookie set from one answer, for the returning-client variant. The
  # ceiling replays harden's Set-Cookie lines but reads no cookie: its
  # first row stands for both kinds.
  COOKIE[$n]=""
  if [ "$n" = ceiling ]; then continue; fi
  COOKIE[$n]=$(curl -sS -o /dev/null -D - "${HDRS[@]}" "http://127.0.0.1:${PORT[$n]}${ROUTE[$n]}" |
    awk -F'[ ;]' 'tolower($1) == "set-cookie:" {printf "%s%s", sep, $2; sep = "; "}')
done

RUNS=()
for n in "${NAMES[@]}"; do
  case $n in
    harden-redis-b) continue ;; # measured only in the split run
    harden-redis | harden-metrics) # first visits only: the rows compare with harden's first
      if want "$n"; then RUNS+=("$n:first"); fi
      continue ;;
  esac
  RUNS+=("$n:first")
  if [ -n "${COOKIE[$n]}" ]; then RUNS+=("$n:returning"); fi
done
if [ -n "$SPLIT_B" ] && want harden-redis-split; then
  if [ "$THREADS" -ge 2 ] && [ "$CONNS" -ge 2 ]; then
    RUNS+=("harden-redis-split:first")
  else
    loud "the split run needs THREADS >= 2 and CONNS >= 2 (PIN=1 sets THREADS=1): harden-redis-split not measured"
  fi
fi
DUR_S=$(seconds "$DURATION")
EST=$((ROUNDS * ${#RUNS[@]} * (DUR_S + 1) + ${#NAMES[@]} * ($(seconds "$WARMUP") + 1)))
[ "$EST" -le "$MAX_SECONDS" ] || die "estimated $EST s > MAX_SECONDS=$MAX_SECONDS; lower ROUNDS or DURATION"

WRK_ARGS=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${HDRS[@]}")
WRK_SHOWN="${WRK_PREFIX[*]:+${WRK_PREFIX[*]} }wrk -t$THREADS -c$CONNS -d$DURATION --latency -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7' -H 'Host: localhost'"
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo) x $(nproc)"
  echo "kernel=$(uname -r)"
  echo "go=$GOVERSION node=$(node -v 2>/dev/null || echo none) wrk=$(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
  echo "harden=$HARDEN_DESC"
  echo "pin=$PIN rounds=$ROUNDS estimated_seconds=$EST"
  echo "command=$WRK_SHOWN [-H 'Cookie: ...'] http://127.0.0.1:PORT/ROUTE"
  for n in "${NAMES[@]}"; do echo "route $n ${ROUTE[$n]}${COOKIE[$n]:+ (sets cookies: $(echo "${COOKIE[$n]}" | sed 's/=[^;]*/=…/g'))}"; done
} | tee "$OUT/env.txt" >&2

# Idle RSS: after start-up and one request, before any load.
declare -A RSS_IDLE RSS_PEAK
for n in "${NAMES[@]}"; do RSS_IDLE[$n]=$(rss_kb "${PID[$n]}"); RSS_PEAK[$n]=0; done

# Warm-up (not recorded): JIT for Node, first allocations for Go.
for n in "${NAMES[@]}"; do
  "${WRK_PREFIX[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${HDRS[@]}" "http://127.0.0.1:${PORT[$n]}${ROUTE[$n]}" >/dev/null
done

to_ms() { # wrk latency with unit -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "NaN" }'
}

printf 'round\tserver\tclient\trps\tp50_ms\tp99_ms\trequests\tnon2xx\tsocket_errors\trss_peak_kb\tloadavg1\n' >"$OUT/runs.tsv"
for r in $(seq "$ROUNDS"); do
  order=()
  for i in "${!RUNS[@]}"; do order+=("${RUNS[$(((i + r - 1) % ${#RUNS[@]}))]}"); done
  for run in "${order[@]}"; do
    n=${run%%:*} kind=${run#*:}
    xa=()
    if [ "$kind" = returning ]; then xa=(-H "Cookie: ${COOKIE[$n]}"); fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "$n" = harden-redis-split ]; then
      # Two wrk processes at once, one per instance, each with half the
      # threads and connections.
      servers=(harden-redis harden-redis-b)
      half=(-t$((THREADS / 2)) -c$((CONNS / 2)) -d"$DURATION" --latency "${HDRS[@]}")
    else
      servers=("$n")
      half=("${WRK_ARGS[@]}")
    fi
    tag=""
    if [ "${#servers[@]}" -gt 1 ]; then tag=-split; fi
    wpids=()
    for sv in "${servers[@]}"; do
      "${WRK_PREFIX[@]}" wrk "${half[@]}" "${xa[@]}" "http://127.0.0.1:${PORT[$sv]}${ROUTE[$sv]}" \
        >"$OUT/raw/r$r-$sv-$kind$tag.txt" 2>&1 &
      wpids+=("$!")
      STARTED+=("$!")
    done
    declare -A peak=()
    for sv in "${servers[@]}"; do peak[$sv]=0; done
    # Sample the servers' RSS while wrk runs (bounded by wrk's duration).
    while alive "${wpids[0]}" || alive "${wpids[-1]}"; do
      for sv in "${servers[@]}"; do
        kb=$(rss_kb "${PID[$sv]}")
        if [ "${kb:-0}" -gt "${peak[$sv]}" ]; then peak[$sv]=$kb; fi
      done
      sleep 0.5
    done
    for w in "${wpids[@]}"; do wait "$w" || die "wrk failed for $n (see $OUT/raw)"; done
    sum_rps=0 sum_p50=0 max_p99=0 sum_reqs=0 sum_non2xx=0 errs="" max_peak=0
    for sv in "${servers[@]}"; do
      raw="$OUT/raw/r$r-$sv-$kind$tag.txt"
      if [ "${peak[$sv]}" -gt "${RSS_PEAK[$sv]}" ]; then RSS_PEAK[$sv]=${peak[$sv]}; fi
      if [ "${peak[$sv]}" -gt "$max_peak" ]; then max_peak=${peak[$sv]}; fi
      rps=$(awk '/^Requests\/sec:/ {print $2}' "$raw")
      p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$raw")")
      p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$raw")")
      reqs=$(awk '/requests in/ {print $1}' "$raw")
      non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$raw")
      serr=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); gsub(/ /, ""); print}' "$raw")
      if [ "${#servers[@]}" -gt 1 ]; then
        # Each instance's own row, beside the per-instance row below.
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$n/$sv" "$kind" "$rps" "$p50" "$p99" "$reqs" \
          "${non2xx:-0}" "${serr:-none}" "${peak[$sv]}" "$load" >>"$OUT/runs.tsv"
      fi
      read -r sum_rps sum_p50 max_p99 < <(awk -v a="$sum_rps" -v b="$rps" -v c="$sum_p50" -v d="$p50" -v e="$max_p99" -v f="$p99" \
        'BEGIN {printf "%.2f %.3f %.3f\n", a + b, c + d, (f > e ? f : e)}')
      sum_reqs=$((sum_reqs + ${reqs:-0}))
      sum_non2xx=$((sum_non2xx + ${non2xx:-0}))
      if [ -n "$serr" ]; then errs="$errs${errs:+,}$serr"; fi
    done
    k=${#servers[@]}
    # One instance: its figures. Two: the per-instance mean of req/s and
    # p50, the worse p99, the larger peak RSS.
    read -r rps p50 < <(awk -v a="$sum_rps" -v c="$sum_p50" -v k="$k" 'BEGIN {printf "%.2f %.3f\n", a / k, c / k}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$n" "$kind" "$rps" "$p50" "$max_p99" "$sum_reqs" \
      "$sum_non2xx" "${errs:-none}" "$max_peak" "$load" >>"$OUT/runs.tsv"
    printf 'round %s %-18s %-9s rps=%-10s p50=%sms p99=%sms non2xx=%s rss_peak=%sMB\n' "$r" "$n" "$kind" "$rps" \
      "$p50" "$max_p99" "$sum_non2xx" "$((max_peak / 1024))" >&2
    if [ "$sum_non2xx" != 0 ]; then
      loud "$n ($kind) answered $sum_non2xx non-2xx responses: the 200 path was not measured alone (a rate limit not raised, a store timing out? see $OUT/raw)"
    fi
    unset peak
  done
done
declare -A RSS_END
for n in "${NAMES[@]}"; do RSS_END[$n]=$(rss_kb "${PID[$n]}"); done
stop_all

median() { # COLUMN SERVER CLIENT
  awk -F'\t' -v c="$1" -v s="$2" -v k="$3" 'NR > 1 && $2 == s && $3 == k {print $c}' "$OUT/runs.tsv" | sort -g |
    awk '{a[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b == 0) print "—"; else printf "%.2f×", a / b}'; }
# rps of SERVER for client KIND; servers that set no cookies answer both
# kinds with the same request, measured as "first".
rps_of() {
  local v
  v=$(median 4 "$1" "$2")
  if [ -z "$v" ] && [ -z "${COOKIE[$1]:-}" ]; then v=$(median 4 "$1" first); fi
  echo "$v"
}

{
  echo "## Load run: medians of $ROUNDS interleaved round(s), $DURATION each"
  echo
  echo "Machine: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores; $GOVERSION; node $(node -v 2>/dev/null || echo none); harden $HARDEN_DESC"
  echo
  echo "Command per server: \`$WRK_SHOWN [-H 'Cookie: <cookies of one earlier answer>'] http://127.0.0.1:PORT/ROUTE\`"
  echo
  echo "| server | route | client | req/s | p50 ms | p99 ms | peak RSS MB | non-2xx | × express-hardened | × bare-go |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for run in "${RUNS[@]}"; do
    n=${run%%:*} kind=${run#*:}
    rps=$(median 4 "$n" "$kind")
    route=${ROUTE[$n]:-${ROUTE[harden-redis]:-}}
    rss=$(awk -v v="$(median 10 "$n" "$kind")" 'BEGIN {printf "%.1f", v / 1024}')
    echo "| $n | $route | $kind | $rps | $(median 5 "$n" "$kind") | $(median 6 "$n" "$kind") | $rss | $(median 8 "$n" "$kind") | $(ratio "$rps" "$(rps_of express-hardened "$kind")") | $(ratio "$rps" "$(rps_of bare-go "$kind")") |"
  done
  echo
  echo "harden-redis-split: per-instance req/s is the mean of the two instances in one round, p99 the worse of the two, peak RSS the larger."
  echo
  echo "Servers that set no cookies have one row: both client kinds send the same request."
  if [ -n "${COOKIE[peerchain]:-}" ] && [ -n "$(median 4 harden first)" ]; then
    note=""
    if [ "${ROUTE[harden]}" != "${ROUTE[peerchain]}" ]; then note=" (NOT COMPARABLE: harden on ${ROUTE[harden]})"; fi
    echo "harden ÷ peerchain: first $(ratio "$(median 4 harden first)" "$(median 4 peerchain first)"), returning $(ratio "$(rps_of harden returning)" "$(median 4 peerchain returning)")$note"
  fi
  if [ -n "$(median 4 ceiling first)" ] && [ -n "$(median 4 harden first)" ]; then
    echo
    echo "harden ÷ ceiling (what harden's code costs): $(ratio "$(median 4 harden first)" "$(median 4 ceiling first)"); ceiling ÷ bare-go (what the header set costs): $(ratio "$(median 4 ceiling first)" "$(median 4 bare-go first)")"
  fi
  if [ -n "$(median 4 harden first)" ]; then
    mem=$(median 4 harden first)
    if [ -n "$(median 4 harden-redis first)" ]; then
      echo
      echo "harden-redis ÷ harden (memory stores), one instance: $(ratio "$(median 4 harden-redis first)" "$mem")"
    fi
    if [ -n "$(median 4 harden-redis-split first)" ]; then
      # The pair's sum per round, then its median.
      pair=$(awk -F'\t' 'NR > 1 && $2 ~ /^harden-redis-split\// {s[$1] += $4} END {for (r in s) print s[r]}' "$OUT/runs.tsv" |
        sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}')
      echo "harden-redis-split ÷ harden (memory stores): per instance $(ratio "$(median 4 harden-redis-split first)" "$mem"), the pair's sum $pair req/s = $(ratio "$pair" "$mem")"
    fi
  fi
  echo
  echo "| server | RSS idle MB | RSS peak under load MB | RSS at end MB |"
  echo "|---|---:|---:|---:|"
  for n in "${NAMES[@]}"; do
    awk -v n="$n" -v a="${RSS_IDLE[$n]}" -v b="${RSS_PEAK[$n]}" -v c="${RSS_END[$n]}" \
      'BEGIN {printf "| %s | %.1f | %.1f | %.1f |\n", n, a / 1024, b / 1024, c / 1024}'
  done
  if [ -s "$OUT/warnings.txt" ]; then
    echo
    echo "Warnings:"
    sed 's/^/    /' "$OUT/warnings.txt" | grep -v '^ *$' | sort -u
  fi
} >"$OUT/summary.md"
cat "$OUT/summary.md"
log "raw results in $OUT"
