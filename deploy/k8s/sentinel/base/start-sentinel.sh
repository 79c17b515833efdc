#!/bin/sh
# Starts a Sentinel pod monitoring the current master: the one the other Sentinels report, else
# carmine-0 (fresh install). A restarted Sentinel keeps its own /data/sentinel.conf.
set -eu
domain="$NAMESPACE.svc.cluster.local"
master=""
for i in 0 1 2; do
  [ "carmine-sentinel-$i" = "$POD_NAME" ] && continue
  master="$(redis-cli -h "carmine-sentinel-$i.carmine-sentinel-headless.$domain" -p 26379 \
              sentinel get-master-addr-by-name mymaster 2>/dev/null | head -n 1)" || true
  [ -n "$master" ] && break
done
[ -n "$master" ] || master="carmine-0.carmine-headless.$domain"
sed "s/CARMINE_MASTER/$master/" /etc/carmine/sentinel.conf > /tmp/sentinel.conf
echo "sentinel announce-ip $POD_NAME.carmine-sentinel-headless.$domain" >> /tmp/sentinel.conf
exec docker-entrypoint.sh redis-sentinel /tmp/sentinel.conf
