#!/usr/bin/env bash
# Starts the four services on loopback with their embedded defaults (data under ./.data/),
# prints where they listen with a support token and a few requests to try, and stops all four
# cleanly on Ctrl-C.
set -euo pipefail
BIN="${BIN:-$(swift build --show-bin-path)}"
services=(claims-intake payments audit-sampling notifications)
ports=(8080 8081 8082 8083)
mkdir -p .data/logs
pids=()

stop() {
  echo
  echo "Stopping all four services..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped."
  exit 0
}
trap stop INT TERM

for s in "${services[@]}"; do
  if [ "$s" = notifications ]; then
    # Links in emails lead to the claims, which claims-intake serves.
    PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:8080}" "$BIN/$s" > ".data/logs/$s.log" 2>&1 &
  else
    "$BIN/$s" > ".data/logs/$s.log" 2>&1 &
  fi
  pids+=($!)
done

for i in "${!services[@]}"; do
  s=${services[$i]}; port=${ports[$i]}
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "$s failed to start; its log (.data/logs/$s.log) says:"; cat ".data/logs/$s.log"; stop
    fi
    sleep 0.1
  done
done

TOKEN=$("$BIN/claims-intake" token --role support --email support@education.example --name "Support User")
cat <<MSG

Mentor Claims is running (logs in .data/logs/, data in .data/, emails in .data/mail/):
  claims-intake   http://127.0.0.1:8080   bus tcp://127.0.0.1:5551 (replay :5552)
  payments        http://127.0.0.1:8081   bus tcp://127.0.0.1:5553 (replay :5554)
  audit-sampling  http://127.0.0.1:8082   bus tcp://127.0.0.1:5555 (replay :5556)
  notifications   http://127.0.0.1:8083   bus tcp://127.0.0.1:5557 (replay :5558)

A development support token (8 hours):
  export TOKEN=$TOKEN

Try:
  curl -s http://127.0.0.1:8080/ready
  curl -s http://127.0.0.1:8081/metrics | grep bus_
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8080/api/v1/claim-windows
  $BIN/claims-intake token --role school --urn 100001 --email head@school.example

Press Ctrl-C to stop all four.
MSG

wait
