#!/bin/sh
# The image's entry point: runs the service named by the first argument from its own directory,
# as `npm start` does. `chain-keys DIR` creates the events' signing key and keyring once (into
# DIR/secrets/, with service-kit's own generator) for the other containers to mount;
# `eventstore-users` creates the services' event store users and sets the ACLs;
# `rotate-master-key` rewraps the victims' keys under a new master key, `copy-key-store` copies
# the file key store into the NATS one (docs/operations.md).
set -eu
service="${1:-}"
case "$service" in
  command|projection|notification|console)
    cd "/app/services/$service"
    exec node dist/main.js
    ;;
  chain-keys)
    cd /app/services/command
    exec node --input-type=module -e '
      const { loadOrCreateChainKeys } = await import("@cfund/service-kit");
      const { notes } = await loadOrCreateChainKeys(process.argv[1]);
      for (const note of notes) console.log(note);
    ' "${2:-/keys}"
    ;;
  eventstore-users)
    # Each service's event store user and the ACLs (services/README.md), once the cluster is up.
    exec node /app/infra/dist/eventstore-users-cli.js
    ;;
  copy-key-store)
    # With the command service's configuration and KEY_STORE=nats: the file key store under DATA_DIR into the bucket.
    cd /app/services/command
    exec node dist/copy-key-store.js
    ;;
  rotate-master-key)
    # With the command service's configuration: MASTER_KEY the new key, MASTER_KEY_PREVIOUS the old one.
    cd /app/services/command
    exec node dist/rotate-master-key.js
    ;;
  *)
    echo "usage: <command|projection|notification|console|chain-keys [dir]|eventstore-users|rotate-master-key|copy-key-store> (got '${service}')" >&2
    exit 64
    ;;
esac
