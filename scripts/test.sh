#!/usr/bin/env bash
# The test command: build every plugin (and the test-only ones) from source, start a local
# Tryton 8.0 (SQLite, 127.0.0.1) for the connector tests, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
plugins/build.sh target/plugins
plugins/build.sh target/test-plugins tests/plugins

bash tests/erp/tryton/install.sh
port=${WEFT_TRYTON_PORT:-8000}
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  # Started here, so stopped here; a server that was already running is left alone.
  trap 'bash tests/erp/tryton/stop.sh > /dev/null' EXIT
fi
bash tests/erp/tryton/start.sh > /dev/null
set -a; . target/tryton/env; set +a

cargo nextest run --no-fail-fast "$@"
