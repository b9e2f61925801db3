#!/usr/bin/env bash
# Stand-in for the Temporal test server executable that the SDK launches as `<path> <port> ...`.
# The real server was started by `npm run stack -- up --with-test-server`; this fails fast when it
# is not there and otherwise waits until the SDK ends it at shutdown.
port="${1:?usage: await-test-server.sh <port> [args...]}"
if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
  echo "no Temporal test server on 127.0.0.1:${port}; run: npm run stack -- up --with-test-server" >&2
  exit 1
fi
exec sleep infinity
