#!/usr/bin/env bash
# usage: stop.sh DIR   -> stop the slapd whose pid is in DIR/slapd.pid (the data stays; lab.sh removes it)
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lab_stop_pid "$(lab_read_pid "${1:?usage: stop.sh DIR}/slapd.pid")" slapd
