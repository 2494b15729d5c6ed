#!/usr/bin/env bash
# Prepare everything `make demo` and `make test` need, idempotently:
# a virtualenv with Odoo's and our requirements, a running PostgreSQL,
# a database role for Odoo and an Odoo configuration file.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
VENV=${VENV:-$REPO/.venv}
DB_USER=${DB_USER:-odoo}
DB_PASSWORD=${DB_PASSWORD:-odoo}
DB_HOST=${DB_HOST:-localhost}
DB_PORT=${DB_PORT:-5432}
PYTHON=${PYTHON:-python3}
CONF=$REPO/.odoorc

die() { echo "$*" >&2; exit 1; }
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -n -u postgres "$@"; fi
}

# 1. Odoo source
[ -f "$ODOO_HOME/odoo-bin" ] && [ -f "$ODOO_HOME/odoo/release.py" ] ||
    die "Odoo 19.0 was not found at ODOO_HOME=$ODOO_HOME: put the Odoo 19.0 Community source there (odoo-bin, odoo/, addons/) or set ODOO_HOME to where it is."
grep -q "version_info = (19, 0" "$ODOO_HOME/odoo/release.py" ||
    die "The Odoo at ODOO_HOME=$ODOO_HOME is not version 19.0: this suite needs Odoo 19.0."

# 2. PostgreSQL, started if installed but stopped
command -v psql >/dev/null 2>&1 ||
    die "PostgreSQL was not found: install PostgreSQL 15 or newer (on Debian: apt-get install postgresql)."
if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
    if command -v pg_lsclusters >/dev/null 2>&1; then
        pg_lsclusters --no-header | while read -r ver name port status _; do
            [ "$status" = online ] || pg_ctlcluster "$ver" "$name" start || true
        done
    fi
    for _ in $(seq 1 30); do pg_isready -q -h "$DB_HOST" -p "$DB_PORT" && break; sleep 1; done
    pg_isready -q -h "$DB_HOST" -p "$DB_PORT" ||
        die "PostgreSQL is installed but not running on $DB_HOST:$DB_PORT: start it (on Debian: pg_ctlcluster 15 main start)."
fi

# 3. A database role for Odoo (Odoo refuses to run as the postgres role)
if ! PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    as_postgres psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qc \
        "DO \$\$BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
             CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
           ELSE
             ALTER ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
           END IF;
         END\$\$;" ||
        die "Could not create the PostgreSQL role $DB_USER: run this as root or as a user allowed to sudo to postgres."
fi

# 4. Virtualenv with Odoo's requirements and ours. psycopg2 comes as a wheel
#    (psycopg2-binary) and python-ldap (only for auth_ldap) is left out, so no
#    C headers are needed.
stamp=$VENV/.requirements.sha1
want=$(cat "$ODOO_HOME/requirements.txt" "$REPO/requirements.txt" "$REPO/requirements-dev.txt" | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        die "Odoo 19.0 needs Python 3.10 or newer; $PYTHON is $($PYTHON --version 2>&1)."
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    filtered=$(mktemp)
    sed -e 's/^psycopg2==/psycopg2-binary==/' -e '/^python-ldap/d' "$ODOO_HOME/requirements.txt" > "$filtered"
    echo "Installing Odoo's and our Python requirements into $VENV ..."
    # pip's notes about local package folders this machine's pip configuration names are noise
    log=$(mktemp)
    if ! "$VENV/bin/pip" install -q --disable-pip-version-check -r "$filtered" \
        -r "$REPO/requirements.txt" -r "$REPO/requirements-dev.txt" > "$log" 2>&1; then
        grep -v "is ignored: it is neither a file nor a directory" "$log" >&2
        die "Installing the Python requirements failed (see above)."
    fi
    grep -v "is ignored: it is neither a file nor a directory" "$log" || true
    rm -f "$log"
    rm -f "$filtered"
    echo "$want" > "$stamp"
fi

# 5. For the tests: Chromium runs the browser tours, wkhtmltopdf renders PDF reports
if [ "${WITH_TEST_TOOLS:-0}" = 1 ]; then
    missing=()
    command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || missing+=(chromium)
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "Installing ${missing[*]} for the tests ..."
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
                die "Could not install ${missing[*]}: install them (apt-get install ${missing[*]}) and run make test again."
        else
            die "The tests need ${missing[*]}: install them (on Debian: apt-get install ${missing[*]})."
        fi
    fi
fi

# 6. Odoo configuration
cat > "$CONF" <<CONF
[options]
addons_path = $ODOO_HOME/odoo/addons,$ODOO_HOME/addons,$REPO
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
admin_passwd = admin
data_dir = $REPO/.odoo-data
CONF
