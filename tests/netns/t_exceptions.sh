#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_exceptions.sh BUILD_DIR: timed exceptions (edgefwctl allow) with real
# packets. edgefwd runs in the edge namespace (host mode, then gateway
# mode); the client probes a port the policy does not open: dropped
# before, passing during the exception, dropped within a second after it
# expires; revoke closes it at once; the read-only socket may only look;
# the site's exception-max is enforced; a restarted daemon opens again
# what has time left, for that time only; a corrupt record opens nothing;
# drift correction restores the rule and leaves the exceptions; another
# writer's element in the exception set is removed; with the table locked
# the daemon still opens and closes them, and nobody else can.
# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
topo_up

state=$EFW_TMP/state
sock=$EFW_TMP/control
rsock=$EFW_TMP/read
site=$EFW_TMP/site.conf
log=$EFW_TMP/edgefwd.log
mkdir -p "$state"
chown nobody "$state"
chmod 0755 "$EFW_TMP"
# Unlocked: another writer (nft) makes drift here.
sed -e 's/^edge_internal .*/edge_internal = iface eth1/' \
	policies/examples/edge-single-public.site >"$site"
printf 'lock = off\nexception-max = 1h\n' >>"$site"
chmod 0644 "$site"

DPID=""
start_daemon() {
	start_edgefwd edge "$sock" "$log" --site "$site" --policy-dir "$POLICIES" \
		--read-socket "$rsock" --read-group daemon --state-dir "$state" \
		--user nobody --group nogroup --client-timeout 5
}
stop_daemon() {
	kill -TERM "$DPID"
	while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
	rm -f "$sock" "$rsock"
}
ctl() { "$CTL" --socket "$sock" "$@"; }
ms() { echo $(($(date +%s%N) / 1000000)); }
ex4() { in_ns edge nft list set inet edgefw ex4; }
# The seconds of the first "WORD 12s345ms" in the ex4 set's listing.
ex4_secs() { ex4 | grep -o "$1 [0-9hms]*" | head -n1 | awk '{
	t = $2; s = 0
	if (match(t, /[0-9]+h/)) s += 3600 * substr(t, RSTART, RLENGTH - 1)
	if (match(t, /[0-9]+m[^s]/) || match(t, /[0-9]+m$/)) s += 60 * substr(t, RSTART, RLENGTH - 1)
	if (match(t, /[0-9]+s/)) s += substr(t, RSTART, RLENGTH - 1)
	print s }'; }
# The id the JSON reply of allow names.
new_id() { tr -d ' \n' | sed -n 's/.*"exception":{"id":\([0-9]*\).*/\1/p'; }
passes() { probe client tcp 198.51.100.10 "$1" >/dev/null 2>&1; }
# dropped_after T0 SECS PORT: once SECS have passed since T0 (ms), probes
# PORT until it is dropped; prints the ms from T0 to then (nothing if it
# still passed two seconds later).
dropped_after() {
	local t0=$1 secs=$2 port=$3
	while (($(ms) - t0 < secs * 1000)); do sleep 0.05; done
	while (($(ms) - t0 < (secs + 2) * 1000)); do
		if ! passes "$port"; then
			echo $(($(ms) - t0))
			return
		fi
	done
}

check "edgefwd starts" start_daemon
start_listener edge --tcp 8443,8444,8445
check "nft shows the exception set with flags timeout" bash -c \
	"ip netns exec '$(ns_name edge)' nft list set inet edgefw ex4 | grep -q 'flags interval,timeout'"
check "and its rule after the policy's rows" bash -c \
	"ip netns exec '$(ns_name edge)' nft list chain inet edgefw input |
	 grep -A1 '@ex4 accept' | grep -q '@ex6 accept'"
expect_drop client tcp 198.51.100.10 8443

# A 3-second exception: passes, then dropped within a second of its end.
t0=$(ms)
id=$(ctl --json allow tcp 8443 from 198.51.100.100 to access_edge --for 3s \
	"debugging the federation with ACME" | new_id)
check "allow answers with an exception id ($id)" test -n "$id"
expect_pass client tcp 198.51.100.10 8443
expect_drop client tcp 198.51.100.10 8444
expect_drop client tcp 198.51.100.11 8443
check "exceptions lists it with its time left and note (cut to the width)" bash -c \
	"'$CTL' --socket '$sock' exceptions | grep -E '^ +$id +tcp +8443 +198.51.100.100 +access_edge +[123]s +0 +[0-9]+ +[0-9]+ +debugging the federation'"
check "the whole note in --json" bash -c \
	"'$CTL' --socket '$sock' --json exceptions | grep -q '\"note\":\"debugging the federation with ACME\"'"
check "and its hits" bash -c \
	"'$CTL' --socket '$sock' --json exceptions | tr -d ' \n' | grep -qE '\"id\":$id,[^}]*\"packets\":[1-9]'"
check "metrics count it open" bash -c \
	"'$CTL' --socket '$sock' metrics | grep -qx 'edgefw_exceptions_open 1'"
check "the log says who added what and why" grep -q \
	"exception $id added by uid 0 for 3s: tcp 8443 from 198.51.100.100 to access_edge (198.51.100.10, 2001:db8:100::10): \"debugging the federation with ACME\"" "$log"
t1=$(dropped_after "$t0" 3 8443)
check "dropped again ${t1:-never} ms after it was opened (3 s, within 1 s more)" \
	test -n "$t1" -a "${t1:-0}" -le 4000
sleep 1.2
check "its expiry is logged" grep -q "exception $id expired: tcp 8443" "$log"
check "and it leaves the list" bash -c \
	"! '$CTL' --socket '$sock' --json exceptions | grep -q '\"id\":$id,'"

# revoke closes it at once.
id=$(ctl --json allow tcp 8443 --for 10m "revoke test" | new_id)
expect_pass client tcp 198.51.100.10 8443
check "revoke $id" ctl revoke "$id"
expect_drop client tcp 198.51.100.10 8443
check "the log says who revoked it" grep -q "exception $id revoked by uid 0: tcp 8443 from any to this machine (added by uid 0): \"revoke test\"" "$log"
check "a second revoke says there is none" bash -c \
	"'$CTL' --socket '$sock' revoke $id 2>&1 | grep -q 'no exception $id'"

# The read-only socket looks, never opens or closes.
check "read-only socket: allow is refused" bash -c \
	"'$CTL' --socket '$rsock' allow tcp 8443 --for 1m x 2>&1 | grep -q 'read-only socket: allow needs the control socket'"
check "read-only socket: revoke is refused" bash -c \
	"'$CTL' --socket '$rsock' revoke 1 2>&1 | grep -q 'read-only socket: revoke needs the control socket'"
check "read-only socket: exceptions is served" "$CTL" --socket "$rsock" exceptions
expect_drop client tcp 198.51.100.10 8443
if command -v setpriv >/dev/null; then
	check "group daemon may list them on the read-only socket" \
		setpriv --reuid=1 --regid=1 --clear-groups "$CTL" --socket "$rsock" exceptions
	# A member of the control group opens one: its uid is recorded.
	id=$(setpriv --reuid=1 --regid="$(getent group nogroup | cut -d: -f3)" \
		--clear-groups "$CTL" --socket "$sock" --json allow udp 3479 --for 1m "uid test" | new_id)
	check "the peer's uid is who added it" bash -c \
		"'$CTL' --socket '$sock' --json exceptions | tr -d ' \n' | grep -q '\"id\":$id,[^}]*\"uid\":1,'"
	check "and is logged" grep -q "exception $id added by uid 1 for 1m: udp 3479" "$log"
	ctl revoke "$id" >/dev/null
fi

# Too long, malformed, overlapping: refused, nothing opened.
rc=0
ctl allow tcp 8443 --for 2h "too long" >/dev/null 2>"$EFW_TMP/err" || rc=$?
check "longer than exception-max is refused (exit $rc)" test "$rc" -eq 1
check "with a clear error" grep -q "an exception for 2h is longer than this site allows (exception-max = 1h)" "$EFW_TMP/err"
rc=0
ctl allow tcp 8443 --for 31d "way too long" 2>/dev/null || rc=$?
check "beyond any site's maximum: exit $rc before asking" test "$rc" -eq 2
rc=0
ctl allow tcp 8443 --for 1m "" 2>/dev/null || rc=$?
check "an empty note: exit $rc" test "$rc" -eq 2
rc=0
ctl allow tcp 8443 to no_such_role --for 1m "x" 2>"$EFW_TMP/err" || rc=$?
check "an unknown role is refused (exit $rc), naming the roles" bash -c \
	"test $rc -eq 1 && grep -q \"policy edge-single-public has no address role 'no_such_role' bound to addresses (it has: access_edge, \" '$EFW_TMP/err'"
id=$(ctl --json allow tcp 8440-8450 from 198.51.100.0/24 --for 10m "range" | new_id)
check "an overlapping exception is refused" bash -c \
	"'$CTL' --socket '$sock' allow tcp 8443 --for 1m x 2>&1 | grep -q 'it overlaps exception $id'"
ctl revoke "$id" >/dev/null
expect_drop client tcp 198.51.100.10 8443
check "the record holds nothing now" bash -c "! grep -q '^x ' '$state/exceptions'"

# Drift: another writer deletes the rule; the correction restores it and
# leaves the exception (same element, its time still running down).
id=$(ctl --json allow tcp 8444 --for 10m "drift test" | new_id)
before=$(ex4_secs expires)
handle=$(in_ns edge nft -a list chain inet edgefw input | sed -n 's/.*@ex4 accept # handle \([0-9]*\)$/\1/p')
in_ns edge nft delete rule inet edgefw input handle "$handle"
within_1s() {
	for _ in $(seq 20); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
check "a deleted exception rule is back within 1 s" within_1s bash -c \
	"ip netns exec '$(ns_name edge)' nft list chain inet edgefw input | grep -q '@ex4 accept'"
check "the exception is untouched (${before} s left before, $(ex4_secs expires) s now)" bash -c \
	"ip netns exec '$(ns_name edge)' nft list set inet edgefw ex4 | grep -q 'comment \"exception $id\"' &&
	 test $(ex4_secs expires) -le $before"
expect_pass client tcp 198.51.100.10 8444
check "the correction is logged" grep -q "drift corrected" "$log"
# Another writer's element in the exception set is no exception: removed.
in_ns edge nft add element inet edgefw ex4 '{ 198.51.100.100 . 198.51.100.10 . tcp . 8445 timeout 1h }'
check "another writer's element in ex4 is removed within 1 s" within_1s bash -c \
	"! ip netns exec '$(ns_name edge)' nft list set inet edgefw ex4 | grep -q 'tcp . 8445'"
expect_drop client tcp 198.51.100.10 8445
check "and says so, naming the writer" grep -q \
	"timed exceptions put back as recorded in table inet edgefw: +0 -1 elements (last changed by nft\[" "$log"
check "and the exception stays" bash -c \
	"ip netns exec '$(ns_name edge)' nft list set inet edgefw ex4 | grep -q 'comment \"exception $id\"'"

# A restart opens again what has time left, for that time only: the
# kernel lost the element meanwhile (another writer flushed the set), and
# the daemon puts it back with the time it had left.
ctl revoke "$id" >/dev/null
t0=$(ms)
id=$(ctl --json allow tcp 8444 --for 8s "restart test" | new_id)
stop_daemon
in_ns edge nft flush set inet edgefw ex4
expect_drop client tcp 198.51.100.10 8444
sleep 1
check "edgefwd starts again" start_daemon
check "says it opened the exception again, for the time it has left" grep -qE \
	"exception $id opened again for the [4-7]s it has left: tcp 8444" "$log"
expect_pass client tcp 198.51.100.10 8444
left=$(ex4_secs timeout)
check "given the time it had left ($left s of 8), not more" test "${left:-99}" -le 7
check "exceptions lists it" bash -c \
	"'$CTL' --socket '$sock' exceptions | grep -q 'restart test'"
t1=$(dropped_after "$t0" 8 8444)
check "closed at its first expiry (${t1:-never} ms after it was opened, 8 s)" \
	test -n "$t1" -a "${t1:-0}" -le 9000

# One that expired while edgefwd was down is not opened again.
id=$(ctl --json allow tcp 8444 --for 2s "expires while down" | new_id)
stop_daemon
sleep 2.2
check "edgefwd starts after it expired" start_daemon
check "says it expired meanwhile" grep -q "exception $id expired while edgefwd was not running" "$log"
expect_drop client tcp 198.51.100.10 8444

# A corrupt record is reported and opens nothing: what the kernel still
# holds is closed too.
id=$(ctl --json allow tcp 8444 --for 10m "corrupt test" | new_id)
expect_pass client tcp 198.51.100.10 8444
stop_daemon
sed -i 's/ tcp 8444-8444 / tcp 8444-1 /' "$state/exceptions"
check "edgefwd starts with a corrupt record" start_daemon
check "says so, naming the line" grep -q "the record of timed exceptions $state/exceptions is corrupt (line 3): ignored, no exception is opened again" "$log"
expect_drop client tcp 198.51.100.10 8444
check "the kernel's element is gone" bash -c "! ip netns exec '$(ns_name edge)' nft list set inet edgefw ex4 | grep -q 'tcp . 8444'"
check "and the list is empty" bash -c \
	"'$CTL' --socket '$sock' --json exceptions | tr -d ' \n' | grep -q '\"exceptions\":\[\]'"
stop_daemon

# Gateway mode: the rule is in forward; 'to' is required (this machine
# would mean every host behind it); a forwarded flow passes only during
# the exception.
gsite=$EFW_TMP/gateway.site
cat >"$gsite" <<'EOF'
policy = reverse-proxy
mode = gateway
zone external = eth0
zone internal = eth1
rp_external = 192.0.2.10
rp_internal = 192.0.2.1
web_pools = 192.0.2.50
office_web_apps = none
management = 203.0.113.0/24
lock = off
EOF
chmod 0644 "$gsite"
in_ns edge sysctl -qw net.ipv4.ip_forward=1
in_ns client ip route add 192.0.2.0/24 via 198.51.100.10
in_ns internal ip route add 198.51.100.0/24 via 192.0.2.1
start_listener internal --tcp 443,8443
gstate=$EFW_TMP/gstate
mkdir -p "$gstate"
# A host mode's "to this machine", recorded: in gateway mode it would open
# every host behind it.
now=$(ms)
printf 'edgefw-exceptions 1\nnext 9\nx 8 %s %s 0 tcp 8443-8443 any local - host mode\n' \
	"$now" "$((now + 600000))" >"$gstate/exceptions"
chown -R nobody "$gstate"
check "edgefwd starts in gateway mode" start_edgefwd edge "$sock" "$log" \
	--site "$gsite" --policy-dir "$POLICIES" --state-dir "$gstate" \
	--user nobody --group nogroup
check "a recorded 'to this machine' is closed, and said why" grep -q \
	"exception 8 closed: in gateway mode 'to this machine' would open every host behind it" "$log"
check "not opened again" bash -c "! grep -q 'exception 8 opened again' '$log'"
check "and recorded as closed" bash -c "! grep -q '^x 8 ' '$gstate/exceptions'"
check "the exception rule is in forward" bash -c \
	"ip netns exec '$(ns_name edge)' nft list chain inet edgefw forward | grep -q '@ex4 accept'"
expect_pass client tcp 192.0.2.10 443
expect_drop client tcp 192.0.2.10 8443
check "without 'to' it is refused" bash -c \
	"'$CTL' --socket '$sock' allow tcp 8443 --for 1m x 2>&1 | grep -q 'in gateway mode an exception needs'"
id=$(ctl --json allow tcp 8443 to rp_external --for 1m "gateway test" | new_id)
check "to a role of the hosts behind it ($id)" test -n "$id"
expect_pass client tcp 192.0.2.10 8443
check "revoke" ctl revoke "$id"
expect_drop client tcp 192.0.2.10 8443
stop_daemon

# With the table locked (lock = on): the daemon still opens and closes
# them; nobody else can touch them.
sed -i 's/^lock = off$/lock = on/' "$site"
check "edgefwd starts owning the table" start_daemon
check "the table is locked" bash -c \
	"ip netns exec '$(ns_name edge)' nft list table inet edgefw | grep -q 'flags owner'"
id=$(ctl --json allow tcp 8443 --for 1m "locked" | new_id)
expect_pass client tcp 198.51.100.10 8443
check "another writer cannot remove it" bash -c \
	"! ip netns exec '$(ns_name edge)' nft flush set inet edgefw ex4 2>/dev/null"
check "revoke $id" ctl revoke "$id"
expect_drop client tcp 198.51.100.10 8443
finish
