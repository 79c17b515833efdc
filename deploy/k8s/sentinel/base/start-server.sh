#!/bin/sh
# Starts a master/replica pod in the right role: a replica of the master the Sentinels report
# (after a failover that is not carmine-0), a replica of carmine-0 on a fresh install, or the
# master when it is that one. Pods announce their stable DNS names, not their IPs. The
# container's args are passed on to the server.
set -eu
domain="$NAMESPACE.svc.cluster.local"
self="$POD_NAME.carmine-headless.$domain"
master=""
for i in 0 1 2; do
  master="$(redis-cli -h "carmine-sentinel-$i.carmine-sentinel-headless.$domain" -p 26379 \
              sentinel get-master-addr-by-name mymaster 2>/dev/null | head -n 1)" || true
  [ -n "$master" ] && break
done
[ -n "$master" ] || master="carmine-0.carmine-headless.$domain"
set -- docker-entrypoint.sh redis-server /etc/carmine/redis.conf --replica-announce-ip "$self" "$@"
[ "$master" = "$self" ] || set -- "$@" --replicaof "$master" 6379
exec "$@"
