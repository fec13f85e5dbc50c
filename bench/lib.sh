# Shared by bench/run and bench/soak (sourced, not run): logging, packages, the JDK, ports, the jar and a
# throwaway PostgreSQL. Callers set ROOT, OUT (results directory) and T (scratch directory) first.

say() { printf '[%s %s] %s\n' "${BENCH_NAME:-bench}" "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Raises this shell's open-files limit as far as it may go (children inherit it); warns below $1.
raise_fd_limit() {
  ulimit -Hn 65536 2>/dev/null || true
  ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  # (Without CAP_SYS_RESOURCE the hard limit cannot be raised; each process needs only its own share.)
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$1" ]; then
    say "warning: open files limit is $(ulimit -n), lower than the $1 this run wants"
  fi
}

PGBIN=""
find_pgbin() {
  local d
  PGBIN=""
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pgbench" ] && [ -x "$d/pg_ctl" ]; then PGBIN=$d; return 0; fi
  done
  return 1
}

# Installs what is missing with apt-get: PostgreSQL (server, pgbench), curl, python3, and the packages named.
ensure_packages() {
  local need=() p
  for p in "$@"; do command -v "$p" >/dev/null 2>&1 || need+=("$p"); done
  find_pgbin || need+=(postgresql postgresql-contrib)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq "${need[@]}" >"$OUT/apt.log" 2>&1; then
      apt-get update -qq >>"$OUT/apt.log" 2>&1 || true
      apt-get install -y -qq "${need[@]}" >>"$OUT/apt.log" 2>&1 || die "apt-get install ${need[*]} failed; see $OUT/apt.log"
    fi
    find_pgbin || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin after installing"
  fi
  id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (it comes with the postgresql package)"
}

# Runs a command as the postgres OS user without PAM (so it keeps this shell's raised limits).
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

# Picks a JDK >= 21 the way ./gateway does; sets JAVA_HOME, JAVA_MAJOR and JVM_EXTRA (flags the JDK needs).
pick_bench_jdk() {
  eval "$(sed -n -e '/^java_major()/p' -e '/^pick_jdk()/,/^}/p' "$ROOT/gateway")"
  declare -F pick_jdk >/dev/null || die "could not read pick_jdk from ./gateway"
  pick_jdk
  export PATH="$JAVA_HOME/bin:$PATH"
  JAVA_MAJOR=$(java_major "$JAVA_HOME")
  JVM_EXTRA="${BENCH_JVM_OPTS:-}"
  if [ "$JAVA_MAJOR" -ge 23 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
    JVM_EXTRA="$JVM_EXTRA --sun-misc-unsafe-memory-access=allow"
  fi
}

stop_pid() { # pid signal seconds
  local pid=$1 sig=$2 secs=$3 i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  say "pid $pid did not stop on SIG$sig within ${secs}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

USED_PORTS=" "
free_port() { # a loopback port that is free now and was not handed out before
  local p
  while :; do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    case "$USED_PORTS" in *" $p "*) ;; *) USED_PORTS="$USED_PORTS$p "; echo "$p"; return 0 ;; esac
  done
}
# (called in the main shell, not in $(...), so USED_PORTS is kept)
next_port() { free_port >"$T/port"; read -r "$1" <"$T/port"; }

# Builds the gateway jar (or takes BENCH_JAR) into $T/gateway.jar; sets JAR_FROM.
build_jar() {
  if [ -n "${BENCH_JAR:-}" ]; then
    [ -f "$BENCH_JAR" ] || die "BENCH_JAR=$BENCH_JAR does not exist"
    cp "$BENCH_JAR" "$T/gateway.jar"; JAR_FROM="$BENCH_JAR (given)"
    return
  fi
  say "building the jar (mvn -B -q -DskipTests package, JDK $JAVA_MAJOR at $JAVA_HOME)"
  if (cd "$ROOT" && mvn -B -q -DskipTests package) >"$OUT/build.log" 2>&1; then
    JAR_FROM="working tree"
  else
    # Colleagues may be mid-edit; fall back to the committed code rather than giving up.
    say "build of the working tree failed (see $OUT/build.log); building the committed HEAD instead"
    mkdir -p "$T/src"
    (cd "$ROOT" && git archive HEAD) | tar -x -C "$T/src"
    (cd "$T/src" && mvn -B -q -DskipTests package) >>"$OUT/build.log" 2>&1 || die "build failed; see $OUT/build.log"
    JAR_FROM="committed HEAD (working tree did not build)"
  fi
  # A private copy, so a colleague's rebuild cannot change the jar under the running JVM.
  local src_jar=$ROOT/admin-http/target/stonescriptdb-gateway-0.1.0.jar
  [ "$JAR_FROM" = "working tree" ] || src_jar=$T/src/admin-http/target/stonescriptdb-gateway-0.1.0.jar
  cp "$src_jar" "$T/gateway.jar"
}

# A throwaway PostgreSQL in $T/pg on 127.0.0.1:$PG_PORT (trust, no fsync); sets PG_STARTED=1. Each argument
# is one more postgresql.conf line.
start_postgres() {
  say "initdb + start PostgreSQL on 127.0.0.1:$PG_PORT"
  as_pg "$PGBIN/initdb" -D "$T/pg/data" -U postgres -A trust -E UTF8 --no-sync >"$T/pg/initdb.log" 2>&1 || { cat "$T/pg/initdb.log" >&2; die "initdb failed"; }
  cat >>"$T/pg/data/postgresql.conf" <<EOC
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$T/pg'
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOC
  local line
  for line in "$@"; do echo "$line" >>"$T/pg/data/postgresql.conf"; done
  as_pg "$PGBIN/pg_ctl" -D "$T/pg/data" -l "$T/pg/postgres.log" -w -t 60 start >/dev/null || { tail -20 "$T/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
  PG_STARTED=1
}

stop_postgres() {
  [ "${PG_STARTED:-0}" = 1 ] || return 0
  as_pg "$PGBIN/pg_ctl" -D "$T/pg/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
    local pm; pm=$(head -1 "$T/pg/data/postmaster.pid" 2>/dev/null); [ -n "$pm" ] && stop_pid "$pm" QUIT 10; }
  PG_STARTED=0
}
