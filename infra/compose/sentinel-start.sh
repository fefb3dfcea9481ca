#!/bin/sh
# Each sentinel writes its own config (sentinels rewrite it as they learn the topology).
cat > /tmp/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel monitor portal redis-primary 6379 2
sentinel down-after-milliseconds portal 2000
sentinel failover-timeout portal 10000
sentinel parallel-syncs portal 1
CONF
exec redis-server /tmp/sentinel.conf --sentinel
