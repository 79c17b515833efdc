#!/bin/sh
# The container's entrypoint, with the official redis image's conventions so the same
# `command:`/`args:` lines work:
#   docker run carmine                              -> redis-server (protected mode off)
#   docker run carmine --save 60 1 --appendonly yes -> redis-server --save 60 1 ...
#   docker run carmine /usr/local/etc/redis/redis.conf
#   docker run carmine redis-sentinel /etc/sentinel.conf
#   docker run carmine redis-cli -h host ping       -> any other command runs as given
# Started as root, it hands /data to the redis user and drops to it.
#
# Beyond the redis image: REDIS_PASSWORD, or REDIS_PASSWORD_FILE (a mounted secret), turns
# authentication on without writing the password into a config file: a server gets
# --requirepass and --masterauth (unless its config sets requirepass), a Sentinel an auth-pass
# line for each master it monitors. CARMINE_DATA moves /data; CARMINE_USER names the user to
# drop to (empty: stay; the local launcher runs services as its caller).
set -e
data="${CARMINE_DATA:-/data}"

case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac

case "$1" in
  redis-server|redis-sentinel|carmine-server|carmine-sentinel) ;;
  *) exec "$@" ;;
esac

user="${CARMINE_USER-redis}"
if [ "$(id -u)" = 0 ] && [ -n "$user" ] && [ "$user" != root ]; then
  find "$data" \! -user "$user" -exec chown "$user:$user" '{}' + 2>/dev/null || true
  exec setpriv --reuid="$user" --regid="$user" --init-groups "$0" "$@"
fi

# Files the server creates (snapshots, AOF) are private unless the caller set a umask.
[ "$(umask)" = 0022 ] && umask 0077

sentinel=
case "$1" in *sentinel) sentinel=1 ;; esac
for a in "$@"; do [ "$a" = --sentinel ] && sentinel=1; done

config=
[ -f "${2:-}" ] && config="$2"

password="${REDIS_PASSWORD:-}"
[ -z "$password" ] && [ -n "${REDIS_PASSWORD_FILE:-}" ] && password="$(cat "$REDIS_PASSWORD_FILE")"

# Sentinel rewrites its configuration file: a read-only one (a ConfigMap, a :ro mount) is
# copied into the data directory on the first start and the copy used from then on; so is one
# that needs the password added.
if [ -n "$sentinel" ] && [ -n "$config" ] && { [ ! -w "$config" ] || [ -n "$password" ]; }; then
  if [ ! -f "$data/sentinel.conf" ]; then
    cp "$config" "$data/sentinel.conf"
    if [ -n "$password" ]; then
      awk '$1 == "sentinel" && $2 == "monitor" {print $3}' "$config" | while read -r name; do
        printf 'sentinel auth-pass %s %s\n' "$name" "$password" >> "$data/sentinel.conf"
      done
    fi
  fi
  bin="$1"; shift 2
  set -- "$bin" "$data/sentinel.conf" "$@"
  config="$data/sentinel.conf"
fi

if [ -z "$sentinel" ] && [ -n "$password" ] &&
   ! { [ -n "$config" ] && grep -Eqi '^[[:space:]]*requirepass' "$config"; }; then
  set -- "$@" --requirepass "$password" --masterauth "$password"
fi

# As in the redis image, a container accepts connections from its network unless the
# configuration says otherwise.
protected=
[ -n "$config" ] && grep -Eqi '^[[:space:]]*protected-mode' "$config" && protected=1
for a in "$@"; do [ "$a" = --protected-mode ] && protected=1; done
[ -z "$protected" ] && set -- "$@" --protected-mode no

exec "$@"
