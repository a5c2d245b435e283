#!/usr/bin/env bash
# Run a command in a private network namespace whose only interface is an up loopback.
# Why: DynamoDB Local listens on every interface; inside this namespace nothing else can reach it
# (and the command cannot reach the network either: install tools before, outside).
#   infra/run-in-netns.sh .venv/bin/python -m pytest tests/dynamodb_local
set -euo pipefail
if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi
inner='ip link set lo up && exec "$@"'
if [ "$(id -u)" -eq 0 ]; then
    exec unshare --net -- sh -c "$inner" sh "$@"
fi
# Not root: a user namespace maps us to root inside it, which may create the network namespace.
exec unshare --map-root-user --net -- sh -c "$inner" sh "$@"
