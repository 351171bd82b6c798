#!/usr/bin/env bash
# Install Tryton 8.0 LTS (trytond + company, product, product_price_list, stock, sale) from PyPI
# into a venv.
#
#   bash tests/erp/tryton/install.sh [DIR]      DIR defaults to target/tryton (git-ignored)
#
# Idempotent: a venv already holding the wanted series and modules is kept (a second run takes
# ~0.01 s); one of an earlier module list gets the missing modules added.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
DIR=$(mkdir -p "${1:-$root/target/tryton}" && cd "${1:-$root/target/tryton}" && pwd)
SERIES=${TRYTON_SERIES:-8.0}
MODULES="trytond trytond_company trytond_product trytond_product_price_list trytond_stock trytond_sale"
if [ "$(cat "$DIR/venv/.series" 2>/dev/null)" = "$SERIES $MODULES" ]; then
    echo "tryton $SERIES already installed in $DIR/venv"
    exit 0
fi
SECONDS=0
python3 -m venv "$DIR/venv"
NEXT="${SERIES%.*}.$(( ${SERIES#*.} + 1 ))"
"$DIR/venv/bin/pip" install -q --disable-pip-version-check \
    $(for m in $MODULES; do echo "$m>=$SERIES,<$NEXT"; done)
echo "$SERIES $MODULES" > "$DIR/venv/.series"
echo "tryton $SERIES installed in $DIR/venv (${SECONDS} s)"
