#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_metrics.sh BUILD_DIR: edgefwctl metrics against edgefwd in the edge
# namespace (socket and state in the test's temp dir): the text is the
# Prometheus text format, the info names the active policy and a pending
# confirm, a row's counters grow with real packets that match it, a
# chain's drop counters (in metrics, status and counters) with probes no
# row allows, status says the drop log is not visible from edgefwd's
# namespace, drift corrections are counted, a user holding the control
# group (as its primary group, or only as a supplementary one, as
# SupplementaryGroups= gives) is answered and one without it is not,
# nothing leaks, and with the daemon gone it prints edgefw_up 0 and exits 1.
# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
SAN_CTL=$EFW_BUILD/san/edgefwctl
topo_up

state=$EFW_TMP/state
sock=$EFW_TMP/control
site=$EFW_TMP/site.conf
out=$EFW_TMP/metrics
err=$EFW_TMP/stderr
mkdir -p "$state"
chown nobody "$state"
# Unlocked: the drift below is made with nft.
cp policies/examples/edge-single-public.site "$site"
echo "lock = off" >>"$site"
chmod 0644 "$site"

DPID=""
start_daemon() {
	start_edgefwd edge "$sock" "$EFW_TMP/edgefwd.log" --site "$site" \
		--policy-dir "$POLICIES" --state-dir "$state" --user nobody \
		--group nogroup --interval 30
}
ctl() { "$CTL" --socket "$sock" "$@"; }
# to_out CMD...: CMD's stdout in $out, its stderr in $err; its status.
to_out() {
	local rc=0
	"$@" >"$out" 2>"$err" || rc=$?
	return "$rc"
}
# metrics [PREFIX...]: edgefwctl metrics, run through PREFIX (setpriv, ...).
metrics() { to_out "$@" "$CTL" --socket "$sock" metrics; }

# The text format, version 0.0.4: comments are HELP or TYPE lines, one TYPE
# per family before its samples; samples are name{labels} value or name
# value, label values quoted with \\, \" and \n escaped.
NAME='[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL='[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"'
VALUE='-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'
SAMPLE="$NAME(\{$LABEL(,$LABEL)*\})? $VALUE"
COMMENT="# (HELP $NAME .+|TYPE $NAME (counter|gauge))"
parses() {
	local f=$1
	[[ -s $f ]] || return 1
	! grep -Evx -e "$SAMPLE" -e "$COMMENT" "$f" | grep . || return 1
	[[ -z $(grep '^# TYPE ' "$f" | cut -d' ' -f3 | sort | uniq -d) ]] ||
		return 1
	[[ -z $(grep '^# HELP ' "$f" | cut -d' ' -f3 | sort | uniq -d) ]] ||
		return 1
	# Every sample's family was typed on an earlier line.
	awk '/^# TYPE / { typed[$3] = 1; next }
	     /^#/ { next }
	     { n = $0; sub(/[{ ].*/, "", n); if (!typed[n]) exit 1 }' "$f"
}
# value FAMILY ROW: the sample of that row (r5: ROW 5), or nothing.
row_value() {
	sed -n "s/^$1{.*,row=\"r$2\",.*} \([0-9]*\)\$/\1/p" "$out"
}
has() { grep -qxF -- "$1" "$out"; }

check "edgefwd starts and answers" start_daemon

check "metrics exits 0" metrics
check "its text parses as the Prometheus text format" parses "$out"
if command -v promtool >/dev/null; then
	check "promtool check metrics finds nothing to say" \
		bash -c "promtool check metrics <'$out'"
fi
check "edgefw_up 1" has "edgefw_up 1"
check "the info names the policy, the site and the last result" \
	has "edgefw_info{policy=\"edge-single-public\",site=\"$site\",last_result=\"ok\"} 1"
check "no confirm pending" has "edgefw_confirm_pending 0"
check "the table is in sync" has "edgefw_in_sync 1"
check "reconciles are counted" grep -qE '^edgefw_reconciles_total [1-9][0-9]*$' "$out"
check "the last reconcile has a unix time" bash -c \
	"[ \$(sed -n 's/^edgefw_last_reconcile_timestamp_seconds //p' '$out') -ge $(($(date +%s) - 60)) ]"
check "every row of the policy has a packets and a bytes sample" bash -c \
	"[ \$(grep -c '^edgefw_row_packets_total{policy=\"edge-single-public\",row=\"r' '$out') -eq \
	   \$(grep -c '^edgefw_row_bytes_total{policy=\"edge-single-public\",row=\"r' '$out') ] &&
	 [ \$(grep -c '^edgefw_row_packets_total{' '$out') -eq \
	   \$('$CTL' --socket '$sock' --json counters | grep -c '\"row\":') ]"
check "row 5 names its place in the policy and its note" grep -qF \
	"edgefw_row_packets_total{policy=\"edge-single-public\",row=\"r5\",note=\"[ext] client-to-server SIP for remote users\"} " \
	"$out"

# Real packets: TCP connections from the client to access_edge:443 (row
# 5). Only a connection's first packet meets the set (then it is
# established), so each connection counts at least one.
packets0=$(row_value edgefw_row_packets_total 5)
bytes0=$(row_value edgefw_row_bytes_total 5)
check "row 5's counters are read" test -n "$packets0" -a -n "$bytes0"
start_listener edge --tcp 443
for _ in 1 2 3; do
	expect_pass client tcp 198.51.100.10 443
done
check "metrics after the packets" metrics
packets1=$(row_value edgefw_row_packets_total 5)
bytes1=$(row_value edgefw_row_bytes_total 5)
check "row 5's packets grew by 3 or more ($packets0 -> $packets1)" \
	test "${packets1:-0}" -ge $((packets0 + 3))
check "row 5's bytes grew ($bytes0 -> $bytes1)" test "${bytes1:-0}" -gt "$bytes0"
check "a row no packet matched stays 0 (r24, CMS replication)" \
	test "$(row_value edgefw_row_packets_total 24)" = 0

# What the input chain's policy drops, per family: probes no row allows
# (port 23 on access_edge) raise its counters by at least as many, in
# metrics, status and counters alike.
drop_value() {	# FAMILY CHAIN NFFAMILY: that sample's value, or nothing
	sed -n "s/^$1{chain=\"$2\",family=\"$3\"} \([0-9]*\)\$/\1/p" "$out"
}
# json_drops REQUEST CHAIN NFFAMILY: the packets of that drop in the reply.
json_drops() {
	"$CTL" --socket "$sock" --json "$1" | tr -d ' \n' |
		grep -o "{\"chain\":\"$2\",\"family\":\"$3\",\"packets\":[0-9]*" |
		sed 's/.*://'
}
check "metrics before the undeclared probes" metrics
check "the input chain's drops are there, per family" bash -c \
	"grep -q '^edgefw_dropped_packets_total{chain=\"input\",family=\"ip\"} ' '$out' &&
	 grep -q '^edgefw_dropped_bytes_total{chain=\"input\",family=\"ip6\"} ' '$out'"
check "and the output chain's" grep -q \
	'^edgefw_dropped_packets_total{chain="output",family="ip6"} ' "$out"
drops4=$(drop_value edgefw_dropped_packets_total input ip)
drops6=$(drop_value edgefw_dropped_packets_total input ip6)
dbytes4=$(drop_value edgefw_dropped_bytes_total input ip)
N=5
for _ in $(seq $N); do
	expect_drop client tcp 198.51.100.10 23
	expect_drop client udp 2001:db8:100::10 23
done
check "metrics after the probes" metrics
drops4b=$(drop_value edgefw_dropped_packets_total input ip)
drops6b=$(drop_value edgefw_dropped_packets_total input ip6)
dbytes4b=$(drop_value edgefw_dropped_bytes_total input ip)
check "input ip drops grew by $N or more ($drops4 -> $drops4b)" \
	test "${drops4b:-0}" -ge $((${drops4:-0} + N))
check "input ip6 drops grew by $N or more ($drops6 -> $drops6b)" \
	test "${drops6b:-0}" -ge $((${drops6:-0} + N))
check "input ip dropped bytes grew ($dbytes4 -> $dbytes4b)" \
	test "${dbytes4b:-0}" -gt "${dbytes4:-0}"
check "and it still parses" parses "$out"
n=$(json_drops status input ip)
check "status says as much ($n >= $drops4b)" test "${n:-0}" -ge "${drops4b:-1}"
n=$(json_drops counters input ip6)
check "counters too ($n >= $drops6b)" test "${n:-0}" -ge "${drops6b:-1}"
check "status shows the drops as a table" bash -c \
	"'$CTL' --socket '$sock' status | grep -qE '^  input +ip6 +[0-9]+ +[0-9]+\$'"
# edgefwd runs in the edge namespace: the kernel does not log from there
# unless the initial namespace's nf_log_all_netns says so, which edgefwd
# cannot read from where it runs.
check "status says the drop log is not visible, and why" bash -c \
	"'$CTL' --socket '$sock' --json status | grep -qF '\"drop_log\":\"not visible unless net.netfilter.nf_log_all_netns is 1 in the initial network namespace: edgefwd runs in another network namespace'"

# Drift, made with nft and corrected by the daemon, is counted.
in_ns edge nft delete element inet edgefw in4 '{ "eth0" . 198.51.100.11 . tcp . 443 }'
corrected() {
	metrics && grep -qE '^edgefw_drift_corrections_total [1-9][0-9]*$' "$out"
}
within_1s() {
	for _ in $(seq 20); do "$@" && return 0; sleep 0.05; done
	return 1
}
check "a drift correction is counted within 1 s" within_1s corrected

# A switch waiting for confirm: its policy, the one it goes back to, when.
check "switch --confirm 60" ctl switch public-im-connectivity --confirm 60
check "metrics during the switch" metrics
check "the info names both policies" grep -qF \
	'edgefw_info{policy="public-im-connectivity",' "$out"
check "and reverts_to" grep -qF 'reverts_to="edge-single-public"} 1' "$out"
check "a confirm is pending" has "edgefw_confirm_pending 1"
check "with its deadline" grep -qE \
	'^edgefw_confirm_deadline_timestamp_seconds [1-9][0-9]*$' "$out"
check "the rows are the new policy's" grep -q \
	'^edgefw_row_packets_total{policy="public-im-connectivity",row="r' "$out"
check "and it still parses" parses "$out"
check "rollback" ctl rollback
check "metrics after the rollback: no confirm pending" bash -c \
	"'$CTL' --socket '$sock' metrics | grep -qx 'edgefw_confirm_pending 0'"

# Who may ask. uid 1 is neither root nor edgefwd's user.
if command -v setpriv >/dev/null && getent passwd 1 >/dev/null; then
	gid=$(getent group nogroup | cut -d: -f3)
	check "a user whose primary group is the control group is answered" \
		metrics setpriv --reuid=1 --regid="$gid" --clear-groups
	check "with edgefw_up 1" has "edgefw_up 1"
	check "so is one holding it only as a supplementary group (SO_PEERGROUPS)" \
		metrics setpriv --reuid=1 --regid=1 --groups="$gid"
	check "with edgefw_up 1" has "edgefw_up 1"
	rc=0
	metrics setpriv --reuid=1 --regid=1 --clear-groups || rc=$?
	check "one without the group is refused (exit $rc)" test "$rc" -eq 1
	check "with edgefw_up 0" has "edgefw_up 0"
	check "and says why" grep -q "denied" "$err"
fi

if [[ -x $SAN_CTL ]]; then
	check "metrics under ASan+UBSan" to_out env ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1 "$SAN_CTL" --socket "$sock" metrics
fi
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=all
	--error-exitcode=99)
if command -v valgrind >/dev/null; then
	check "metrics under valgrind: no leaks, no errors" metrics "${VG[@]}"
	check "and the same text" parses "$out"
fi

# The daemon gone: edgefw_up 0, exit 1, and why on stderr.
kill -TERM "$DPID"
while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
rc=0
metrics || rc=$?
check "with edgefwd gone, metrics exits 1 (exit $rc)" test "$rc" -eq 1
down_text() {
	[[ $(head -n1 "$out") == "# HELP edgefw_up "* &&
		$(sed 1d "$out") == $'# TYPE edgefw_up gauge\nedgefw_up 0' ]]
}
check "and prints edgefw_up 0 with its HELP and TYPE, nothing else" down_text
check "which parses" parses "$out"
check "and says edgefwd is not running" grep -q "edgefwd is not running" "$err"
if command -v valgrind >/dev/null; then
	rc=0
	metrics "${VG[@]}" || rc=$?
	check "the down case under valgrind (exit $rc)" test "$rc" -eq 1
fi

finish
