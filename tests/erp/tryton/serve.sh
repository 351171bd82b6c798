#!/usr/bin/env bash
# Run one more trytond in the foreground on 127.0.0.1:PORT over the same database as start.sh
# (tests start it, then stop it to see how the connector fails). It `exec`s, so its PID is the
# caller's child's PID.
#
#   bash tests/erp/tryton/serve.sh PORT [DIR]      DIR defaults to target/tryton
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
PORT=${1:?usage: serve.sh PORT [DIR]}
DIR=$(cd "${2:-$root/target/tryton}" && pwd)
DB=${WEFT_TRYTON_DB:-weft}
CONF="$DIR/trytond-$PORT.conf"
printf '[database]\nuri = sqlite://\npath = %s/db\n[web]\nlisten = 127.0.0.1:%s\n[session]\nmax_age = 3600\n' "$DIR" "$PORT" > "$CONF"
exec "$DIR/venv/bin/trytond" -c "$CONF" -d "$DB"
