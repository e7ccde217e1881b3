#!/usr/bin/env bash
# bench/lighthouse.sh — grades the reference page of harden serve with
# Lighthouse and Google's CSP Evaluator, over loopback:
#
#   harden serve   production mode, HTTPS on 127.0.0.1 with a throwaway
#                  self-signed certificate for localhost (Chromium is told
#                  to trust its key with --ignore-certificate-errors-spki-list),
#                  throwaway secrets and data directory
#   Lighthouse     pinned with npm into a cache directory (never a
#                  dependency of harden), Chromium headless, the default
#                  (mobile) settings, every category
#   CSP Evaluator  the csp_evaluator npm package, pinned likewise: its
#                  default checks (with the reporting check) and its
#                  strict-CSP checks on the page's Content-Security-Policy
#
# It prints the category scores, the trust and safety audits, every other
# audit that is not at 100, the console errors, the CSP Evaluator findings
# and the security log's CSP violations, then checks the bar: best-practices
# and accessibility 100; no item in csp-xss, trusted-types-xss,
# origin-isolation, clickjacking-mitigation or errors-in-console; no CSP
# Evaluator finding above INFO; no csp_violation in the security log. It
# exits 1 when the bar is not met.
#
# Usage: bench/lighthouse.sh [OUTDIR]   (default: a new temporary directory)
# Env:
#   PORT=39443          the HTTPS port on 127.0.0.1
#   MAX_SECONDS=300     bound of each step (install, Lighthouse run)
#   CHROME_PATH         the Chromium binary (default: chromium on PATH)
#   HARDEN_CACHE        where the npm packages go (default ~/.cache/harden)
# Needs: go, node and npm (Node 18 or later), chromium, openssl, curl.
set -euo pipefail

LIGHTHOUSE_VERSION=12.8.2
CSP_EVALUATOR_VERSION=1.1.8

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${HARDEN_CACHE:-$HOME/.cache/harden}
PORT=${PORT:-39443}
MAX_SECONDS=${MAX_SECONDS:-300}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
NPM_DIR="$CACHE/lighthouse-$LIGHTHOUSE_VERSION-csp_evaluator-$CSP_EVALUATOR_VERSION"

die() { echo "lighthouse.sh: $*" >&2; exit 2; }
for tool in go node npm openssl curl; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
CHROME_PATH=${CHROME_PATH:-$(command -v chromium || command -v chromium-browser || true)}
[ -x "$CHROME_PATH" ] || die "needs chromium (set CHROME_PATH)"
export CHROME_PATH

STARTED=()
stop_all() {
  local p i
  for p in "${STARTED[@]}"; do
    kill "$p" 2>/dev/null || continue
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  STARTED=()
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# --- tools -------------------------------------------------------------------
if [ ! -f "$NPM_DIR/node_modules/lighthouse/package.json" ] || [ ! -f "$NPM_DIR/node_modules/csp_evaluator/package.json" ]; then
  echo "installing lighthouse@$LIGHTHOUSE_VERSION and csp_evaluator@$CSP_EVALUATOR_VERSION"
  mkdir -p "$NPM_DIR"
  [ -f "$NPM_DIR/package.json" ] || echo '{"private": true}' >"$NPM_DIR/package.json"
  timeout "$MAX_SECONDS" npm install --prefix "$NPM_DIR" --no-audit --no-fund --ignore-scripts --save-exact \
    "lighthouse@$LIGHTHOUSE_VERSION" "csp_evaluator@$CSP_EVALUATOR_VERSION" >"$OUT/npm.log" 2>&1 ||
    die "npm install failed (see $OUT/npm.log)"
fi
got=$(node -p "require('$NPM_DIR/node_modules/lighthouse/package.json').version")
[ "$got" = "$LIGHTHOUSE_VERSION" ] || die "lighthouse $got installed, want $LIGHTHOUSE_VERSION"

GOTOOLCHAIN=$(awk '$1 == "toolchain" {print $2}' "$ROOT/go.mod")
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
mkdir -p "$OUT/bin"
(cd "$ROOT" && go build -o "$OUT/bin/harden" ./cmd/harden)

# --- certificate ---------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
SPKI=$(openssl x509 -in "$OUT/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)

# --- harden serve ----------------------------------------------------------------
URL="https://localhost:$PORT/"
HARDEN_ENV=production HARDEN_SECRETS="$(head -c 48 /dev/urandom | base64 | tr -d '\n')" \
  HARDEN_PUBLIC_URL="https://localhost:$PORT" HARDEN_DATA_DIR="$OUT/data" \
  timeout $((MAX_SECONDS * 2)) "$OUT/bin/harden" serve --addr "127.0.0.1:$PORT" \
  --tls-cert "$OUT/cert.pem" --tls-key "$OUT/key.pem" >"$OUT/serve.out" 2>"$OUT/serve.log" &
STARTED+=($!)
up=0
for _ in $(seq 100); do
  if curl -sk --max-time 2 -o /dev/null "${URL}healthz"; then up=1; break; fi
  sleep 0.1
done
[ "$up" = 1 ] || { cat "$OUT/serve.log" >&2; die "harden serve did not answer on $URL"; }

# --- Lighthouse ------------------------------------------------------------------
SANDBOX=""
[ "$(id -u)" = 0 ] && SANDBOX="--no-sandbox" # Chromium refuses to sandbox as root
echo "lighthouse $LIGHTHOUSE_VERSION on $URL ($("$CHROME_PATH" --version 2>/dev/null | head -1))"
timeout "$MAX_SECONDS" node "$NPM_DIR/node_modules/lighthouse/cli/index.js" "$URL" \
  --quiet --output=json --output-path="$OUT/lighthouse.json" --max-wait-for-load=60000 \
  --chrome-flags="--headless=new $SANDBOX --disable-gpu --disable-dev-shm-usage --user-data-dir=$OUT/chrome-profile --ignore-certificate-errors-spki-list=$SPKI" \
  >"$OUT/lighthouse.log" 2>&1 || { tail -20 "$OUT/lighthouse.log" >&2; die "lighthouse failed"; }

lh_ok=0
node - "$OUT/lighthouse.json" <<'JS' || lh_ok=1
const r = require(process.argv[2]);
if (r.runtimeError) { console.log(`runtime error: ${r.runtimeError.code} ${r.runtimeError.message}`); process.exit(1); }
const pct = (s) => (s === null || s === undefined ? 'n/a' : Math.round(s * 100));
console.log('categories: ' + Object.values(r.categories).map((c) => `${c.id} ${pct(c.score)}`).join(', '));
let ok = true;
for (const id of ['best-practices', 'accessibility']) {
  if (pct(r.categories[id].score) !== 100) ok = false;
}
const items = (a) => (a && a.details && a.details.items) || [];
for (const id of ['csp-xss', 'trusted-types-xss', 'origin-isolation', 'clickjacking-mitigation', 'has-hsts', 'errors-in-console']) {
  const a = r.audits[id];
  if (!a) { console.log(`${id}: not in this report`); ok = false; continue; }
  const list = items(a);
  console.log(`${id}: ${list.length} item(s)`);
  for (const it of list) {
    const sev = it.severity ? `${it.severity} ` : '';
    const text = it.description || it.text || it.url || JSON.stringify(it);
    console.log(`  ${sev}${typeof text === 'string' ? text : JSON.stringify(text)}${it.directive ? ` [${it.directive}]` : ''}`);
  }
  // has-hsts stays informative: preload is an opt-in (--hsts-preload).
  if (id !== 'has-hsts' && list.length > 0) ok = false;
}
const seen = new Set();
for (const c of Object.values(r.categories)) {
  for (const ref of c.auditRefs) {
    const a = r.audits[ref.id];
    if (seen.has(a.id) || a.score === null || a.score >= 1 || ref.weight === 0 && a.scoreDisplayMode !== 'binary') continue;
    seen.add(a.id);
    console.log(`below 100 (${c.id}): ${a.id} ${pct(a.score)}: ${a.title}`);
  }
}
process.exit(ok ? 0 : 1);
JS

# --- CSP Evaluator -----------------------------------------------------------------
CSP=$(curl -sk --max-time 10 -D - -o /dev/null "$URL" |
  awk 'tolower($0) ~ /^content-security-policy:/ {sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit}')
[ -n "$CSP" ] || die "the page sent no Content-Security-Policy"
echo "content-security-policy: $CSP"
cspe_ok=0
NODE_PATH="$NPM_DIR/node_modules" timeout 60 node "$ROOT/bench/csp-evaluator.cjs" "$CSP" || cspe_ok=1

# --- security log --------------------------------------------------------------------
stop_all
violations=$(grep -c '"csp_violation"' "$OUT/serve.log" || true)
rejected=$(grep -c '"request_rejected"' "$OUT/serve.log" || true)
echo "security log: $violations csp_violation, $rejected request_rejected event(s)"

echo "reports in $OUT"
if [ "$lh_ok" = 0 ] && [ "$cspe_ok" = 0 ] && [ "$violations" = 0 ]; then
  echo "PASS"
else
  echo "FAIL"
  exit 1
fi
