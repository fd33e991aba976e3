# Start and stop throwaway Redis, PostgreSQL, Dovecot (IMAP) and S3 (moto) servers on loopback (sourced by the scripts).

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

start_s3() {  # $1: run directory; sets S3_ENDPOINT_STARTED (moto's server: a real S3 HTTP API)
  local port; port=$(free_port)
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$1/s3.log" 2>&1 &
  echo $! > "$1/s3.pid"
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  S3_ENDPOINT_STARTED="http://127.0.0.1:$port"
}

stop_services() {  # $1: run directory
  [ -f "$1/s3.pid" ] && kill "$(cat "$1/s3.pid")" 2>/dev/null || true
  [ -f "$1/dovecot/dovecot.conf" ] && doveadm -c "$1/dovecot/dovecot.conf" stop 2>/dev/null || true
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

start_dovecot() {  # $1: run directory; sets DOVECOT_IMAP_PORT, DOVECOT_IMAPS_PORT, DOVECOT_CA
  # A throwaway Dovecot on loopback: its own configuration (not /etc/dovecot), a passwd-file
  # user "custid" (password "secret"), Maildirs under $1/dovecot/mail, a self-signed certificate.
  local dir="$1/dovecot"
  mkdir -p "$dir/run" "$dir/mail"
  chmod o+x "$1"  # the dovecot user reaches its Maildirs through the run directory
  DOVECOT_IMAP_PORT=$(free_port); DOVECOT_IMAPS_PORT=$(free_port)
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
  echo 'custid:{PLAIN}secret::::::' > "$dir/users"
  chown -R dovecot:dovecot "$dir/mail"
  local address=address
  if dovecot --version | grep -q '^2\.3'; then  # Debian 12's Dovecot
    cat > "$dir/dovecot.conf" <<CONF
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = $dir/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$dir/mail/%u
}
CONF
  else  # 2.4 (Debian 13) renamed these settings and wants its version first
    address=listen
    cat > "$dir/dovecot.conf" <<CONF
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
ssl_server_cert_file = $dir/cert.pem
ssl_server_key_file = $dir/key.pem
mail_driver = maildir
mail_home = $dir/mail/%{user}
mail_path = $dir/mail/%{user}
mail_uid = dovecot
mail_gid = dovecot
passdb passwd-file {
  passwd_file_path = $dir/users
}
userdb static {
}
CONF
  fi
  cat >> "$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/run
log_path = $dir/log
protocols = imap
listen = 127.0.0.1
ssl = yes
auth_mechanisms = plain
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    $address = 127.0.0.1
    port = $DOVECOT_IMAP_PORT
  }
  inet_listener imaps {
    $address = 127.0.0.1
    port = $DOVECOT_IMAPS_PORT
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
  dovecot -c "$dir/dovecot.conf"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$DOVECOT_IMAPS_PORT") 2>/dev/null && break; sleep 0.1
  done
  DOVECOT_CA="$dir/cert.pem"
}
