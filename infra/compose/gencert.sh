#!/bin/bash
# The certificates of the compose cluster, made once by es-gencert-cli into ./certs (a bind mount):
# a CA, and a certificate per KurrentDB node, NATS node and Keycloak, each in its own directory
# so that each container mounts only its own key and the CA certificate. The CA key stays in
# ./certs/ca-private, which only this one-shot mounts. A file already there is kept, so a restart
# never replaces a certificate the others trust. Keys are 0600 and owned by uid 1000 (the user of
# the KurrentDB, Keycloak and cfund images; NATS runs as root).
set -euo pipefail
cd /certs
: "${AUTH_HOST:?AUTH_HOST is not set}"

[ -f ca-private/ca.crt ] || es-gencert-cli create-ca -out ./ca-private
mkdir -p ca && cp ca-private/ca.crt ca/ca.crt

node_cert() { # directory dns-names [ip-addresses]
  [ -f "$1/node.crt" ] && return 0
  local args=(-ca-certificate ./ca-private/ca.crt -ca-key ./ca-private/ca.key -out "./$1" -dns-names "$2")
  [ -n "${3:-}" ] && args+=(-ip-addresses "$3")
  es-gencert-cli create-node "${args[@]}"
}

# KurrentDB nodes gossip and advertise themselves by IP (the fixed addresses of compose's
# network), so their certificates name both the IP and the host name clients are given.
node_cert kurrentdb-1 kurrentdb-1,localhost 172.30.240.11,127.0.0.1
node_cert kurrentdb-2 kurrentdb-2,localhost 172.30.240.12,127.0.0.1
node_cert kurrentdb-3 kurrentdb-3,localhost 172.30.240.13,127.0.0.1
node_cert nats-1 nats-1
node_cert nats-2 nats-2
node_cert nats-3 nats-3
node_cert keycloak "keycloak,${AUTH_HOST}"

chown -R 1000:1000 /certs
find /certs -name '*.key' -exec chmod 0600 {} +
find /certs -name '*.crt' -exec chmod 0644 {} +
chmod 0700 ca-private
echo "certificates ready"
