#!/usr/bin/env bash
# usage: stop.sh DIR   -> stop the Postfix master in DIR/queue/pid/master.pid (what 'postfix stop' does)
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
lab_stop_pid "$(lab_read_pid "${1:?usage: stop.sh DIR}/queue/pid/master.pid")" master
