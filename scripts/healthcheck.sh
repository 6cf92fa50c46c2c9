#!/usr/bin/env bash
# Container health check: healthy when the service's /readyz answers 200 (its dependencies really work).
# Plain bash over /dev/tcp: a few milliseconds, where starting Node for each check cost ~100 ms of CPU
# in every container every interval. Usage: healthcheck.sh PORT
set -u
exec 3<>"/dev/tcp/127.0.0.1/${1:?port}" || exit 1
printf 'GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 4 status <&3 || exit 1
[[ $status == *" 200 "* ]]
