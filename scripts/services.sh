# Start and stop throwaway Redis and PostgreSQL servers on loopback (sourced by the scripts).

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_redis() {  # $1: run directory; sets REDIS_URL_STARTED
  local port; port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --dir "$1" --daemonize yes --pidfile "$1/redis.pid" --logfile "$1/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL_STARTED="redis://127.0.0.1:$port/0"
}

start_postgres() {  # $1: run directory; sets POSTGRES_URL_STARTED
  local bin port user
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  port=$(free_port)
  user=$(id -un)
  mkdir -p "$1/pg"
  # UTF-8 whatever the locale of the shell (none set: initdb would make a SQL_ASCII cluster)
  local init=(-D "$1/pg/data" -A trust -E UTF8 --locale=C.UTF-8)
  if [ "$(id -u)" -eq 0 ]; then  # PostgreSQL refuses to run as root: use the postgres user
    chown postgres "$1" "$1/pg"; user=postgres
    # from /: postgres may not enter the directory the script was started from
    (cd / && runuser -u postgres -- "$bin/initdb" "${init[@]}" -U postgres >/dev/null)
    (cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$1/pg/data" -l "$1/pg/log" -w \
      -o "-h 127.0.0.1 -p $port -k $1/pg" start >/dev/null)
  else
    "$bin/initdb" "${init[@]}" -U "$user" >/dev/null
    "$bin/pg_ctl" -D "$1/pg/data" -l "$1/pg/log" -w -o "-h 127.0.0.1 -p $port -k $1/pg" start >/dev/null
  fi
  POSTGRES_URL_STARTED="postgresql+psycopg://$user@127.0.0.1:$port/postgres"
}

stop_services() {  # $1: run directory
  [ -f "$1/redis.pid" ] && kill "$(cat "$1/redis.pid")" 2>/dev/null || true
  if [ -d "$1/pg/data" ]; then
    local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [ "$(id -u)" -eq 0 ]; then
      (cd / && runuser -u postgres -- "$bin/pg_ctl" -D "$1/pg/data" -m fast -w stop) \
        >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$1/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
  fi
}
