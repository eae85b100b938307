#!/usr/bin/env bash
# Starts the five services on loopback with their embedded defaults (data under ./.data/),
# loads the demo data on an empty ./.data/ (MAKE_RUN_DEMO=0 skips it), prints the address to open,
# the demo users, where each service listens and a support token, and stops all five cleanly on
# Ctrl-C.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="${BIN:-$(swift build --show-bin-path)}"
services=(claims-intake payments audit-sampling notifications web)
ports=(8080 8081 8082 8083 8084)
fresh=0
[ -e .data/claims-intake.sqlite ] || fresh=1
mkdir -p .data/logs
pids=()

stop() {
  echo
  echo "Stopping all five services..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped."
  exit 0
}
trap stop INT TERM

for s in "${services[@]}"; do
  if [ "$s" = web ]; then
    # The demo's first support user; the others are added through web's own pages.
    WEB_BOOTSTRAP_SUPPORT_EMAILS="${WEB_BOOTSTRAP_SUPPORT_EMAILS:-sam.patel@education.gov.uk}" "$BIN/$s" > ".data/logs/$s.log" 2>&1 &
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

if [ "$fresh" = 1 ] && [ "${MAKE_RUN_DEMO:-1}" != 0 ]; then
  echo "Loading the demo data through the services' APIs and web's pages..."
  python3 "$HERE/demo_data.py" "$BIN" || { echo "The demo data could not be loaded (see above)."; stop; }
fi

TOKEN=$("$BIN/claims-intake" token --role support --email support@education.example --name "Support User")
cat <<MSG

Mentor Claims is running. Open http://127.0.0.1:8084 in your browser.

Sign in (development sign-in: choose a user on the sign-in page, or type their email):
  school user      jo.bloggs@alder-primary.example    Alder Primary School
  MAT user         priya.shah@oak-trust.example       Beech, Cedar and Damson academies (Oak Learning Trust)
  provider user    chris.lee@best-itt.example         Best Practice Teacher Training
  support users    sam.patel@education.gov.uk, alex.morgan@education.gov.uk
Emails are written to .data/mail/ as .eml files; logs are in .data/logs/, data in .data/.

The services:
  claims-intake   http://127.0.0.1:8080   bus tcp://127.0.0.1:5551 (replay :5552)
  payments        http://127.0.0.1:8081   bus tcp://127.0.0.1:5553 (replay :5554)
  audit-sampling  http://127.0.0.1:8082   bus tcp://127.0.0.1:5555 (replay :5556)
  notifications   http://127.0.0.1:8083   bus tcp://127.0.0.1:5557 (replay :5558)
  web             http://127.0.0.1:8084   bus tcp://127.0.0.1:5559 (replay :5560)

A development support token (8 hours), for the APIs:
  export TOKEN=$TOKEN

Try:
  curl -s http://127.0.0.1:8080/ready
  curl -s -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8080/api/v1/claim-windows
  $BIN/claims-intake token --role school --urn 100001 --email head@school.example

Press Ctrl-C to stop all five.
MSG

wait
