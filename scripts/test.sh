#!/usr/bin/env bash
# The test command: build every plugin (and the test-only ones) from source, then run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
plugins/build.sh target/plugins
plugins/build.sh target/test-plugins tests/plugins
cargo nextest run --no-fail-fast "$@"
