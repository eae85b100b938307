#!/usr/bin/env bash
# Runs every benchmark in one go on this machine and prints the figures (release build).
set -euo pipefail
BIN="$(swift build -c release --show-bin-path)"
echo "# Benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -srm), $(swift --version 2>&1 | head -1)"
echo
echo "## Bus (100,000 messages, 500-byte payloads)"
echo
"$BIN/bus-bench" --count 100000 --payload-bytes 500
echo
echo "## Claims intake over HTTP (100,000 claims)"
echo
"$BIN/intake-bench" --executable "$BIN/claims-intake" --claims 100000 --drafts 3000 --clients 16 --requests 400
echo
echo "## Payments (100,000 claims)"
echo
"$BIN/payments-bench" --executable "$BIN/payments" --claims 100000
echo
echo "## Audit sampling (100,000 paid claims)"
echo
"$BIN/audit-bench" --executable "$BIN/audit-sampling" --claims 100000
echo
echo "## Notifications (10,000 emails)"
echo
"$BIN/notifications-bench" --executable "$BIN/notifications" --emails 10000
echo
echo "## Web's pages (100,000 claims in claims-intake)"
echo
"$BIN/web-bench" --bin "$BIN" --claims 100000
echo
echo "## End to end (2,000 claims through the four services)"
echo
"$BIN/end-to-end-bench" --bin "$BIN" --claims 2000 --clients 16
echo
echo "## Resident memory of each idle service"
echo
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
pids=()
i=0
for s in claims-intake payments audit-sampling notifications web; do
  http=$((18080 + i)); bus=$((18551 + 2 * i))
  peers=""
  j=0
  for p in claims-intake payments audit-sampling notifications; do
    [ "$p" != "$s" ] && peers="$peers${peers:+,}$p=tcp://127.0.0.1:$((18551 + 2 * j))"
    j=$((j + 1))
  done
  [ "$s" = web ] && peers=none
  HTTP_PORT=$http BUS_PUBLISH=tcp://127.0.0.1:$bus BUS_PEERS=$peers DATABASE_PATH="$folder/$s.sqlite" \
    MAIL_DIR="$folder/mail" LOG_LEVEL=error "$BIN/$s" > "$folder/$s.log" 2>&1 &
  pids+=($!)
  i=$((i + 1))
done
for port in 18080 18081 18082 18083 18084; do
  for _ in $(seq 1 200); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 5
echo "| service | resident memory (idle, ready) |"
echo "|---|---:|"
i=0
for s in claims-intake payments audit-sampling notifications web; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/${pids[$i]}/status")
  echo "| $s | $((rss / 1024)) MiB |"
  i=$((i + 1))
done
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
wait
