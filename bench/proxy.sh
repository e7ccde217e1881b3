#!/usr/bin/env bash
# bench/proxy.sh — harden proxy against nginx and Caddy over loopback, one
# load tool (wrk), one machine, interleaved rounds:
#
#   direct           the bare Go upstream of the reference peers
#                    (proxies/upstream: GET /api/csrf-token -> small JSON)
#   harden           harden proxy in front of it: the default production
#                    stack behind one trusted TLS-terminating hop
#   harden-base      the same, built from the revision BASE (when set), so
#                    that a change is measured against its base in one run
#   nginx            Debian's nginx with the peers' nginx.conf (8 helmet
#                    headers, a limit_req zone out of reach, upstream
#                    keep-alive 64)
#   caddy            Caddy v2.11.9 with the peers' Caddyfile (same headers,
#                    reverse_proxy), built by the peers' build.sh
#   vanilla          express-vanilla, no hardening
#   harden-vanilla   harden proxy in front of express-vanilla
#   express-hardened helmet + cors + rate limit + hpp + session + csrf-csrf
#                    ... (the limit raised out of reach)
#
# Route: GET /api/csrf-token everywhere. Each row's first answer must be a
# 200 (and carry a Content-Security-Policy for every hardening row) or the
# run stops. After the rounds, a CPU profile of the proxy library under the
# same load (bench/cmd/proxyprof) is printed with go tool pprof -top.
#
# Every server listens on 127.0.0.1 only and is stopped by its PID when the
# script ends, however it ends. Missing tools are installed from Debian
# packages (wrk, nginx-light); Caddy is built once into the cache, never
# into go.mod.
#
# Usage: bench/proxy.sh [OUTDIR]     (default: a new temporary directory)
# Env:
#   ROUNDS=3 DURATION=8s THREADS=2 CONNS=50 WARMUP=1s PROFILE=10s
#   HARDEN_PEERS=DIR  the reference peers; default ../shared/peers beside
#                     the repository
#   HARDEN_CACHE=DIR  builds and node_modules (default ~/.cache/harden)
#   MAX_SECONDS=600   refuse to start a run estimated to take longer
#   ONLY="a b"        measure only these rows (direct is always measured)
#   BASE=REV          also measure harden proxy built from git revision REV
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${HARDEN_CACHE:-$HOME/.cache/harden}
PEERS_DIR=${HARDEN_PEERS:-$ROOT/../shared/peers}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-50}
WARMUP=${WARMUP:-1s}
PROFILE=${PROFILE:-10s}
MAX_SECONDS=${MAX_SECONDS:-600}
ONLY=${ONLY:-}
BASE=${BASE:-}
CADDY_VERSION=v2.11.9
# The peers' configurations name these ports; the rest follow them.
P_UP=19000 P_CADDY=19080 P_NGINX=19081 P_HARDEN=19082 P_PROF=19083 P_BASE=19084
P_VANILLA=19100 P_HVANILLA=19101 P_HARDENED=19102

die() { printf 'proxy.sh: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

seconds() {
	case $1 in
	*s) echo "${1%s}" ;;
	*m) echo $((${1%m} * 60)) ;;
	*[!0-9]*) die "cannot read duration $1" ;;
	*) echo "$1" ;;
	esac
}
case $ROUNDS in '' | *[!0-9]*) die "ROUNDS must be a positive integer" ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || die "ROUNDS must be 1..10"
[ -d "$PEERS_DIR/proxies" ] && [ -d "$PEERS_DIR/express-vanilla" ] && [ -d "$PEERS_DIR/express-hardened" ] \
	|| die "reference peers not found in $PEERS_DIR (set HARDEN_PEERS)"
ROWS=7
[ -z "$BASE" ] || ROWS=8
estimate=$((ROWS * ROUNDS * ($(seconds "$DURATION") + $(seconds "$WARMUP") + 1) + $(seconds "$PROFILE") + 30))
[ "$estimate" -le "$MAX_SECONDS" ] || die "estimated ${estimate}s > MAX_SECONDS=$MAX_SECONDS"

# --- tools -------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
	command -v apt-get >/dev/null || die "apt-get not found; install $* by hand"
	if [ "$APT_UPDATED" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}
command -v wrk >/dev/null || apt_install wrk
command -v nginx >/dev/null || apt_install nginx-light
for tool in curl awk go node npm; do command -v "$tool" >/dev/null || die "$tool not found"; done

OUT=${1:-$(mktemp -d -t harden-proxy-bench.XXXXXX)}
mkdir -p "$OUT/raw" "$OUT/bin"
OUT=$(cd "$OUT" && pwd)

# --- processes: everything started here is stopped by PID -------------------
STARTED=()
alive() {
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
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT TIMEOUT_S
	local i
	for i in $(seq $(($2 * 10))); do
		if port_open "$1"; then return 0; fi
		sleep 0.1
	done
	return 1
}
for p in $P_UP $P_CADDY $P_NGINX $P_HARDEN $P_PROF $P_BASE $P_VANILLA $P_HVANILLA $P_HARDENED; do
	if port_open "$p"; then die "port $p is in use"; fi
done
# cpu_ticks PID: user+system clock ticks of PID and its children processes
# (nginx's workers).
cpu_ticks() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

# --- builds ------------------------------------------------------------------
GOTOOLCHAIN=$(awk '$1 == "toolchain" {print $2}' "$ROOT/go.mod")
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
log "building harden and proxyprof from the work tree"
(cd "$ROOT" && go build -trimpath -o "$OUT/bin/harden" ./cmd/harden)
(cd "$ROOT/bench" && go build -trimpath -o "$OUT/bin/proxyprof" ./cmd/proxyprof)
HARDEN_DESC="$(git -C "$ROOT" rev-parse HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo '+uncommitted')"
if [ -n "$BASE" ]; then
	BASE_REV=$(git -C "$ROOT" rev-parse --verify "$BASE^{commit}") || die "BASE=$BASE is not a revision"
	log "building harden from $BASE ($BASE_REV)"
	rm -rf "$OUT/base-src"
	mkdir -p "$OUT/base-src"
	git -C "$ROOT" archive "$BASE_REV" | tar -x -C "$OUT/base-src"
	(cd "$OUT/base-src" && go build -trimpath -o "$OUT/bin/harden-base" ./cmd/harden)
fi

# Caddy and the upstream, built by the peers' build.sh in a scratch copy in
# the cache (the peers' folder may be read-only); Caddy once per version.
PXBUILD="$CACHE/proxies-$CADDY_VERSION"
if ! [ -x "$PXBUILD/caddy" ] || ! [ -x "$PXBUILD/upstream/upstream" ]; then
	log "building Caddy $CADDY_VERSION and the upstream (peers' build.sh)"
	mkdir -p "$PXBUILD"
	cp -r "$PEERS_DIR/proxies/." "$PXBUILD/"
	chmod -R u+w "$PXBUILD"
	(cd "$PXBUILD" && ./build.sh) >"$OUT/build-caddy.log" 2>&1 || { tail -20 "$OUT/build-caddy.log"; die "build.sh failed"; }
fi
CADDY="$PXBUILD/caddy"
UPSTREAM="$PXBUILD/upstream/upstream"

# The Express peers, installed once per package-lock.json (as bench/load.sh).
node_dir() {
	local d=$1 key dst
	key=$(sha256sum <"$PEERS_DIR/$d/package-lock.json" | cut -c1-12)
	dst="$CACHE/peers/$d-$key"
	mkdir -p "$dst"
	cp "$PEERS_DIR/$d/package.json" "$PEERS_DIR/$d/package-lock.json" "$PEERS_DIR/$d/server.js" "$dst/"
	chmod u+w "$dst"/*
	if [ ! -d "$dst/node_modules" ]; then
		(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error) >&2 || die "npm ci failed for $d"
	fi
	echo "$dst"
}
VANILLA_DIR=$(node_dir express-vanilla)
HARDENED_DIR=$(node_dir express-hardened)

# --- servers -----------------------------------------------------------------
secret() { head -c 48 /dev/urandom | base64 | tr -d '\n'; }
declare -A PORT PID HOSTHDR DESC
NAMES=()
want() { [ "$1" = direct ] || [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
start() { # NAME PORT HOST DESC CMD...
	local name=$1 port=$2 host=$3 desc=$4
	shift 4
	"$@" >"$OUT/server-$name.log" 2>&1 &
	PID[$name]=$!
	STARTED+=("$!")
	PORT[$name]=$port
	HOSTHDR[$name]=$host
	DESC[$name]=$desc
	NAMES+=("$name")
	wait_port "$port" 60 || { cat "$OUT/server-$name.log" >&2; die "$name did not listen on $port"; }
}
harden_proxy() { # PORT UPSTREAM_URL [BINARY] (exec: the PID started is harden's)
	exec env HARDEN_ENV=production HARDEN_PUBLIC_URL=https://localhost HARDEN_TRUSTED_PROXIES=1 \
		HARDEN_SECRETS="$(secret)" HARDEN_ADDR="127.0.0.1:$1" HARDEN_UPSTREAM="$2" \
		"${3:-$OUT/bin/harden}" proxy
}

start direct $P_UP "127.0.0.1:$P_UP" "Go upstream (stdlib), no proxy" "$UPSTREAM" -addr "127.0.0.1:$P_UP"
if want harden; then
	start harden $P_HARDEN localhost "harden proxy, production defaults" harden_proxy $P_HARDEN "http://127.0.0.1:$P_UP"
fi
if [ -n "$BASE" ]; then
	start harden-base $P_BASE localhost "harden proxy from $BASE (${BASE_REV:0:12})" \
		harden_proxy $P_BASE "http://127.0.0.1:$P_UP" "$OUT/bin/harden-base"
fi
if want nginx; then
	mkdir -p "$OUT/nginx/run/nginx"
	sed -e "s#\$PXDIR#$OUT/nginx#g" "$PEERS_DIR/proxies/nginx.conf" >"$OUT/nginx/run.conf"
	start nginx $P_NGINX "127.0.0.1:$P_NGINX" "nginx $(nginx -v 2>&1 | sed 's#.*/##'), peers' nginx.conf" \
		nginx -p "$OUT/nginx/run/nginx" -c "$OUT/nginx/run.conf" -g 'daemon off;'
fi
if want caddy; then
	cp "$PEERS_DIR/proxies/Caddyfile" "$OUT/Caddyfile"
	start caddy $P_CADDY "127.0.0.1:$P_CADDY" "Caddy $CADDY_VERSION, peers' Caddyfile" \
		env HOME="$OUT" XDG_DATA_HOME="$OUT/caddy-data" XDG_CONFIG_HOME="$OUT/caddy-config" \
		"$CADDY" run --config "$OUT/Caddyfile" --adapter caddyfile
fi
if want vanilla || want harden-vanilla; then
	start vanilla $P_VANILLA "127.0.0.1:$P_VANILLA" "express-vanilla, no hardening" \
		env PORT=$P_VANILLA HOST=127.0.0.1 node "$VANILLA_DIR/server.js"
fi
if want harden-vanilla; then
	start harden-vanilla $P_HVANILLA localhost "harden proxy in front of express-vanilla" \
		harden_proxy $P_HVANILLA "http://127.0.0.1:$P_VANILLA"
fi
if want express-hardened; then
	start express-hardened $P_HARDENED "127.0.0.1:$P_HARDENED" "express-hardened (helmet, csrf-csrf, ...), limit out of reach" \
		env NODE_ENV=production PORT=$P_HARDENED HOST=127.0.0.1 RATE_LIMIT_MAX=1000000000 \
		SESSION_SECRET="$(secret)" COOKIE_SECRET="$(secret)" node "$HARDENED_DIR/server.js"
fi

# Every row must answer 200; the hardening rows with their headers.
for n in "${NAMES[@]}"; do
	url="http://127.0.0.1:${PORT[$n]}/api/csrf-token"
	curl -sS -o "$OUT/raw/$n.body" -D "$OUT/raw/$n.headers" -H "Host: ${HOSTHDR[$n]}" \
		-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7' "$url" || die "$n: no answer"
	status=$(awk 'NR == 1 {print $2}' "$OUT/raw/$n.headers")
	[ "$status" = 200 ] || { cat "$OUT/raw/$n.headers" "$OUT/raw/$n.body" >&2; die "$n answered $status, not 200"; }
	case $n in direct | vanilla) ;; *)
		grep -qi '^content-security-policy:' "$OUT/raw/$n.headers" || die "$n: no Content-Security-Policy" ;;
	esac
done

# --- rounds --------------------------------------------------------------------
: >"$OUT/results.tsv"
for r in $(seq "$ROUNDS"); do
	# Interleaved: each round starts one row later.
	order=("${NAMES[@]:$(((r - 1) % ${#NAMES[@]}))}" "${NAMES[@]:0:$(((r - 1) % ${#NAMES[@]}))}")
	for n in "${order[@]}"; do
		url="http://127.0.0.1:${PORT[$n]}/api/csrf-token"
		hdr=(-H "Host: ${HOSTHDR[$n]}" -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-For: 203.0.113.7')
		wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null
		before=$(cpu_ticks "${PID[$n]}")
		wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$OUT/raw/$n-r$r.txt"
		after=$(cpu_ticks "${PID[$n]}")
		rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/raw/$n-r$r.txt")
		total=$(awk '/requests in/ {print $1}' "$OUT/raw/$n-r$r.txt")
		non2xx=$(awk '/Non-2xx/ {print $NF}' "$OUT/raw/$n-r$r.txt")
		p99=$(awk '$1 == "99%" {print $2}' "$OUT/raw/$n-r$r.txt")
		cpu_us=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$total" 'BEGIN {printf "%.0f", n ? t / hz * 1e6 / n : 0}')
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$r" "$rps" "$cpu_us" "${p99:-?}" "${non2xx:-0}" >>"$OUT/results.tsv"
		log "round $r $n: $rps req/s, ${cpu_us} us CPU/request, p99 ${p99:-?}, non-2xx ${non2xx:-0}"
	done
done

# --- profile of the proxy library under the same load ------------------------
log "CPU profile (proxyprof, $PROFILE)"
"$OUT/bin/proxyprof" -addr "127.0.0.1:$P_PROF" -upstream "http://127.0.0.1:$P_UP" \
	-cpuprofile "$OUT/proxy.cpu" >"$OUT/server-proxyprof.log" 2>&1 &
PROF_PID=$!
STARTED+=("$PROF_PID")
wait_port $P_PROF 30 || die "proxyprof did not listen"
wrk -t"$THREADS" -c"$CONNS" -d"$PROFILE" -H 'Host: localhost' -H 'X-Forwarded-Proto: https' \
	-H 'X-Forwarded-For: 203.0.113.7' "http://127.0.0.1:$P_PROF/api/csrf-token" >"$OUT/raw/proxyprof.txt"
stop_pid "$PROF_PID"
go tool pprof -top -nodecount=30 "$OUT/bin/proxyprof" "$OUT/proxy.cpu" >"$OUT/pprof-top.txt" 2>/dev/null
go tool pprof -top -cum -nodecount=40 "$OUT/bin/proxyprof" "$OUT/proxy.cpu" >"$OUT/pprof-cum.txt" 2>/dev/null

# --- summary -------------------------------------------------------------------
{
	echo "# harden proxy vs nginx and Caddy ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo
	echo "harden $HARDEN_DESC, $(go env GOVERSION), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);"
	echo "wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS interleaved rounds, GET /api/csrf-token; medians."
	echo
	echo "| row | what | req/s | ÷ direct | ÷ vanilla | CPU µs/request | p99 |"
	echo "|---|---|---:|---:|---:|---:|---:|"
	for n in "${NAMES[@]}"; do
		awk -F'\t' -v n="$n" '$1 == n {print $3}' "$OUT/results.tsv" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' >"$OUT/raw/$n.median"
	done
	med() { cat "$OUT/raw/$1.median" 2>/dev/null || echo 0; }
	for n in "${NAMES[@]}"; do
		rps=$(med "$n")
		cpu=$(awk -F'\t' -v n="$n" '$1 == n {print $4}' "$OUT/results.tsv" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
		p99=$(awk -F'\t' -v n="$n" '$1 == n {print $5}' "$OUT/results.tsv" | tail -1)
		rd=$(awk -v a="$rps" -v b="$(med direct)" 'BEGIN {printf "%.2f×", b ? a / b : 0}')
		rv="–"
		case $n in vanilla | harden-vanilla | express-hardened)
			[ -f "$OUT/raw/vanilla.median" ] && rv=$(awk -v a="$rps" -v b="$(med vanilla)" 'BEGIN {printf "%.2f×", b ? a / b : 0}')
			rd="–" ;;
		esac
		printf '| %s | %s | %.0f | %s | %s | %s | %s |\n' "$n" "${DESC[$n]}" "$rps" "$rd" "$rv" "$cpu" "$p99"
	done
	echo
	echo "CPU µs/request is the server process's own CPU (with its worker processes), not the upstream's."
	if [ -n "$BASE" ]; then
		echo
		awk -v a="$(med harden)" -v b="$(med harden-base)" -v r="$BASE" \
			'BEGIN {printf "harden ÷ harden-base (%s): %.2f×\n", r, b ? a / b : 0}'
	fi
	echo
	echo '## Where the proxy'"'"'s time goes (go tool pprof -top, proxyprof under the same load)'
	echo
	echo '```'
	head -40 "$OUT/pprof-top.txt"
	echo '```'
} >"$OUT/summary.md"
cat "$OUT/summary.md"
log "results in $OUT"
