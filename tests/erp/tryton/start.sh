#!/usr/bin/env bash
# Create, seed and start a local Tryton 8.0 server (SQLite, 127.0.0.1) for weft's tests.
#
#   bash tests/erp/tryton/start.sh [DIR]      DIR defaults to target/tryton (run install.sh first)
#
# Env (optional): WEFT_TRYTON_PORT (8000), WEFT_TRYTON_DB (weft), WEFT_TRYTON_PASSWORD (admin).
# Idempotent: the database is created and seeded once; a running server of ours is reused.
# Prints the WEFT_TRYTON_* variables the tests read and writes them to DIR/env:
#   set -a; . target/tryton/env; set +a
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
DIR=$(cd "${1:-$root/target/tryton}" && pwd)
PORT=${WEFT_TRYTON_PORT:-8000}
DB=${WEFT_TRYTON_DB:-weft}
PASSWORD=${WEFT_TRYTON_PASSWORD:-admin}
BIN="$DIR/venv/bin"
CONF="$DIR/trytond.conf"
PIDFILE="$DIR/trytond.pid"
URL="http://127.0.0.1:$PORT"
[ -x "$BIN/trytond" ] || { echo "trytond is not installed in $DIR; run tests/erp/tryton/install.sh" >&2; exit 1; }

# SQLite files in DIR/db; HTTP on loopback only.
mkdir -p "$DIR/db"
cat > "$CONF" <<CONF
[database]
uri = sqlite://
path = $DIR/db
[web]
listen = 127.0.0.1:$PORT
[session]
# Tryton checks a request's session against every session of that user and address, so each
# request costs O(sessions): ~1 s with the 3,000 a day of test runs leaves (each run's fresh
# store logs in once). Sessions older than an hour are deleted on the next check.
max_age = 3600
CONF

# Create the database once: base modules, then sale, stock and price lists with their dependencies.
MODULES="company product product_price_list stock sale"
# --email avoids a prompt; TRYTONPASSFILE sets the admin password.
if [ ! -f "$DIR/db/$DB.ready" ]; then
    rm -f "$DIR/db/$DB.sqlite" "$DIR/db/$DB.seed"; touch "$DIR/db/$DB.sqlite"
    printf '%s\n' "$PASSWORD" > "$DIR/passfile"
    TRYTONPASSFILE="$DIR/passfile" "$BIN/trytond-admin" -c "$CONF" -d "$DB" --all --email admin@example.com
    "$BIN/trytond-admin" -c "$CONF" -d "$DB" -u $MODULES --activate-dependencies
    rm -f "$DIR/passfile"
    echo "$MODULES" > "$DIR/db/$DB.modules"
    touch "$DIR/db/$DB.ready"
fi
# A database made with fewer modules (before price lists) gets the others activated; a running
# server picks them up on its next request (Tryton refreshes its pool when the modules change).
if [ "$(cat "$DIR/db/$DB.modules" 2>/dev/null)" != "$MODULES" ]; then
    "$BIN/trytond-admin" -c "$CONF" -d "$DB" -u $MODULES --activate-dependencies
    echo "$MODULES" > "$DIR/db/$DB.modules"
fi

# Seed once (the seed itself is idempotent too).
if [ ! -s "$DIR/db/$DB.seed" ]; then
    "$BIN/python" "$here/seed.py" "$CONF" "$DB" > "$DIR/db/$DB.seed.tmp"
    mv "$DIR/db/$DB.seed.tmp" "$DIR/db/$DB.seed"
fi

# Start the server unless ours already answers; wait until it does.
ping() { "$BIN/python" "$here/ping.py" "$URL" 2>/dev/null; }
if ! { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && ping; }; then
    if ping; then echo "port $PORT is taken by another server" >&2; exit 1; fi
    setsid "$BIN/trytond" -c "$CONF" -d "$DB" --pidfile "$PIDFILE" >> "$DIR/trytond.log" 2>&1 < /dev/null &
    spid=$!
    for _ in $(seq 150); do        # up to 30 s; stop early if trytond exits
        ping && break; kill -0 $spid 2>/dev/null || break; sleep 0.2
    done
    ping || { echo "trytond did not start, see $DIR/trytond.log" >&2; exit 1; }
fi

{ echo "WEFT_TRYTON_URL=$URL"; echo "WEFT_TRYTON_DB=$DB"; echo "WEFT_TRYTON_USER=admin"
  echo "WEFT_TRYTON_PASSWORD=$PASSWORD"; cat "$DIR/db/$DB.seed"; echo "WEFT_TRYTON_DIR=$DIR"; } | tee "$DIR/env"
