#!/usr/bin/env bash
# usage: stop.sh DIR   -> stop the Dovecot master in DIR/run/master.pid; it takes its children along
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lab_stop_pid "$(lab_read_pid "${1:?usage: stop.sh DIR}/run/master.pid")" dovecot
