#!/usr/bin/env bash
# fetch_vs_curl.sh: the `fetch` example against curl, whole processes, on
# the same URL lists from a local nginx: 5,000 GETs of a 1 KiB file over
# http:// and 2,000 over https://, 50 at a time, with each tool's keep-alive
# (ours' pooled http_client::Client; curl -Z's connection cache).
#
#     benches/fetch_vs_curl.sh [ROUNDS]        # default 5 rounds after a warm-up
#     HTTP_URLS=20000 HTTPS_URLS=10000 benches/fetch_vs_curl.sh   # longer lists
#
# For each scheme it alternates the two tools (fetch, curl, fetch, ...) and
# prints each one's median wall time and CPU time (user + system, from the
# process's rusage) and the ratios fetch / curl (below 1.0: fetch is ahead).
# Then one more run of each against a second nginx port that logs
# `$connection` for every request, to count the connections each opened
# (and fetch's own count, from its --json summary, when it reports one).
#
# Needs nginx (Debian nginx-light), curl, openssl and python3 (to pick
# free ports). Everything listens on and talks to 127.0.0.1 only; nginx and the
# temp directory are removed on exit. Every command has a time limit.
set -euo pipefail

ROUNDS=${1:-5}
HTTP_URLS=${HTTP_URLS:-5000}
HTTPS_URLS=${HTTPS_URLS:-2000}
CONCURRENCY=50
LIMIT=300 # seconds, for any one timed command

root=$(cd "$(dirname "$0")/.." && pwd)
for tool in nginx curl openssl python3; do
    command -v "$tool" >/dev/null || {
        echo "fetch_vs_curl: $tool is missing (apt-get install nginx-light curl openssl python3)" >&2
        exit 2
    }
done
NGINX=$(command -v nginx)

# No proxy may take a request off this machine (curl reads these).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

work=$(mktemp -d /tmp/fetch-vs-curl.XXXXXX)
nginx_pid=
cleanup() {
    if [[ -n $nginx_pid ]]; then
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# building the fetch example (release)"
(cd "$root" && timeout 900 cargo build --release --example fetch --quiet)
FETCH=$root/target/release/examples/fetch

# Four free loopback ports: http and https timed (no access log), and the
# same two with a log of each request's connection serial, for counting.
read -r P_HTTP P_HTTPS P_HTTP_LOG P_HTTPS_LOG < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
EOF
)

# A self-signed *leaf* (CA:FALSE) for 127.0.0.1: both tools trust it
# through --cacert.
mkdir -p "$work/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:FALSE \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
head -c 1024 /dev/zero | tr '\0' a >"$work/www/1k"

# As benches/compare/server.rs: one worker, not a daemon, everything under
# $work; keep-alive connections are never closed by nginx for their
# request count.
w=$work
cat >"$w/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $w/nginx.pid;
error_log $w/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  log_format conn '\$connection \$connection_requests';
  client_body_temp_path $w/body; proxy_temp_path $w/proxy; fastcgi_temp_path $w/fastcgi;
  uwsgi_temp_path $w/uwsgi; scgi_temp_path $w/scgi;
  ssl_certificate $w/cert.pem; ssl_certificate_key $w/key.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  server { listen 127.0.0.1:$P_HTTP backlog=4096; root $w/www; }
  server { listen 127.0.0.1:$P_HTTPS ssl backlog=4096; root $w/www; }
  server { listen 127.0.0.1:$P_HTTP_LOG backlog=4096; root $w/www; access_log $w/conn-http.log conn; }
  server { listen 127.0.0.1:$P_HTTPS_LOG ssl backlog=4096; root $w/www; access_log $w/conn-https.log conn; }
}
EOF
"$NGINX" -p "$w" -c "$w/nginx.conf" -e "$w/error.log" >/dev/null 2>&1 &
nginx_pid=$!
for port in "$P_HTTP" "$P_HTTPS" "$P_HTTP_LOG" "$P_HTTPS_LOG"; do
    for _ in $(seq 100); do
        timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break
        sleep 0.1
    done
done
kill -0 "$nginx_pid" || { echo "nginx did not start:" >&2; cat "$w/error.log" >&2; exit 1; }
echo "# nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), 1 worker: http :$P_HTTP, https :$P_HTTPS (counting: :$P_HTTP_LOG, :$P_HTTPS_LOG)"
echo "# fetch: $FETCH; $(curl --version | head -1)"

# URL lists: one URL a line for fetch, `url = "..."` lines for curl's -K.
lists() { # NAME SCHEME PORT COUNT
    local i
    for ((i = 0; i < $4; i++)); do echo "$2://127.0.0.1:$3/1k"; done >"$w/$1.txt"
    sed 's/.*/url = "&"/' "$w/$1.txt" >"$w/$1.curl"
}
lists http http "$P_HTTP" "$HTTP_URLS"
lists https https "$P_HTTPS" "$HTTPS_URLS"
lists http-log http "$P_HTTP_LOG" "$HTTP_URLS"
lists https-log https "$P_HTTPS_LOG" "$HTTPS_URLS"

# The two commands, for list NAME, into the array CMD. fetch prints a line
# per URL and a summary: into a file, read afterwards. curl writes the
# bodies to stdout, which is /dev/null here. `curl -q` first: no ~/.curlrc.
fetch_cmd() { # NAME [EXTRA...]
    local name=$1
    shift
    CMD=("$FETCH" -i "$w/$name.txt" --concurrency "$CONCURRENCY" -q --cacert "$w/cert.pem" "$@")
}
curl_cmd() { # NAME
    CMD=(curl -q -Z --parallel-max "$CONCURRENCY" --http1.1 -s -S --no-progress-meter --fail
        --noproxy '*' --cacert "$w/cert.pem" -K "$w/$1.curl")
}

# Runs TOOL on list NAME once: "wall user sys" in $w/time, its stdout in
# $w/out (for fetch; /dev/null for curl). Timed by bash's `time`, which
# reads the children's rusage to the millisecond (GNU time prints 10 ms
# steps, too coarse for runs of a few tenths of a second); the time of
# `timeout` includes the tool's, which it waits for. A failure of either
# tool ends the script with its error output.
TIMEFORMAT='%3R %3U %3S'
run_once() { # TOOL NAME
    local out=/dev/null
    if [[ $1 == fetch ]]; then
        fetch_cmd "$2"
        out=$w/out
    else
        curl_cmd "$2"
    fi
    if ! { time timeout "$LIMIT" "${CMD[@]}" >"$out" 2>"$w/err"; } 2>"$w/time"; then
        echo "fetch_vs_curl: failed: ${CMD[*]}" >&2
        cat "$w/err" >&2
        exit 1
    fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The timed rounds for list NAME, then the result lines.
compare() { # NAME URLS
    local name=$1 urls=$2 tool round wall user sys
    : >"$w/fetch.samples"
    : >"$w/curl.samples"
    run_once fetch "$name" # warm-up
    run_once curl "$name"
    for ((round = 1; round <= ROUNDS; round++)); do
        for tool in fetch curl; do
            run_once "$tool" "$name"
            read -r wall user sys <"$w/time"
            awk -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN { print w, u + s }' >>"$w/$tool.samples"
            echo "#   $name round $round $tool: wall ${wall}s user ${user}s sys ${sys}s"
        done
        if ! tail -n 1 "$w/out" | grep -q " $urls complete, 0 failed"; then
            echo "fetch did not complete every URL:" >&2
            tail -n 3 "$w/out" >&2
            exit 1
        fi
    done
    local fw fc cw cc
    fw=$(cut -d' ' -f1 "$w/fetch.samples" | median)
    fc=$(cut -d' ' -f2 "$w/fetch.samples" | median)
    cw=$(cut -d' ' -f1 "$w/curl.samples" | median)
    cc=$(cut -d' ' -f2 "$w/curl.samples" | median)
    awk -v n="$name" -v u="$urls" -v fw="$fw" -v fc="$fc" -v cw="$cw" -v cc="$cc" 'BEGIN {
        printf "%s-%d wall_s fetch=%.3f curl=%.3f ratio=%.2f\n", n, u, fw, cw, fw / cw
        printf "%s-%d cpu_s fetch=%.3f curl=%.3f ratio=%.2f\n", n, u, fc, cc, fc / cc
        printf "%s-%d req/s fetch=%.0f curl=%.0f\n", n, u, u / fw, u / cw
        printf "%s-%d cpu_us/req fetch=%.1f curl=%.1f\n", n, u, fc * 1e6 / u, cc * 1e6 / u
    }'
    echo "#   fetch's last summary: $(tail -n 1 "$w/out")"
}

# One run of each tool against the logging port of SCHEME: connections
# nginx saw (distinct $connection serials) and requests; and fetch's own
# count from its --json summary, if it has one.
count_connections() { # SCHEME URLS
    local scheme=$1 urls=$2 log=$w/conn-$1.log lines conns own
    : >"$log"
    fetch_cmd "$scheme-log" --json
    timeout "$LIMIT" "${CMD[@]}" >"$w/out"
    tail -n 1 "$w/out" >"$w/summary.json"
    lines=$(wc -l <"$log")
    conns=$(cut -d' ' -f1 "$log" | sort -u | wc -l)
    own=$(grep -o '"connections":[0-9]*' "$w/summary.json" | cut -d: -f2 || true)
    echo "$scheme-$urls connections fetch=$conns (nginx log, $lines requests; fetch's summary says: ${own:-no count})"
    : >"$log"
    curl_cmd "$scheme-log"
    timeout "$LIMIT" "${CMD[@]}" >/dev/null
    lines=$(wc -l <"$log")
    conns=$(cut -d' ' -f1 "$log" | sort -u | wc -l)
    echo "$scheme-$urls connections curl=$conns (nginx log, $lines requests)"
}

echo "# $ROUNDS rounds after a warm-up, alternating; $CONCURRENCY at a time; medians; ratio = fetch / curl"
compare http "$HTTP_URLS"
compare https "$HTTPS_URLS"
count_connections http "$HTTP_URLS"
count_connections https "$HTTPS_URLS"
