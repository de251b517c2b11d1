#!/usr/bin/env bash
# Shared setup for `make run`, `make test` and `make bench`: idempotent, quick when done.
# Brings PostgreSQL, Odoo 18.0, a virtualenv with Odoo's requirements, Chromium,
# wkhtmltopdf, poppler's pdftotext and pdftoppm, the zbar and libdmtx barcode readers,
# and makes this checkout visible to Odoo as `pos_serial_tracking`.
# Prints nothing but problems and what it installs; writes the settings to .build/env.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ODOO_PATH=${ODOO_PATH:-/opt/odoo/18.0}
ODOO_REPO=${ODOO_REPO:-https://github.com/odoo/odoo.git}
DB_HOST=${DB_HOST:-localhost}
DB_PORT=${DB_PORT:-5432}
DB_USER=${DB_USER:-odoo}
DB_PASSWORD=${DB_PASSWORD:-odoo}
CACHE_DIR=${POS_SERIAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pos_serial_tracking}
BUILD="$ROOT/.build"

say() { echo "setup: $*" >&2; }
die() { echo "setup: ERROR: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
    say "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 || {
        as_root apt-get update -q >/dev/null
        as_root apt-get install -y -q --no-install-recommends "$@" >/dev/null
    }
}

# --- Debian packages ------------------------------------------------------------------
need=()
command -v pg_ctlcluster >/dev/null || need+=(postgresql postgresql-contrib)
command -v pg_config >/dev/null || need+=(libpq-dev)
command -v chromium >/dev/null || need+=(chromium)
command -v wkhtmltopdf >/dev/null || need+=(wkhtmltopdf)
# the tests read the PDF reports' text with pdftotext
command -v pdftotext >/dev/null || need+=(poppler-utils)
# the label tests read the labels' QR codes and GS1 DataMatrix back
command -v zbarimg >/dev/null || need+=(zbar-tools)
command -v dmtxread >/dev/null || need+=(dmtx-utils)
[ -e /usr/include/libxml2/libxml/xmlversion.h ] || need+=(libxml2-dev libxslt1-dev)
# fonts the PDF reports and the browser render with
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi

# --- PostgreSQL -------------------------------------------------------------------------
if [ "$DB_HOST" = localhost ] || [ "$DB_HOST" = 127.0.0.1 ]; then
    if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT"; then
        cluster=$(pg_lsclusters -h | awk -v p="$DB_PORT" '$3 == p {print $1" "$2; exit}')
        if [ -z "$cluster" ]; then
            ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
            say "creating PostgreSQL $ver cluster 'main' on port $DB_PORT"
            as_root pg_createcluster "$ver" main -p "$DB_PORT" >/dev/null
            cluster="$ver main"
        fi
        say "starting PostgreSQL cluster $cluster"
        # shellcheck disable=SC2086
        as_root pg_ctlcluster $cluster start
        for _ in $(seq 30); do pg_isready -q -h "$DB_HOST" -p "$DB_PORT" && break; sleep 1; done
    fi
    pg_isready -q -h "$DB_HOST" -p "$DB_PORT" || die "PostgreSQL does not answer on $DB_HOST:$DB_PORT"
    if ! PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres \
            -tAc 'select 1' >/dev/null 2>&1; then
        say "creating PostgreSQL role $DB_USER"
        as_root runuser -u postgres -- psql -p "$DB_PORT" -q -c \
            "DO \$\$BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                 CREATE ROLE \"$DB_USER\" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
               ELSE
                 ALTER ROLE \"$DB_USER\" LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
               END IF; END\$\$;"
    fi
fi

# --- Odoo 18.0 source -------------------------------------------------------------------
if [ ! -x "$ODOO_PATH/odoo-bin" ] && [ ! -f "$ODOO_PATH/odoo-bin" ]; then
    say "Odoo not found at $ODOO_PATH: cloning branch 18.0 of $ODOO_REPO"
    if ! (mkdir -p "$(dirname "$ODOO_PATH")" &&
          git clone -q --depth 1 --branch 18.0 "$ODOO_REPO" "$ODOO_PATH"); then
        rm -rf "$ODOO_PATH"
        die "Odoo 18.0 is needed at $ODOO_PATH and could not be cloned from $ODOO_REPO.
  Provide it yourself, then run the command again:
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git $ODOO_PATH
  or point ODOO_PATH at an existing Odoo 18.0 tree (the folder holding odoo-bin):
    make test ODOO_PATH=/path/to/odoo"
    fi
fi
grep -q "version_info = (18, 0" "$ODOO_PATH/odoo/release.py" ||
    die "$ODOO_PATH is not Odoo 18.0 (see $ODOO_PATH/odoo/release.py); set ODOO_PATH"

# --- Python virtualenv (shared between clones, keyed by what it holds) -------------------
key=$( (python3 --version; cat "$ODOO_PATH/requirements.txt" "$ROOT/requirements-dev.txt") |
       sha256sum | cut -c1-12)
VENV="$CACHE_DIR/venv-$key"
if [ ! -f "$VENV/.complete" ]; then
    say "creating the virtualenv $VENV (a few minutes, once)"
    rm -rf "$VENV"
    mkdir -p "$CACHE_DIR"
    python3 -m venv "$VENV"
    # python-ldap only serves the auth_ldap addon and needs LDAP headers to build
    grep -v '^python-ldap' "$ODOO_PATH/requirements.txt" >"$VENV/odoo-requirements.txt"
    # cbor2 5.4.2 builds with pkg_resources, gone from setuptools 70
    echo 'setuptools<70' >"$VENV/constraints.txt"
    PIP_CONSTRAINT="$VENV/constraints.txt" "$VENV/bin/pip" install -q \
        -r "$VENV/odoo-requirements.txt" -r "$ROOT/requirements-dev.txt" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) ||
        die "pip could not install Odoo's requirements into $VENV (see above)"
    touch "$VENV/.complete"
fi

# --- make this checkout visible as `pos_serial_tracking` --------------------------------
# the link lives outside the checkout: inside it, tools that walk the addon (Odoo's term
# extraction) would follow it back into the checkout, again and again
ADDON_LINKS="$CACHE_DIR/addons/$(printf %s "$ROOT" | sha256sum | cut -c1-12)"
mkdir -p "$ADDON_LINKS" "$BUILD"
ln -sfn "$ROOT" "$ADDON_LINKS/pos_serial_tracking"
rm -rf "$BUILD/addons"  # where earlier versions kept the link

cat >"$BUILD/env" <<ENV
ODOO_PATH=$ODOO_PATH
VENV=$VENV
PYTHON=$VENV/bin/python
ADDONS_PATH=$ODOO_PATH/odoo/addons,$ODOO_PATH/addons,$ADDON_LINKS
DB_HOST=$DB_HOST
DB_PORT=$DB_PORT
DB_USER=$DB_USER
DB_PASSWORD=$DB_PASSWORD
CACHE_DIR=$CACHE_DIR
ENV
