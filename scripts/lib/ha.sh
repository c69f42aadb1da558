# shellcheck shell=bash
# The replicated database behind `scripts/cluster N --ha`: 3 etcd members, 3 PostgreSQL 15
# nodes under Patroni (one leader, two replicas, one of them synchronous) and the HAProxy
# sections that route to them. Sourced by scripts/cluster after common.sh; every function
# works on the globals ha_init sets. Failover itself is Patroni's; nothing here decides it.
#
# Ports, from HA_BASE_PORT up (14 in all):
#   etcd member i:      client HA_BASE_PORT+2(i-1), peer HA_BASE_PORT+2(i-1)+1   (i = 1..3)
#   Patroni REST of i:  HA_BASE_PORT+6+(i-1)
#   PostgreSQL of i:    HA_BASE_PORT+9+(i-1)
#   HAProxy write port: HA_BASE_PORT+12 (the node whose Patroni answers GET /primary 200)
#   HAProxy read port:  HA_BASE_PORT+13 (nodes answering GET /replica?lag=... 200)

HA_SCOPE=ecommerce
HA_PATRONI_BIN=/usr/bin/patroni
HA_PG_BIN=/usr/lib/postgresql/15/bin
# A replica further behind than this many bytes of WAL leaves the read port. The service
# also measures the replay lag in time and stops reading from a replica 5 s behind; the
# byte bound only takes a badly lagging node out of HAProxy early.
HA_READ_MAX_LAG_BYTES=${HA_READ_MAX_LAG_BYTES:-16777216}

# Debian 12's engines; only `scripts/cluster N --ha` needs them, so they are installed on its
# first use (as ensure_packages does for the rest), not by every script.
ensure_ha_packages() {
  local -a saved=("${ECOMMERCE_PACKAGES[@]}")
  ECOMMERCE_PACKAGES=(patroni etcd-server etcd-client haproxy postgresql-15)
  ensure_packages
  ECOMMERCE_PACKAGES=("${saved[@]}")
}

# ha_init <cluster_dir> <base_port>: sets the globals; creates nothing.
ha_init() {
  ha_cluster_dir="$1"
  ha_base=$2
  ha_write_port=$((ha_base + 12))
  ha_read_port=$((ha_base + 13))
  # The PostgreSQL data must be reachable by the postgres user (the server refuses root);
  # a CLUSTER_DIR inside a 0700 directory (pytest's tmp_path) is not, so then the data
  # lives in /var/tmp, named after the cluster directory.
  ha_data="${HA_DATA_DIR:-$ha_cluster_dir/ha}"
  if [[ -z ${HA_DATA_DIR:-} ]] && ! (cd / && runuser -u postgres -- test -x "$ha_cluster_dir"); then
    ha_data="/var/tmp/ecommerce-ha-$(printf '%s' "$ha_cluster_dir" | sha256sum | cut -c1-12)"
  fi
  ha_archive="$ha_data/wal-archive"
  declare -ga ha_patroni_pids=() ha_etcd_pids=() ha_dead_since=() ha_etcd_dead_since=()
}

ha_etcd_client_port() { echo $((ha_base + 2 * ($1 - 1))); }
ha_etcd_peer_port() { echo $((ha_base + 2 * ($1 - 1) + 1)); }
ha_rest_port() { echo $((ha_base + 6 + $1 - 1)); }
ha_pg_port() { echo $((ha_base + 9 + $1 - 1)); }
ha_rest_url() { echo "http://127.0.0.1:$(ha_rest_port "$1")"; }
ha_node_data() { echo "$ha_data/pg$1/data"; }

ha_etcd_hosts() {
  local i out=""
  for ((i = 1; i <= 3; i++)); do out+="${out:+,}127.0.0.1:$(ha_etcd_client_port "$i")"; done
  echo "$out"
}

# ha_db_url <port> <database>: the trust-authenticated superuser over TCP on loopback.
ha_db_url() { echo "postgresql://postgres@127.0.0.1:$1/$2"; }

_ha_as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# ha_prepare: the directories and the configuration files (rewritten on every start, so a
# change here reaches an existing cluster; the DCS settings only apply at bootstrap).
ha_prepare() {
  local i
  mkdir -p "$ha_data" || return
  chown postgres:postgres "$ha_data" && chmod 0700 "$ha_data" || return
  _ha_as_postgres mkdir -p "$ha_archive" || return
  for ((i = 1; i <= 3; i++)); do
    mkdir -p "$ha_data/etcd$i" && chmod 0700 "$ha_data/etcd$i" || return
    _ha_as_postgres mkdir -p "$ha_data/pg$i" || return
    _ha_write_patroni_config "$i" || return
  done
}

# Patroni's settings (docs/operations.md says what each buys):
# - ttl 10: a dead leader's key expires 10 s after its last renewal, the bound on how long
#   writes stop; loop_wait 2: each node looks at the cluster every 2 s, so a replica takes
#   the expired key within about 2 s more; retry_timeout 4: a leader that cannot reach etcd
#   for 4 s demotes itself, well before its key (10 s) could be taken by another node, so two
#   nodes never accept writes at once.
# - synchronous_mode with synchronous_node_count 1: every commit waits for one standby, and
#   Patroni only promotes that standby, so an acknowledged commit survives the leader's loss;
#   not strict, so with no standby left the leader goes on alone rather than stop writing.
# - use_pg_rewind: a failed leader that comes back rewinds its diverged WAL and follows.
# - archive_mode with a shared archive: the base backups of scripts/backup replay from it.
_ha_write_patroni_config() {
  local i="$1" dir="$ha_data/pg$1"
  _ha_as_postgres tee "$dir/patroni.yml" >/dev/null <<EOF
# Written by scripts/cluster --ha on every start; edits are overwritten.
scope: $HA_SCOPE
name: pg$i
log:
  level: WARNING
restapi:
  listen: 127.0.0.1:$(ha_rest_port "$i")
  connect_address: 127.0.0.1:$(ha_rest_port "$i")
etcd3:
  hosts: $(ha_etcd_hosts)
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 4
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 256MB
        hot_standby_feedback: "on"
        archive_mode: "on"
        archive_command: "test ! -f $ha_archive/%f && cp %p $ha_archive/%f"
        archive_timeout: 60
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth: trust
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:$(ha_pg_port "$i")
  connect_address: 127.0.0.1:$(ha_pg_port "$i")
  data_dir: $dir/data
  bin_dir: $HA_PG_BIN
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: "$dir"
    shared_buffers: 128MB
    fsync: "on"
    synchronous_commit: "on"
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
EOF
}

# ha_start_etcd <i> <state: new|existing>: member i in the background (own process group).
ha_start_etcd() {
  local i="$1" cluster="" j
  for ((j = 1; j <= 3; j++)); do
    cluster+="${cluster:+,}etcd$j=http://127.0.0.1:$(ha_etcd_peer_port "$j")"
  done
  set -m
  etcd --name "etcd$i" --data-dir "$ha_data/etcd$i" \
    --listen-client-urls "http://127.0.0.1:$(ha_etcd_client_port "$i")" \
    --advertise-client-urls "http://127.0.0.1:$(ha_etcd_client_port "$i")" \
    --listen-peer-urls "http://127.0.0.1:$(ha_etcd_peer_port "$i")" \
    --initial-advertise-peer-urls "http://127.0.0.1:$(ha_etcd_peer_port "$i")" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --initial-cluster-token "$HA_SCOPE-$ha_base" \
    --heartbeat-interval 100 --election-timeout 1000 \
    --log-level warn >>"$ha_cluster_dir/etcd$i.log" 2>&1 &
  ha_etcd_pids[i]=$!
  set +m
}

# ha_start_patroni <i>: node i's Patroni (as postgres; it starts and watches PostgreSQL).
ha_start_patroni() {
  local i="$1"
  set -m
  # setpriv execs, so the pid is Patroni's own (runuser would stay in between). From /: the
  # checkout may be in a directory the postgres user cannot enter (CI's `mktemp -d`), and
  # Patroni's worker processes change back to the directory they were started in.
  local config
  config="$(readlink -f "$ha_data/pg$i/patroni.yml")"
  (cd / && HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres \
    --init-groups "$HA_PATRONI_BIN" "$config") \
    >>"$ha_cluster_dir/patroni-pg$i.log" 2>&1 &
  ha_patroni_pids[i]=$!
  set +m
  ha_dead_since[i]=""
}

# ha_rest_status <i> <path>: the HTTP status node i's Patroni answers (000 if none).
ha_rest_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$(ha_rest_url "$1")$2" 2>/dev/null || true
}

# ha_leader: prints the node number whose Patroni answers /primary, or nothing.
ha_leader() {
  local i
  for ((i = 1; i <= 3; i++)); do
    [[ -n ${ha_patroni_pids[i]:-} && $(ha_rest_status "$i" /primary) == 200 ]] && {
      echo "$i"
      return 0
    }
  done
  return 0
}

# ha_wait <seconds> <what> <command...>: until the command succeeds.
ha_wait() {
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@"; do
    ((SECONDS < deadline)) || {
      warn "$what: not within the time allowed"
      return 1
    }
    sleep 0.2
  done
}

_ha_etcd_healthy() {
  ETCDCTL_API=3 etcdctl --endpoints "$(ha_etcd_hosts)" --dial-timeout 1s --command-timeout 2s \
    endpoint health >/dev/null 2>&1
}
_ha_has_leader() { [[ -n $(ha_leader) ]]; }
_ha_replicas_streaming() {
  local i count=0
  for ((i = 1; i <= 3; i++)); do
    [[ $(ha_rest_status "$i" "/replica") == 200 ]] && count=$((count + 1))
  done
  ((count == 2))
}
_ha_has_sync_standby() {
  curl -fsS --max-time 1 "$(ha_rest_url "$(ha_leader)")/cluster" 2>/dev/null | grep -q '"sync_standby"'
}

# ha_start_all: etcd, then Patroni on every node; returns once a leader accepts writes, both
# replicas stream and one is synchronous.
ha_start_all() {
  local i
  log "starting etcd (3 members on ports $(ha_etcd_hosts))"
  for ((i = 1; i <= 3; i++)); do ha_start_etcd "$i"; done
  ha_wait 30 "etcd healthy" _ha_etcd_healthy || return 1
  # The first node bootstraps alone when there is no data yet, so it is the one that runs
  # initdb; the others then clone it (pg_basebackup) instead of racing for the initialise key.
  log "starting PostgreSQL 15 under Patroni (3 nodes, data in $ha_data)"
  ha_start_patroni 1
  if [[ ! -f $(ha_node_data 1)/PG_VERSION ]]; then
    ha_wait 90 "Patroni bootstraps a leader" _ha_has_leader || return 1
  fi
  ha_start_patroni 2
  ha_start_patroni 3
  ha_wait 90 "a leader" _ha_has_leader || return 1
  ha_wait 120 "both replicas streaming" _ha_replicas_streaming || return 1
  ha_wait 30 "a synchronous standby" _ha_has_sync_standby || return 1
}

# ha_pids: every live etcd and Patroni pid, one a line.
ha_pids() {
  local pid
  for pid in "${ha_patroni_pids[@]}" "${ha_etcd_pids[@]}"; do
    [[ -n $pid ]] && printf '%s\n' "$pid"
  done
  return 0
}

# ha_stop_all: Patroni nodes first (each stops its PostgreSQL; replicas before the leader so
# no replica takes over while the leader stops), then etcd.
# _ha_stop_pids <pid...>: SIGTERM, then SIGKILL whatever is still there after 20 s (a
# Patroni whose workers failed to start ignores SIGTERM), and reap them.
_ha_stop_pids() {
  local pid waited=0
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && ((waited < 40)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  return 0
}

ha_stop_all() {
  local i leader
  local -a replicas=() etcd=()
  leader="$(ha_leader)"
  for ((i = 1; i <= 3; i++)); do
    [[ $i == "$leader" || -z ${ha_patroni_pids[i]:-} ]] || replicas+=("${ha_patroni_pids[i]}")
  done
  _ha_stop_pids "${replicas[@]}"
  if [[ -n $leader && -n ${ha_patroni_pids[leader]:-} ]]; then
    _ha_stop_pids "${ha_patroni_pids[leader]}"
  fi
  for ((i = 1; i <= 3; i++)); do ha_patroni_pids[i]=""; done
  # A postmaster whose Patroni was SIGKILLed is nobody's child: stop it too.
  for ((i = 1; i <= 3; i++)); do
    if [[ -f $(ha_node_data "$i")/postmaster.pid ]]; then
      _ha_as_postgres "$HA_PG_BIN/pg_ctl" stop -s -w -t 30 -m fast -D "$(ha_node_data "$i")" >/dev/null 2>&1
    fi
  done
  for ((i = 1; i <= 3; i++)); do
    [[ -n ${ha_etcd_pids[i]:-} ]] && etcd+=("${ha_etcd_pids[i]}")
    ha_etcd_pids[i]=""
  done
  _ha_stop_pids "${etcd[@]}"
  return 0
}

# ha_haproxy_sections: the two database listeners of haproxy.cfg. A node that stops being
# the leader fails the write check within about 1 s and its sessions are cut
# (on-marked-down shutdown-sessions), so the service reconnects, through the same port, to
# the new leader instead of writing into a replica.
ha_haproxy_sections() {
  local i
  cat <<EOF

listen db_write
  bind 127.0.0.1:$ha_write_port
  mode tcp
  option tcplog
  timeout client 30m
  timeout server 30m
  option tcpka
  option httpchk GET /primary
  http-check expect status 200
  # After one failed check the next comes 100 ms later (fastinter): a demoted leader is out
  # within about 0.6 s, while one slow answer alone does not cut every session.
  default-server inter 500ms fastinter 100ms fall 2 rise 1 on-marked-down shutdown-sessions
EOF
  for ((i = 1; i <= 3; i++)); do
    printf '  server pg%d 127.0.0.1:%d check port %d\n' "$i" "$(ha_pg_port "$i")" "$(ha_rest_port "$i")"
  done
  cat <<EOF

listen db_read
  bind 127.0.0.1:$ha_read_port
  mode tcp
  option tcplog
  timeout client 30m
  timeout server 30m
  option tcpka
  # All connections of one client address to one replica: the service's lag probe then
  # measures the node its reads go to (src/platform/db/read_replica.hpp).
  balance source
  hash-type consistent
  option httpchk GET /replica?lag=$HA_READ_MAX_LAG_BYTES
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
EOF
  for ((i = 1; i <= 3; i++)); do
    printf '  server pg%d 127.0.0.1:%d check port %d\n' "$i" "$(ha_pg_port "$i")" "$(ha_rest_port "$i")"
  done
}

# ha_json_fields: the "postgres" and "etcd" members of cluster.json (with a leading comma).
ha_json_fields() {
  local i sep=""
  printf ',\n "postgres": ['
  for ((i = 1; i <= 3; i++)); do
    printf '%s{"name": "pg%d", "patroni_url": "%s", "pg_port": %d, "data_dir": "%s", "patroni_pid": %s}' \
      "$sep" "$i" "$(ha_rest_url "$i")" "$(ha_pg_port "$i")" "$(ha_node_data "$i")" "${ha_patroni_pids[i]:-null}"
    sep=", "
  done
  printf '],\n "patroni_configs": ['
  sep=""
  for ((i = 1; i <= 3; i++)); do
    printf '%s"%s"' "$sep" "$ha_data/pg$i/patroni.yml"
    sep=", "
  done
  printf '],\n "wal_archive": "%s",\n "etcd": [' "$ha_archive"
  sep=""
  for ((i = 1; i <= 3; i++)); do
    printf '%s"http://127.0.0.1:%d"' "$sep" "$(ha_etcd_client_port "$i")"
    sep=", "
  done
  printf ']'
}

# ha_note_exit <exited pid>: true when the pid was one of ours. A dead etcd member comes back
# 2 s later; a dead Patroni node once another node leads (its own stale leader key must have
# expired first, or it would take its old role back) and HA_NODE_RESTART_DELAY seconds
# (default 10) have passed, so a failover is seen as one. It then rejoins as a replica,
# rewinding its diverged WAL with pg_rewind if it was the leader.
ha_note_exit() {
  local pid="$1" i
  for ((i = 1; i <= 3; i++)); do
    if [[ ${ha_etcd_pids[i]:-} == "$pid" ]]; then
      warn "etcd member $i exited; starting it again in 2 s (log: $ha_cluster_dir/etcd$i.log)"
      ha_etcd_pids[i]=""
      ha_etcd_dead_since[i]=$SECONDS
      return 0
    fi
    if [[ ${ha_patroni_pids[i]:-} == "$pid" ]]; then
      warn "Patroni of pg$i exited; it is started again once another node leads"
      ha_patroni_pids[i]=""
      ha_dead_since[i]=$SECONDS
      return 0
    fi
  done
  return 1
}

# ha_restart_due: restarts the dead nodes whose time has come; true when it started one.
ha_restart_due() {
  local i started=1 leader
  for ((i = 1; i <= 3; i++)); do
    [[ -n ${ha_etcd_dead_since[i]:-} ]] || continue
    ((SECONDS - ha_etcd_dead_since[i] >= 2)) || continue
    ha_etcd_dead_since[i]=""
    ha_start_etcd "$i"
    started=0
  done
  for ((i = 1; i <= 3; i++)); do
    [[ -n ${ha_dead_since[i]:-} ]] || continue
    ((SECONDS - ha_dead_since[i] >= ${HA_NODE_RESTART_DELAY:-10})) || continue
    leader="$(ha_leader)"
    [[ -n $leader && $leader != "$i" ]] || continue
    # Its postmaster may still run (only Patroni died): Patroni adopts a running one.
    log "pg$i: starting Patroni again (leader is pg$leader)"
    ha_start_patroni "$i"
    started=0
  done
  return $started
}
