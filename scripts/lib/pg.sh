# shellcheck shell=bash
# Private PostgreSQL 15 clusters for development and tests, one per name
# ("run", "test"). Sourced after common.sh.
#
# Layout of a cluster directory <dir>:
#   <dir>/data/           PGDATA
#   <dir>/postgres.log    server log (pg_ctl -l)
#   <dir>/.s.PGSQL.5432   unix socket; no TCP at all, so clusters of several
#                         checkouts and the system's own never collide on a port
#   <dir>/repo            the checkout that owns it (for garbage collection)
# <dir> is <repo>/.local/pg-<name>, or a /var/tmp directory that
# <repo>/.local/pg-<name> links to (see pg_cluster_dir).

PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=5432 # only names the socket file; nothing listens on TCP
PG_FALLBACK_PREFIX=/var/tmp/ecommerce-pg-

# The server refuses to run as root, so as root everything server-side runs as
# the Debian `postgres` user; anyone else runs it as themselves.
# Runs from / because the caller's working directory may be one the postgres
# user cannot enter; every path handed over is absolute.
_pg_as_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

_pg_owner() {
  if ((EUID == 0)); then echo postgres; else id -un; fi
}

_pg_check_name() {
  [[ ${1-} =~ ^[a-z][a-z0-9_]*$ ]] || die "bad cluster or database name: '${1-}'"
}

# pg_cluster_dir <name>: prints the physical cluster directory (without creating it).
pg_cluster_dir() {
  local name="$1"
  _pg_check_name "$name"
  local parent="$REPO_ROOT/.local"
  # The postgres user must be able to reach the directory: a checkout in a 0700
  # directory (a home directory, CI's `mktemp -d`) cannot host the cluster.
  # .local is created 0755 by _pg_prepare_dir, so judge the repo itself until then.
  local probe="$parent"
  [[ -d $parent ]] || probe="$REPO_ROOT"
  local in_repo="$parent/pg-$name"
  # Once a location has been chosen (the link exists), keep it.
  if [[ -L $in_repo && -d $in_repo ]]; then
    readlink -f "$in_repo"
    return
  fi
  # sun_path is 108 bytes; stay well clear of it with the socket file name.
  local socket="$in_repo/.s.PGSQL.$PG_PORT"
  if ((${#socket} < 100)) && _pg_as_owner test -x "$probe"; then
    echo "$in_repo"
  else
    local hash
    hash="$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-8)"
    echo "$PG_FALLBACK_PREFIX$name-$hash"
  fi
}

# Removes fallback clusters whose checkout is gone (CI clones into temporary
# directories, each with its own hash) so /var/tmp does not fill up with them.
_pg_collect_garbage() {
  local dir repo
  for dir in "$PG_FALLBACK_PREFIX"*; do
    [[ -d $dir && ! -L $dir && -f $dir/repo ]] || continue
    [[ $(stat -c %U "$dir") == "$(_pg_owner)" ]] || continue
    repo="$(<"$dir/repo")"
    [[ -n $repo && ! -e $repo ]] || continue
    _pg_running_dir "$dir" && continue
    rm -rf -- "$dir"
  done
}

# Creates <dir> (owned by the server's user, 0700 as initdb requires) and, for
# a fallback location, the <repo>/.local/pg-<name> symlink to it.
_pg_prepare_dir() {
  local name="$1" dir="$2"
  local link="$REPO_ROOT/.local/pg-$name"
  if [[ ! -d $REPO_ROOT/.local ]]; then
    mkdir -m 0755 "$REPO_ROOT/.local" || return
  fi
  if [[ $dir != "$link" ]]; then
    _pg_collect_garbage
    if [[ -e $link && ! -L $link ]]; then
      die "$link is a directory but the postgres user cannot reach it (or its socket path is too long);
  move it away to let a cluster be created in $dir"
    fi
    # A pre-existing entry in world-writable /var/tmp must really be ours.
    if [[ -L $dir || (-e $dir && $(stat -c %U "$dir") != "$(_pg_owner)") ]]; then
      die "$dir exists but is not a directory owned by $(_pg_owner); remove it"
    fi
    ln -sfn "$dir" "$link" || return
  fi
  if [[ ! -d $dir ]]; then
    mkdir -m 0700 "$dir" || return
    ((EUID == 0)) && { chown postgres:postgres "$dir" || return; }
  fi
  [[ -f $dir/repo ]] || printf '%s\n' "$REPO_ROOT" >"$dir/repo"
}

# True when a postmaster is serving <dir>/data. postmaster.pid alone proves
# nothing after a crash or a container restart: its PID may now belong to an
# unrelated process. The postmaster keeps its original argv ("postgres -D
# <data>"), so check that too.
_pg_running_dir() {
  local data="$1/data" pid cmdline
  [[ -f $data/postmaster.pid ]] || return 1
  read -r pid <"$data/postmaster.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)" || return 1
  [[ $cmdline == *"postgres -D $data "* ]]
}

# pg_running <name>
pg_running() {
  _pg_running_dir "$(pg_cluster_dir "$1")"
}

# Settings are rewritten on every start so a change here reaches existing
# clusters; postgresql.conf only includes this file (added once, at initdb).
_pg_write_conf() {
  local dir="$1"
  _pg_as_owner tee "$dir/data/ecommerce.conf" >/dev/null <<EOF
# Written by scripts/lib/pg.sh on every start; edits are overwritten.
listen_addresses = ''
unix_socket_directories = '$dir'
port = $PG_PORT
# A developer machine: room for a load test, but not a server's whole memory.
shared_buffers = 256MB
max_connections = 200
# Durability stays on: the service's correctness claims are tested against it.
fsync = on
synchronous_commit = on
EOF
}

# pg_start <name>: initialises the cluster on first use, starts it unless it
# is already running. Idempotent.
pg_start() {
  local name="$1" dir
  dir="$(pg_cluster_dir "$name")" || return
  [[ -x $PG_BIN/pg_ctl ]] || die "PostgreSQL 15 server binaries not found in $PG_BIN"
  _pg_prepare_dir "$name" "$dir" || return

  if [[ ! -f $dir/data/PG_VERSION ]]; then
    # A data directory without PG_VERSION is a failed initdb; initdb needs it empty.
    rm -rf -- "${dir:?}/data"
    log "initialising PostgreSQL cluster '$name' in $dir"
    _pg_as_owner "$PG_BIN/initdb" -D "$dir/data" --auth=trust -U postgres \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      die "initdb failed for cluster '$name'"
    }
    printf "\ninclude 'ecommerce.conf'\n" | _pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  fi
  _pg_write_conf "$dir" || return

  if _pg_running_dir "$dir"; then
    log "PostgreSQL cluster '$name' already running ($dir)"
    return 0
  fi
  # Left behind by a crash: the postmaster would reject them if their PID has
  # been reused by a live process of the same user.
  rm -f -- "$dir/data/postmaster.pid" "$dir/.s.PGSQL.$PG_PORT.lock"

  log "starting PostgreSQL cluster '$name' ($dir)"
  if ! _pg_as_owner "$PG_BIN/pg_ctl" start -w -t 60 -D "$dir/data" -l "$dir/postgres.log" >/dev/null; then
    tail -n 30 "$dir/postgres.log" >&2
    die "PostgreSQL cluster '$name' failed to start (log: $dir/postgres.log)"
  fi
}

# pg_stop <name>: fast shutdown (disconnects clients, no crash recovery needed).
pg_stop() {
  local name="$1" dir
  dir="$(pg_cluster_dir "$name")" || return
  _pg_running_dir "$dir" || return 0
  log "stopping PostgreSQL cluster '$name'"
  _pg_as_owner "$PG_BIN/pg_ctl" stop -w -t 60 -m fast -D "$dir/data" >/dev/null
}

# pg_crash <name>: immediate shutdown, as if the server crashed: no checkpoint, clients cut
# off, crash recovery on the next pg_start. For fault tests.
pg_crash() {
  local name="$1" dir
  dir="$(pg_cluster_dir "$name")" || return
  _pg_running_dir "$dir" || return 0
  _pg_as_owner "$PG_BIN/pg_ctl" stop -w -t 60 -m immediate -D "$dir/data" >/dev/null
}

# pg_destroy <name>: stops the cluster and deletes its data.
pg_destroy() {
  local name="$1" dir
  dir="$(pg_cluster_dir "$name")" || return
  pg_stop "$name" || return
  rm -rf -- "${dir:?}"
  [[ -L $REPO_ROOT/.local/pg-$name ]] && rm -f -- "$REPO_ROOT/.local/pg-$name"
  return 0
}

# Percent-encodes everything but RFC 3986 unreserved characters, so the socket
# path survives any URI parser (libpq decodes query values).
_pg_urlencode() {
  local s="$1" out="" c i
  local LC_ALL=C
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [A-Za-z0-9._~-]) out+="$c" ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

# pg_url <name> <dbname>: a libpq URI for the cluster's socket, e.g.
#   postgresql://postgres@/ecommerce?host=%2Fwork%2Fmain%2F.local%2Fpg-run
pg_url() {
  local name="$1" db="$2" dir
  _pg_check_name "$db"
  dir="$(pg_cluster_dir "$name")" || return
  printf 'postgresql://postgres@/%s?host=%s\n' "$db" "$(_pg_urlencode "$dir")"
}

# psql against the cluster's maintenance database, stopping at the first error.
_pg_psql() {
  local name="$1"
  shift
  # client_min_messages: no "does not exist, skipping" notices in the output.
  PGOPTIONS='-c client_min_messages=warning' \
    psql -X -q -v ON_ERROR_STOP=1 "$(pg_url "$name" postgres)" "$@"
}

# pg_create_db <name> <dbname>: creates the database unless it exists.
pg_create_db() {
  local name="$1" db="$2" exists
  _pg_check_name "$db"
  exists="$(_pg_psql "$name" -At -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" || return
  [[ $exists == 1 ]] && return 0
  _pg_psql "$name" -c "CREATE DATABASE $db"
}

# pg_drop_db <name> <dbname>: drops the database if it exists, disconnecting
# any client still attached (a test that crashed may leave one behind).
pg_drop_db() {
  local name="$1" db="$2"
  _pg_check_name "$db"
  _pg_psql "$name" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}
