#!/usr/bin/env bash
# Create the demo database with every addon and its demo data, or bring an existing one up to date.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DB=$1
ADDONS=$2
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
VENV=${VENV:-$REPO/.venv}
export PGHOST=${DB_HOST:-localhost} PGUSER=${DB_USER:-odoo} PGPASSWORD=${DB_PASSWORD:-odoo}
odoo=("$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$REPO/.odoorc" -d "$DB" --stop-after-init --log-level=warn)

installed=$(psql -d "$DB" -tAc "SELECT count(*) FROM ir_module_module WHERE name = 'crm_contact_management' AND state = 'installed'" 2>/dev/null || echo 0)
if [ "$installed" = 1 ]; then
    echo "Updating the demo database $DB ..."
    "${odoo[@]}" -i "$ADDONS" -u "$ADDONS"
else
    echo "Creating the demo database $DB with $ADDONS and their demo data (a few minutes) ..."
    dropdb --if-exists "$DB"
    "${odoo[@]}" -i "$ADDONS" --with-demo --load-language=en_US,de_DE,pl_PL
fi
