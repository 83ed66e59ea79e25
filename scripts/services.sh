#!/usr/bin/env bash
# scripts/services.sh — a throwaway PostgreSQL cluster and Redis server for
# development and CI.
#
# Usage: scripts/services.sh [up|down|status|env|reset]
#
#   up      (default) install what is missing, start both servers (or reuse the
#           ones already running), create database "civicq", then print the env
#           lines below on stdout. Progress goes to stderr.
#   down    stop both servers (fine when they are already stopped).
#   status  print each server's state and URL; exit 0 only if both are running.
#   env     print only the env lines, e.g. `eval "$(scripts/services.sh env)"`:
#             DATABASE_URL=postgres://postgres@127.0.0.1:54329/civicq?sslmode=disable
#             REDIS_ADDR=127.0.0.1:63799
#             CIVICQ_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable
#             CIVICQ_TEST_REDIS_ADDR=127.0.0.1:63799
#   reset   down, then delete all PostgreSQL and Redis data.
#
# Environment:
#   CIVICQ_PG_PORT            PostgreSQL port (default 54329)
#   CIVICQ_REDIS_PORT         Redis port (default 63799)
#   CIVICQ_SERVICES_TIMEOUT   seconds to wait for a server to start/stop (default 30)
#
# State lives in $ROOT/.local/ (git-ignored): .local/pg/{data,postgres.log,socket}
# and .local/redis/{redis.pid,redis.log}. Both servers listen on 127.0.0.1 only
# and PostgreSQL uses trust auth: this is a local, disposable setup, never a
# production one.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
STATE_DIR="$ROOT/.local"
PG_LINK="$STATE_DIR/pg"
set_pg_paths() { # DIR
  PG_DIR="$1"
  PG_DATA="$PG_DIR/data"
  PG_SOCK_DIR="$PG_DIR"
  PG_LOG="$PG_DIR/postgres.log"
  PG_INITDB_LOG="$PG_DIR/initdb.log"
}
# .local/pg is normally a folder; it is a link when the repository sits where the
# server's user cannot reach (see prepare_pg_dir).
if [[ -L $PG_LINK ]]; then set_pg_paths "$(readlink -f "$PG_LINK")"; else set_pg_paths "$PG_LINK"; fi
REDIS_DIR="$STATE_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

HOST=127.0.0.1
PG_PORT="${CIVICQ_PG_PORT:-54329}"
REDIS_PORT="${CIVICQ_REDIS_PORT:-63799}"
PG_SUPERUSER=postgres
PG_DB=civicq
TIMEOUT="${CIVICQ_SERVICES_TIMEOUT:-30}"

# Our client calls always name host/port/user/db explicitly; drop libpq settings
# from the caller's environment that could still redirect or break them.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS \
  PGSSLMODE PGREQUIRESSL PGTARGETSESSIONATTRS PGDATA

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

log() { printf '%s\n' "$*" >&2; }
die() {
  printf 'services.sh: error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Show the end of a log file on stderr, so a failure explains itself in CI output.
show_log_tail() {
  if [[ -r $1 ]]; then
    log "---- last lines of $1 ----"
    tail -n 20 "$1" >&2 || true
    log "----"
  fi
}

# Run with a time limit when coreutils' timeout exists: a client talking to an
# unexpected service on "our" port must not hang the script.
maybe_timeout() {
  local secs=$1
  shift
  if have timeout; then timeout "$secs" "$@"; else "$@"; fi
}

# True if something accepts TCP connections on 127.0.0.1:$1. Uses bash's
# /dev/tcp so it needs neither ss, lsof nor nc.
port_in_use() {
  # shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash
  maybe_timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

validate_port() { # NAME VALUE
  if ! [[ $2 =~ ^[1-9][0-9]{0,4}$ ]] || (($2 > 65535)); then
    die "$1=$2 is not a valid TCP port (1-65535)"
  fi
}

validate_config() {
  validate_port CIVICQ_PG_PORT "$PG_PORT"
  validate_port CIVICQ_REDIS_PORT "$REDIS_PORT"
  [[ $PG_PORT != "$REDIS_PORT" ]] ||
    die "CIVICQ_PG_PORT and CIVICQ_REDIS_PORT are both $PG_PORT; they must differ"
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] ||
    die "CIVICQ_SERVICES_TIMEOUT=$TIMEOUT is not a positive number of seconds"
}

# Is process $1 alive? A zombie (killed, not yet reaped by a lazy container
# init) does not count: kill -0 alone would say yes.
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    local stat
    stat=$(<"/proc/$1/stat") || return 1
    stat=${stat##*) } # the state letter follows "(comm) "
    [[ ${stat:0:1} != Z ]] || return 1
  fi
  return 0
}

# Wait until process $1 has exited; false on timeout.
wait_pid_gone() {
  local pid=$1 i
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.25
  done
  return 1
}

# Serialise up/down/reset: two `make test` runs starting at once must not both
# run initdb or start two servers. The fd is closed for every daemon we start
# (see `9>&-` below), otherwise the servers would inherit and hold the lock.
take_lock() {
  have flock || return 0 # e.g. macOS: run without the lock
  local lock="$STATE_DIR/services.lock"
  mkdir -p "$STATE_DIR" 2>/dev/null || true
  [[ -e $lock ]] || : >"$lock" 2>/dev/null || true
  # Open read-only: flock does not need write access, so a lock file created
  # by root still works for other users.
  if ! { exec 9<"$lock"; } 2>/dev/null; then
    log "services.sh: cannot open $lock; continuing without the lock"
    return 0
  fi
  flock -w $((TIMEOUT * 4)) 9 ||
    die "another scripts/services.sh is still running (lock: $STATE_DIR/services.lock)"
}

print_env() {
  printf 'DATABASE_URL=postgres://%s@%s:%s/%s?sslmode=disable\n' "$PG_SUPERUSER" "$HOST" "$PG_PORT" "$PG_DB"
  printf 'REDIS_ADDR=%s:%s\n' "$HOST" "$REDIS_PORT"
  printf 'CIVICQ_TEST_DATABASE_URL=postgres://%s@%s:%s/postgres?sslmode=disable\n' "$PG_SUPERUSER" "$HOST" "$PG_PORT"
  printf 'CIVICQ_TEST_REDIS_ADDR=%s:%s\n' "$HOST" "$REDIS_PORT"
}

pg_url() { printf 'postgres://%s@%s:%s/%s?sslmode=disable' "$PG_SUPERUSER" "$HOST" "$PG_PORT" "$PG_DB"; }
redis_url() { printf 'redis://%s:%s' "$HOST" "$REDIS_PORT"; }

# ---------------------------------------------------------------------------
# Installing missing software
# ---------------------------------------------------------------------------

APT_UPDATED=0
POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_RC_D_CREATED=0

cleanup() {
  # Only remove the policy-rc.d we created; a pre-existing one (Docker images
  # ship one) belongs to someone else.
  if ((POLICY_RC_D_CREATED)); then
    rm -f "$POLICY_RC_D"
    POLICY_RC_D_CREATED=0
  fi
}
trap cleanup EXIT
# Make Ctrl-C / kill run the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

can_apt() { [[ $EUID -eq 0 ]] && have apt-get; }

# Tell the developer exactly what to install when we cannot do it ourselves.
explain_manual_install() { # WHAT-IS-MISSING
  log "services.sh: $1 not installed, and this script can only install it as root with apt-get."
  log "Install it, then run scripts/services.sh again:"
  log "  Debian/Ubuntu: sudo apt-get install postgresql postgresql-contrib redis-server"
  log "  macOS:         brew install postgresql@15 redis"
  exit 1
}

apt_install() { # PACKAGE...
  # Debian packages start their own system-wide servers on install (a
  # "main" cluster on 5432, redis on 6379). We only want the binaries, so
  # deny service starts with a temporary policy-rc.d (exit 101 = "action
  # forbidden"), unless the machine already has one.
  if [[ ! -e $POLICY_RC_D ]]; then
    printf '#!/bin/sh\n# Temporary, created by scripts/services.sh: do not start services during install.\nexit 101\n' >"$POLICY_RC_D"
    chmod 755 "$POLICY_RC_D"
    POLICY_RC_D_CREATED=1
  fi
  if ((!APT_UPDATED)); then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  # --no-upgrade: we only need the packages present; never upgrade an
  # installed one as a side effect of starting test servers.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade "$@" >&2 ||
    die "apt-get install $* failed"
  cleanup
}

# ---------------------------------------------------------------------------
# Finding PostgreSQL
# ---------------------------------------------------------------------------

PG_BIN="" # directory holding initdb, pg_ctl, postgres (and usually psql, pg_isready)

# Directories that may hold PostgreSQL server binaries. Debian keeps them out
# of PATH in /usr/lib/postgresql/<major>/bin; Homebrew and PGDG RPMs use
# versioned dirs too.
pg_candidate_dirs() {
  local p d
  if p=$(command -v pg_ctl 2>/dev/null); then
    p=$(readlink -f "$p" 2>/dev/null || printf '%s' "$p")
    dirname "$p"
  fi
  for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin \
    /opt/homebrew/opt/postgresql*/bin /usr/local/opt/postgresql*/bin; do
    [[ -d $d ]] && printf '%s\n' "$d"
  done
  return 0
}

# "15.18" for a bin dir whose pg_ctl says "pg_ctl (PostgreSQL) 15.18 (Debian ...)".
pg_version_of() { "$1/pg_ctl" --version 2>/dev/null | awk '{print $3; exit}'; }
pg_major() { local v; v=$(pg_version_of "$PG_BIN") && printf '%s' "${v%%.*}"; }

# Sets PG_BIN to the newest installed server, but prefers the major version an
# existing data dir was created with (a data dir only runs on its own major).
find_pg_bin() {
  local want="" d v list="" match=""
  if [[ -r $PG_DATA/PG_VERSION ]]; then want=$(<"$PG_DATA/PG_VERSION"); fi
  while IFS= read -r d; do
    [[ -x $d/initdb && -x $d/pg_ctl && -x $d/postgres ]] || continue
    v=$(pg_version_of "$d") || continue
    [[ -n $v ]] || continue
    if [[ -n $want && ${v%%.*} == "$want" && -z $match ]]; then match=$d; fi
    list+="$v $d"$'\n'
  done < <(pg_candidate_dirs)
  if [[ -n $match ]]; then
    PG_BIN=$match
  else
    PG_BIN=$(printf '%s' "$list" | sort -V | tail -n 1 | cut -d' ' -f2-)
  fi
  [[ -n $PG_BIN ]]
}

# pg_trgm ships in contrib; CivicQ's search needs it.
pg_trgm_present() {
  local share="" major d
  if [[ -x $PG_BIN/pg_config ]]; then share=$("$PG_BIN/pg_config" --sharedir 2>/dev/null || true); fi
  major=$(pg_major || true)
  for d in "$share" "/usr/share/postgresql/$major" "$PG_BIN/../share/postgresql" "$PG_BIN/../share"; do
    [[ -n $d && -f $d/extension/pg_trgm.control ]] && return 0
  done
  return 1
}

# Client tools: take them from the server's bin dir when present (same
# version), otherwise from PATH.
pg_tool() {
  local tool=$1
  shift
  if [[ -n $PG_BIN && -x $PG_BIN/$tool ]]; then "$PG_BIN/$tool" "$@"; else "$tool" "$@"; fi
}

ensure_installed() {
  local pkgs=() missing=()
  if ! find_pg_bin; then
    pkgs+=(postgresql postgresql-contrib)
    missing+=("PostgreSQL (initdb/pg_ctl)")
  elif ! pg_trgm_present; then
    pkgs+=(postgresql-contrib)
    missing+=("postgresql-contrib (pg_trgm)")
  fi
  if ! have redis-server || ! have redis-cli; then
    pkgs+=(redis-server)
    missing+=("redis-server")
  fi
  ((${#pkgs[@]})) || return 0

  if ! can_apt; then
    local what
    what=$(printf '%s, ' "${missing[@]}")
    what=${what%, }
    if ((${#missing[@]} > 1)); then what+=" are"; else what+=" is"; fi
    explain_manual_install "$what"
  fi
  local m
  for m in "${missing[@]}"; do
    case $m in
      PostgreSQL*) log "postgres: installing with apt…" ;;
      postgresql-contrib*) log "postgres: pg_trgm extension missing; installing postgresql-contrib with apt…" ;;
      redis*) log "redis: installing with apt…" ;;
    esac
  done
  apt_install "${pkgs[@]}"

  find_pg_bin || die "installed postgresql, but still no initdb/pg_ctl in PATH or /usr/lib/postgresql/*/bin"
  pg_trgm_present || die "installed postgresql-contrib, but pg_trgm.control is still missing for PostgreSQL $(pg_major)"
  { have redis-server && have redis-cli; } || die "installed redis-server, but redis-server/redis-cli are still not in PATH ($PATH)"
  log "postgres/redis: installed"
}

# ---------------------------------------------------------------------------
# Running PostgreSQL as a non-root user
# ---------------------------------------------------------------------------

RUN_AS=()  # prefix that runs a command as the cluster owner
PG_OWNER="" # user the cluster runs as (root only)

# Owner of a path, portable across GNU (-c) and BSD/macOS (-f) stat.
owner_of() { stat -c %U "$1" 2>/dev/null || stat -f %Su "$1" 2>/dev/null || echo '?'; }

# PostgreSQL refuses to run as root. As root we run the server as the
# "postgres" system user, or as the owner of an existing data dir (a developer
# who ran `up` unprivileged and now runs `sudo ... status`/`down`, so we
# neither misread nor steal their running cluster). Otherwise as ourselves.
setup_pg_user() { # [create]
  RUN_AS=()
  [[ $EUID -eq 0 ]] || return 0
  PG_OWNER=postgres
  if [[ -d $PG_DATA ]]; then
    local o
    o=$(owner_of "$PG_DATA")
    if [[ $o != root ]] && id -u "$o" >/dev/null 2>&1; then PG_OWNER=$o; fi
  fi
  if ! id -u "$PG_OWNER" >/dev/null 2>&1; then
    [[ ${1:-} == create ]] || return 0
    log "postgres: creating system user 'postgres' (PostgreSQL refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
      --shell /bin/sh postgres || die "could not create the 'postgres' system user"
  fi
  have runuser || die "running as root needs runuser (util-linux) to start PostgreSQL as '$PG_OWNER'"
  RUN_AS=(runuser -u "$PG_OWNER" --)
}

# Can we use pg_ctl on the cluster? (pg_ctl itself refuses to run as root.)
pg_ctl_usable() { [[ -n $PG_BIN ]] && { [[ $EUID -ne 0 ]] || ((${#RUN_AS[@]})); }; }

# Run a command as the cluster owner, from a directory it can read (initdb and
# pg_ctl complain when the inherited cwd, e.g. /root, is not accessible). The
# lock fd is closed so the server does not inherit it.
as_pg() {
  (cd "$PG_DIR" && ${RUN_AS[@]+"${RUN_AS[@]}"} "$@" 9>&-)
}

# Create .local/pg, give it to the cluster owner and check that owner can reach it.
prepare_pg_dir() {
  mkdir -p "$PG_DIR"
  if [[ $EUID -ne 0 ]]; then
    if [[ -e $PG_DATA && ! -O $PG_DATA ]]; then
      die "$PG_DATA belongs to '$(owner_of "$PG_DATA")' (probably created by running this script as root). Run 'sudo scripts/services.sh reset', then 'scripts/services.sh up' again."
    fi
    return 0
  fi
  local group
  group=$(id -gn "$PG_OWNER")
  # Only touch files not already owned by the cluster user (cheap on every `up`).
  find "$PG_DIR" ! -user "$PG_OWNER" -exec chown -h "$PG_OWNER:$group" {} + ||
    die "could not chown $PG_DIR to $PG_OWNER"
  # The cluster user needs search (x) permission on every parent directory. A
  # checkout in a private folder (mktemp -d, a CI workspace) does not give it: then
  # the cluster lives in a folder of its own under /var/tmp, named after this
  # checkout, and .local/pg links to it, so `up`, `down` and `reset` still find it.
  if ! "${RUN_AS[@]}" test -w "$PG_DIR" -a -x "$PG_DIR" && [[ ! -L $PG_LINK ]]; then
    local outside
    outside="/var/tmp/civicq-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)/pg"
    log "postgres: '$PG_OWNER' cannot reach $PG_DIR; keeping the cluster in $outside (linked from .local/pg)"
    mkdir -p "$outside"
    chmod 755 "$(dirname "$outside")"
    rm -rf "$PG_LINK"
    ln -s "$outside" "$PG_LINK"
    set_pg_paths "$outside"
    find "$PG_DIR" ! -user "$PG_OWNER" -exec chown -h "$PG_OWNER:$group" {} + ||
      die "could not chown $PG_DIR to $PG_OWNER"
  fi
  if ! "${RUN_AS[@]}" test -w "$PG_DIR" -a -x "$PG_DIR"; then
    local path="" part
    local -a parts
    IFS=/ read -r -a parts <<<"${PG_DIR#/}"
    for part in "${parts[@]}"; do
      path+="/$part"
      if ! "${RUN_AS[@]}" test -x "$path"; then
        die "PostgreSQL runs as the '$PG_OWNER' user, which cannot enter $path (needed to reach $PG_DATA). Make it traversable, e.g. 'chmod o+x $path', or keep the repository under a world-traversable directory."
      fi
    done
    die "the '$PG_OWNER' user cannot write to $PG_DIR"
  fi
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

pg_pid() {
  local pid
  [[ -r $PG_DATA/postmaster.pid ]] || return 1
  pid=$(head -n 1 "$PG_DATA/postmaster.pid")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  printf '%s' "$pid"
}

# Port of the running postmaster (4th line of postmaster.pid).
pg_pid_port() { sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null; }

# Is *our* cluster (the one in .local/pg/data) running, on whatever port?
pg_running() {
  [[ -f $PG_DATA/postmaster.pid ]] || return 1
  local pid
  pid=$(pg_pid) || return 1
  pid_alive "$pid" || return 1 # also catches a stale pid file after kill -9
  if pg_ctl_usable; then
    if as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then return 0; else return 1; fi
  fi
  return 0
}

# After a crash (kill -9) the dead postmaster can linger as a zombie until the
# container's init reaps it; PostgreSQL refuses to start while the pid in
# postmaster.pid still exists, so wait for it to go away first.
pg_wait_stale_pid() {
  local pid i
  pid=$(pg_pid) || return 0
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  die "the old PostgreSQL process $pid (from $PG_DATA/postmaster.pid) is dead but has not been reaped; PostgreSQL cannot start until it is gone"
}

pg_ready() {
  if [[ -n $PG_BIN ]] || have pg_isready; then
    pg_tool pg_isready -q -h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -t 2 >/dev/null 2>&1
  else
    port_in_use "$PG_PORT"
  fi
}

# Wait for pg_isready; returns 1 on timeout, 2 if the postmaster died.
wait_pg_ready() {
  local i
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    pg_ready && return 0
    # Give the postmaster a moment to write its pid file before deciding it died.
    if ((i >= 8)) && ! pg_running; then return 2; fi
    sleep 0.25
  done
  return 1
}

pg_init_if_needed() {
  local major
  major=$(pg_major)
  if [[ -f $PG_DATA/PG_VERSION ]]; then
    local have_major
    have_major=$(<"$PG_DATA/PG_VERSION")
    [[ $have_major == "$major" ]] ||
      die "$PG_DATA was created by PostgreSQL $have_major, but the server found is PostgreSQL $major ($PG_BIN). The data is throwaway: run 'scripts/services.sh reset' and then 'up'."
    return 0
  fi
  if [[ -e $PG_DATA ]]; then
    # No PG_VERSION: an interrupted initdb. It is ours and disposable.
    log "postgres: removing incomplete data dir $PG_DATA"
    rm -rf "$PG_DATA"
  fi
  log "postgres: initializing PostgreSQL $major cluster in ${PG_DATA#"$ROOT"/}"
  # trust auth + no password: a local throwaway cluster bound to 127.0.0.1.
  # --no-sync: nothing here needs to survive a power cut.
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U "$PG_SUPERUSER" \
    --encoding=UTF8 --locale=C --no-sync >"$PG_INITDB_LOG" 2>&1; then
    show_log_tail "$PG_INITDB_LOG"
    die "initdb failed; see $PG_INITDB_LOG"
  fi
  if [[ $EUID -eq 0 ]]; then chown "$PG_OWNER" "$PG_INITDB_LOG"; fi
}

pg_start() {
  # A unix socket path must fit in sun_path (~107 bytes). In a deeply nested
  # checkout, skip the socket: every client here uses TCP anyway.
  local sock_dir=$PG_SOCK_DIR
  local sock_path="$sock_dir/.s.PGSQL.$PG_PORT"
  if ((${#sock_path} > 100)); then
    log "postgres: path too long for a unix socket ($sock_path); TCP only"
    sock_dir=""
  elif [[ $sock_dir == *"'"* ]]; then
    log "postgres: socket dir contains a single quote; TCP only"
    sock_dir=""
  fi
  # pg_ctl runs the server through /bin/sh, so -o is shell text: quote the path.
  local opts="-c listen_addresses=$HOST -p $PG_PORT -k '$sock_dir'"
  # Test-box settings: durability off for speed, room for parallel test packages.
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  opts+=" -c max_connections=200 -c shared_buffers=128MB"

  # -W: don't let pg_ctl wait; we poll pg_isready ourselves for a clearer error.
  if ! as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -W -o "$opts" >/dev/null; then
    show_log_tail "$PG_LOG"
    die "pg_ctl start failed; see $PG_LOG"
  fi
  local rc=0
  wait_pg_ready || rc=$?
  case $rc in
    0) ;;
    2)
      show_log_tail "$PG_LOG"
      die "PostgreSQL exited during startup; see $PG_LOG"
      ;;
    *)
      show_log_tail "$PG_LOG"
      die "PostgreSQL did not become ready on $HOST:$PG_PORT within ${TIMEOUT}s; see $PG_LOG"
      ;;
  esac
  log "postgres: started on $HOST:$PG_PORT (PostgreSQL $(pg_major), pid $(pg_pid || echo '?'))"
}

pg_ensure_db() {
  local exists
  exists=$(pg_tool psql -X -q -h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -tA \
    -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ||
    die "could not query PostgreSQL on $HOST:$PG_PORT"
  if [[ $exists != 1 ]]; then
    pg_tool createdb -h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" "$PG_DB" ||
      die "could not create database $PG_DB"
    log "postgres: created database $PG_DB"
  fi
}

pg_stop() {
  local pid
  pid=$(pg_pid || true)
  if pg_ctl_usable; then
    # -m fast: roll back open transactions and disconnect clients, don't wait for them.
    as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t "$TIMEOUT" >/dev/null ||
      die "pg_ctl stop failed; see $PG_LOG"
  elif [[ -n $pid ]]; then
    kill -INT "$pid" 2>/dev/null || true # SIGINT = fast shutdown
    wait_pid_gone "$pid" || die "PostgreSQL (pid $pid) did not stop within ${TIMEOUT}s"
  fi
  log "postgres: stopped${pid:+ (pid $pid)}"
}

# Fail if PG_PORT is taken by anything but our own cluster.
pg_check_port() {
  if pg_running && [[ $(pg_pid_port) == "$PG_PORT" ]]; then return 0; fi
  if port_in_use "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process (not this repo's PostgreSQL). Stop it or choose a free port with CIVICQ_PG_PORT, e.g. 'CIVICQ_PG_PORT=$((PG_PORT + 1)) scripts/services.sh up'."
  fi
}

pg_up() { # (prepare_pg_dir has run)
  if pg_running; then
    local running_port
    running_port=$(pg_pid_port)
    if [[ $running_port == "$PG_PORT" ]]; then
      local rc=0
      wait_pg_ready || rc=$?
      case $rc in
        0)
          log "postgres: reused (already running on $HOST:$PG_PORT, pid $(pg_pid || echo '?'))"
          pg_ensure_db
          return 0
          ;;
        2) log "postgres: the previous server exited; starting a new one" ;;
        *) die "our PostgreSQL (pid $(pg_pid || echo '?')) is running but not accepting connections on $HOST:$PG_PORT; see $PG_LOG, or run 'scripts/services.sh down' and retry" ;;
      esac
    else
      log "postgres: running on port $running_port but CIVICQ_PG_PORT=$PG_PORT; restarting"
      pg_stop
    fi
  fi
  pg_check_port
  pg_wait_stale_pid
  pg_init_if_needed
  pg_start
  pg_ensure_db
}

pg_down() {
  if pg_running; then pg_stop; else log "postgres: not running"; fi
}

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------

redis_cli() { maybe_timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" "$@" 2>/dev/null; }
redis_pong() { have redis-cli && [[ $(redis_cli ping || true) == PONG ]]; }

# Is the Redis answering on REDIS_PORT ours? Ours is the one whose working dir
# is .local/redis (works even if the pid file was deleted).
redis_is_ours() {
  local out
  out=$(redis_cli config get dir) || return 1
  [[ $(printf '%s\n' "$out" | sed -n 2p) == "$REDIS_DIR" ]]
}

# Pid of our redis from the pid file, if that process is alive and is redis.
redis_pidfile_pid() {
  local pid comm=""
  [[ -s $REDIS_PID ]] || return 1
  pid=$(<"$REDIS_PID")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  # Guard against a recycled pid belonging to something else.
  if [[ -r /proc/$pid/comm ]]; then
    comm=$(<"/proc/$pid/comm")
  elif have ps; then
    comm=$(ps -p "$pid" -o comm= 2>/dev/null || true)
  else
    comm=redis # cannot check; trust the pid file
  fi
  [[ $comm == *redis* ]] || return 1
  printf '%s' "$pid"
}

redis_stop_pid() { # PID
  kill -TERM "$1" 2>/dev/null || true # SIGTERM: clean shutdown (no RDB: save is off)
  wait_pid_gone "$1" || die "Redis (pid $1) did not stop within ${TIMEOUT}s"
}

# Fail if REDIS_PORT is taken by anything but our own Redis.
redis_check_port() {
  local hint="Stop it or choose a free port with CIVICQ_REDIS_PORT, e.g. 'CIVICQ_REDIS_PORT=$((REDIS_PORT + 1)) scripts/services.sh up'."
  if redis_pong; then
    redis_is_ours || die "port $REDIS_PORT is used by another Redis (not this repo's). $hint"
  elif port_in_use "$REDIS_PORT"; then
    die "port $REDIS_PORT is already in use by another process (not this repo's Redis). $hint"
  fi
}

redis_up() {
  mkdir -p "$REDIS_DIR"
  redis_check_port
  if redis_pong; then # and, per the check above, ours
    log "redis: reused (already running on $HOST:$REDIS_PORT, pid $(redis_pidfile_pid || echo '?'))"
    return 0
  fi
  local pid
  if pid=$(redis_pidfile_pid); then
    log "redis: our server (pid $pid) is not answering on port $REDIS_PORT (CIVICQ_REDIS_PORT changed?); restarting"
    redis_stop_pid "$pid"
  fi
  rm -f "$REDIS_PID"
  # No persistence (--save "", no AOF): test data is disposable and writing
  # snapshots would only slow things down.
  redis-server --port "$REDIS_PORT" --bind "$HOST" --save "" --appendonly no \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
    >&2 9>&- || {
    show_log_tail "$REDIS_LOG"
    die "redis-server failed to start; see $REDIS_LOG"
  }
  local i
  for ((i = 0; i < TIMEOUT * 4; i++)); do
    if redis_pong; then
      log "redis: started on $HOST:$REDIS_PORT (pid $(redis_pidfile_pid || echo '?'))"
      return 0
    fi
    sleep 0.25
  done
  show_log_tail "$REDIS_LOG"
  die "Redis did not answer PING on $HOST:$REDIS_PORT within ${TIMEOUT}s; see $REDIS_LOG"
}

redis_down() {
  local pid
  pid=$(redis_pidfile_pid || true)
  if redis_pong && redis_is_ours; then
    redis_cli shutdown nosave >/dev/null || true
    local i
    for ((i = 0; i < TIMEOUT * 4; i++)); do
      redis_pong || break
      sleep 0.25
    done
    redis_pong && die "Redis on $HOST:$REDIS_PORT did not shut down"
    if [[ -n $pid ]]; then wait_pid_gone "$pid" || die "Redis (pid $pid) did not exit"; fi
  elif [[ -n $pid ]]; then
    # Ours, but on another port (CIVICQ_REDIS_PORT changed since `up`).
    redis_stop_pid "$pid"
  else
    log "redis: not running"
    return 0
  fi
  rm -f "$REDIS_PID"
  log "redis: stopped${pid:+ (pid $pid)}"
}

# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------

cmd_up() {
  take_lock
  ensure_installed
  # Binaries found but the data dir may predate them: re-pick with its version.
  find_pg_bin || die "no PostgreSQL server binaries found"
  setup_pg_user create
  prepare_pg_dir
  # Check both ports before starting or restarting anything, so a conflict
  # leaves no half-started state behind.
  pg_check_port
  redis_check_port
  pg_up
  redis_up
  print_env
}

cmd_down() {
  take_lock
  find_pg_bin || true # not installed: pg_stop falls back to signals
  setup_pg_user
  pg_down
  redis_down
}

cmd_reset() {
  cmd_down
  rm -rf "$PG_DIR" "$PG_LINK" "$REDIS_DIR"
  log "reset: deleted ${PG_DIR#"$ROOT"/} and ${REDIS_DIR#"$ROOT"/}"
}

cmd_status() {
  local not_running=0 state pid port
  find_pg_bin || true
  setup_pg_user

  if [[ -d $PG_DATA && ! -x $PG_DATA ]]; then
    state="unknown: $PG_DATA belongs to '$(owner_of "$PG_DATA")'; run status as that user or root"
    not_running=1
  elif pg_running; then
    pid=$(pg_pid || echo '?')
    port=$(pg_pid_port)
    if [[ $port != "$PG_PORT" ]]; then
      state="running on port $port, not CIVICQ_PG_PORT=$PG_PORT (pid $pid; 'up' restarts it)"
      not_running=1
    elif pg_ready; then
      state="running (pid $pid)"
    else
      state="running but not accepting connections (pid $pid; see $PG_LOG)"
      not_running=1
    fi
  elif [[ -z $PG_BIN ]]; then
    state="not installed"
    not_running=1
  elif port_in_use "$PG_PORT"; then
    state="stopped (port $PG_PORT is used by another process; set CIVICQ_PG_PORT)"
    not_running=1
  else
    state="stopped"
    not_running=1
  fi
  printf 'postgres: %s  %s\n' "$state" "$(pg_url)"

  if ! have redis-server; then
    state="not installed"
    not_running=1
  elif redis_pong; then
    if redis_is_ours; then
      state="running (pid $(redis_pidfile_pid || echo '?'))"
    else
      state="port $REDIS_PORT is used by another Redis; set CIVICQ_REDIS_PORT"
      not_running=1
    fi
  elif pid=$(redis_pidfile_pid); then
    state="running (pid $pid) but not answering on port $REDIS_PORT ('up' restarts it)"
    not_running=1
  elif port_in_use "$REDIS_PORT"; then
    state="stopped (port $REDIS_PORT is used by another process; set CIVICQ_REDIS_PORT)"
    not_running=1
  else
    state="stopped"
    not_running=1
  fi
  printf 'redis:    %s  %s\n' "$state" "$(redis_url)"

  # LSB convention: 3 = not running, so `status` can gate CI steps.
  if ((not_running)); then return 3; fi
  return 0
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"
}

main() {
  local cmd=${1:-up}
  case $cmd in
    -h | --help | help)
      usage
      return 0
      ;;
  esac
  validate_config
  case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) print_env ;;
    reset) cmd_reset ;;
    *)
      usage >&2
      die "unknown subcommand '$cmd' (expected up, down, status, env or reset)"
      ;;
  esac
}

main "$@"
