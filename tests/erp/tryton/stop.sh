#!/usr/bin/env bash
# Stop the trytond started by start.sh [DIR] (default target/tryton): only the PID in its pidfile.
# Keeps the venv and the database; add --purge to delete the database too.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
DIR=${1:-$root/target/tryton}
PIDFILE="$DIR/trytond.pid"
if [ -f "$PIDFILE" ] && PID=$(cat "$PIDFILE") && kill -0 "$PID" 2>/dev/null; then
    kill "$PID"
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$PID" 2>/dev/null && kill -9 "$PID"
    echo "trytond ($PID) stopped"
else
    echo "trytond not running"
fi
rm -f "$PIDFILE"
if [ "${2:-}" = "--purge" ]; then rm -rf "$DIR/db"; echo "database removed"; fi
