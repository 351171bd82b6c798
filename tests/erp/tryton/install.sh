#!/usr/bin/env bash
# Install Tryton 8.0 LTS (trytond + company, product, stock, sale) from PyPI into a venv.
#
#   bash tests/erp/tryton/install.sh [DIR]      DIR defaults to target/tryton (git-ignored)
#
# Idempotent: a venv already holding the wanted series is kept (a second run takes ~0.01 s).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
DIR=$(mkdir -p "${1:-$root/target/tryton}" && cd "${1:-$root/target/tryton}" && pwd)
SERIES=${TRYTON_SERIES:-8.0}
if [ "$(cat "$DIR/venv/.series" 2>/dev/null)" = "$SERIES" ]; then
    echo "tryton $SERIES already installed in $DIR/venv"
    exit 0
fi
SECONDS=0
python3 -m venv "$DIR/venv"
NEXT="${SERIES%.*}.$(( ${SERIES#*.} + 1 ))"
"$DIR/venv/bin/pip" install -q --disable-pip-version-check \
    $(for m in trytond trytond_company trytond_product trytond_stock trytond_sale; do
        echo "$m>=$SERIES,<$NEXT"; done)
echo "$SERIES" > "$DIR/venv/.series"
echo "tryton $SERIES installed in $DIR/venv (${SECONDS} s)"
