#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_daemon.sh BUILD_DIR: edgefwd in the edge namespace, its socket and
# state in the test's temp dir: privileges dropped, drift corrected within
# a second, addresses followed, policies switched and recorded, a kill -9
# and restart restoring the state, strangers refused, many clients at once.
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
mkdir -p "$state"
chown nobody "$state"
# The example site, unlocked (drift is made with nft here) and following
# the internal interface's addresses.
sed -e 's/^edge_internal .*/edge_internal = iface eth1/' \
	policies/examples/edge-single-public.site >"$site"
echo "lock = off" >>"$site"
chmod 0644 "$site"
# The operator's own policies, searched before the shipped ones: one new,
# one shadowing a shipped name (it is the shipped file, renamed inside).
mine=$EFW_TMP/mine
mkdir -p "$mine"
sed 's/^policy public-im-connectivity /policy my-im /' \
	policies/public-im-connectivity.policy >"$mine/my-im.policy"
cp policies/public-im-connectivity.policy "$mine/internal-servers.policy"
chmod 0644 "$mine"/*.policy

DPID=""
start_daemon() {
	start_edgefwd edge "$sock" "$EFW_TMP/edgefwd.log" --site "$site" \
		--policy-dir "$mine" --policy-dir "$POLICIES" \
		--read-socket "$rsock" --read-group daemon --state-dir "$state" \
		--user nobody --group nogroup --interval 30 --client-timeout 2
}
ctl() { "$CTL" --socket "$sock" "$@"; }
# within_1s DESC CMD...: CMD succeeds within a second.
within_1s() {
	local desc=$1
	shift
	for _ in $(seq 20); do
		if "$@" >/dev/null 2>&1; then
			ok "$desc"
			return
		fi
		sleep 0.05
	done
	not_ok "$desc"
}
verify() { in_ns edge "$CTL" verify "policies/$1.policy" --site "$site"; }

# bad_number OPT VALUE: exit 2 and a message naming the option, before
# anything is opened.
bad_number() {
	local out rc=0
	out=$("$D" --foreground --socket "$EFW_TMP/never" "$1" "$2" 2>&1) || rc=$?
	[[ $rc == 2 && $out == *"$1 must be"*"not '$2'"* ]]
}
check "--interval 5x is refused (exit 2)" bad_number --interval 5x
check "--interval 0 is refused" bad_number --interval 0
check "--client-timeout ' 7' is refused" bad_number --client-timeout ' 7'
check "--client-timeout 3601 is refused" bad_number --client-timeout 3601
check "edgefwd --version names the release" \
	bash -c "'$D' --version | grep -qE '^edgefwd [0-9]+\.[0-9]+\.[0-9]+$'"
# Root is never kept by default, and start-up failures name the object.
rc=0
in_ns edge timeout 10 "$D" --foreground --site "$site" --policy-dir "$POLICIES" \
	--state-dir "$state" --socket "$EFW_TMP/asroot" >"$EFW_TMP/asroot.log" 2>&1 || rc=$?
check "as root without --user: refused (exit $rc)" test "$rc" -eq 1
check "and says how to mean it" grep -q "refusing to run as root: give --user USER" "$EFW_TMP/asroot.log"
check "no table was made" bash -c "! in_ns edge nft list table inet edgefw 2>/dev/null"
rc=0
in_ns edge timeout 10 "$D" --foreground --site "$site" --policy-dir "$POLICIES" \
	--state-dir "$state" --socket "$EFW_TMP/no/such/dir/control" --user nobody \
	>"$EFW_TMP/nodir.log" 2>&1 || rc=$?
check "a socket in a missing directory: exit $rc" test "$rc" -eq 1
check "names the path and the operation" \
	grep -q "cannot bind $EFW_TMP/no/such/dir/control: No such file or directory" "$EFW_TMP/nodir.log"
rc=0
in_ns edge timeout 10 "$D" --foreground --site "$site" --socket "$EFW_TMP/nouser" \
	--user no-such-user-here >"$EFW_TMP/nouser.log" 2>&1 || rc=$?
check "a user that does not exist: exit $rc, named" bash -c \
	"test $rc -eq 1 && grep -q 'no user no-such-user-here to run as: no such user' '$EFW_TMP/nouser.log'"
# No record, no 'policy =' in the site, no --policy: nothing to enforce.
mkdir -p "$EFW_TMP/nostate"
chown nobody "$EFW_TMP/nostate"
grep -v '^policy =' "$site" >"$EFW_TMP/nopolicy.site"
chmod 0644 "$EFW_TMP/nopolicy.site"
rc=0
in_ns edge timeout 10 "$D" --foreground --site "$EFW_TMP/nopolicy.site" \
	--policy-dir "$POLICIES" --state-dir "$EFW_TMP/nostate" \
	--socket "$EFW_TMP/nopolicy" --user nobody >"$EFW_TMP/nopolicy.log" 2>&1 || rc=$?
check "a site naming no policy, nothing recorded: exit $rc" test "$rc" -eq 1
check "says what to write" grep -q "no policy to enforce: write 'policy = NAME' in $EFW_TMP/nopolicy.site" "$EFW_TMP/nopolicy.log"
check "edgefwd starts and answers" start_daemon
check "no warning when this machine has all the site names" bash -c \
	"! grep -q 'this machine has no' '$EFW_TMP/edgefwd.log'"
check "it applied the default policy" verify edge-single-public

status=/proc/$DPID/status
check "uid is not root" bash -c "! grep -qE '^Uid:\s+0\s' $status"
check "CapEff is CAP_NET_ADMIN only" grep -qE '^CapEff:\s+0000000000001000$' "$status"
check "no_new_privs is set" grep -qE '^NoNewPrivs:\s+1$' "$status"

check "status answers" bash -c "'$CTL' --socket '$sock' status | grep -q 'policy  *edge-single-public'"
check "status --json is JSON" bash -c "'$CTL' --socket '$sock' --json status | grep -q '\"in_sync\":true'"

start_listener edge --tcp 443
expect_pass client tcp 198.51.100.10 443

# Drift: a foreign nft command, corrected within a second, still by the
# unprivileged daemon.
in_ns edge nft delete element inet edgefw in4 '{ "eth0" . 198.51.100.11 . tcp . 443 }'
within_1s "a deleted element is back within 1 s" verify edge-single-public
in_ns edge nft add element inet edgefw in4 '{ "eth0" . 198.51.100.10 . tcp . 22 }'
within_1s "a foreign element is gone within 1 s" verify edge-single-public
in_ns edge nft chain inet edgefw input '{ policy accept; }'
within_1s "a flipped policy is back to drop within 1 s" verify edge-single-public
check "status counts the corrections" bash -c \
	"'$CTL' --socket '$sock' --json status | grep -qE '\"drift_corrections\":[3-9]'"

# Address following: a new address on eth1 (edge_internal = iface eth1).
in_ns edge ip addr add 192.0.2.77/24 dev eth1
within_1s "a new internal address is in the ruleset within 1 s" bash -c \
	"ip netns exec '$(ns_name edge)' nft list set inet edgefw in4 | grep -q '192.0.2.77 . tcp . 443'"
in_ns edge ip addr del 192.0.2.77/24 dev eth1
within_1s "and gone when the address goes" bash -c \
	"! ip netns exec '$(ns_name edge)' nft list set inet edgefw in4 | grep -q '192.0.2.77'"

# An interface that is not there yet (at boot): applied without it, and
# its addresses followed once it appears.
sed -i 's/^edge_internal = iface eth1$/edge_internal = iface eth1, iface eth9/' "$site"
check "reload with a role on an interface not there yet" ctl reload
check "warns of it" grep -q "there is no interface 'eth9' (yet)" "$EFW_TMP/edgefwd.log"
in_ns edge ip link add eth9 type veth peer name eth9p
in_ns edge ip addr add 192.0.2.99/24 dev eth9
within_1s "its address is in the ruleset within 1 s of appearing" bash -c \
	"ip netns exec '$(ns_name edge)' nft list set inet edgefw in4 | grep -q '192.0.2.99 . tcp . 443'"
in_ns edge ip link del eth9
sed -i 's/^edge_internal = iface eth1, iface eth9$/edge_internal = iface eth1/' "$site"
check "and back" ctl reload

# Switching policies, recorded for a restart.
check "switch --dry-run leaves the policy" bash -c \
	"'$CTL' --socket '$sock' switch public-im-connectivity --dry-run && ip netns exec '$(ns_name edge)' '$CTL' verify policies/edge-single-public.policy --site '$site'"
# The dry run answers what the switch would send: the same lines as
# edgefwctl diff of that policy against the live table.
dry_text() {
	"$CTL" --socket "$sock" --json switch public-im-connectivity --dry-run |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["delta_text"], end="")'
}
check "switch --dry-run answers the delta edgefwctl diff shows" bash -c \
	"diff <($(declare -f dry_text); CTL='$CTL' sock='$sock' dry_text) \
	      <(ip netns exec '$(ns_name edge)' '$CTL' diff policies/public-im-connectivity.policy --site '$site')"
check "and says how big it is" bash -c \
	"'$CTL' --socket '$sock' --json switch public-im-connectivity --dry-run | grep -q '\"rules_added\":[1-9]'"
check "switch to public-im-connectivity" ctl switch public-im-connectivity
check "status names where a rollback would go" bash -c \
	"'$CTL' --socket '$sock' status | grep -q '^previous  *edge-single-public'"
check "the table is the new policy" verify public-im-connectivity
check "the state records it" grep -q '^policy public-im-connectivity$' "$state/state"
check "switch to a policy that does not exist is refused" bash -c \
	"! '$CTL' --socket '$sock' switch no-such-policy 2>/dev/null"

# A switch is done once it is recorded: one that cannot be is undone.
chmod 0555 "$state"
rc=0
ctl switch edge-single-public >/dev/null 2>"$EFW_TMP/unrecorded" || rc=$?
check "a switch that cannot be recorded fails (exit $rc)" test "$rc" -eq 1
check "and says why" grep -q "cannot record the active policy in $state: Permission denied; back to public-im-connectivity" "$EFW_TMP/unrecorded"
check "the policy before it is back" verify public-im-connectivity
id=$("$CTL" --socket "$sock" --json switch edge-single-public --confirm 60 |
	tr -d ' \n' | grep -o '"switch_id":[0-9]*' | cut -d: -f2)
rc=0
ctl confirm "$id" >/dev/null 2>"$EFW_TMP/unrecorded" || rc=$?
check "a confirm that cannot be recorded fails (exit $rc)" test "$rc" -eq 1
check "goes back" verify public-im-connectivity
check "and nothing waits any more" bash -c \
	"! '$CTL' --socket '$sock' --json status | grep -q unconfirmed"
chmod 0755 "$state"
chmod 0775 "$state"
check "a state directory others may write: the switch is refused" bash -c \
	"'$CTL' --socket '$sock' switch edge-single-public 2>&1 | grep -q 'writable by others than the daemon.s user'"
chmod 0755 "$state"
check "the state still records public-im-connectivity" grep -q '^policy public-im-connectivity$' "$state/state"

# reload and switch tell the caller what does not compile, where.
cp "$site" "$site.good"
echo 'mode = sideways' >>"$site"
rc=0
ctl reload >/dev/null 2>"$EFW_TMP/reload" || rc=$?
check "reload of a broken site fails (exit $rc)" test "$rc" -eq 1
check "with file:line:col, the line and a caret" bash -c \
	"grep -q 'reload failed; the running rules stay: the policy does not compile:' '$EFW_TMP/reload' &&
	 grep -q 'site.conf:[0-9]*:[0-9]*: mode must be' '$EFW_TMP/reload' &&
	 grep -qx 'mode = sideways' '$EFW_TMP/reload' && grep -qx ' *\^' '$EFW_TMP/reload'"
check "switch says the same" bash -c \
	"'$CTL' --socket '$sock' switch edge-single-public 2>&1 | grep -q 'mode must be'"
cp "$site.good" "$site"
check "the running policy stays" verify public-im-connectivity

# A corrupt state: reported, and the default policy, never an open firewall.
# (The daemon running now keeps its policy; a restart below reads it.)
# kill -9: the rules stay; a new daemon restores the recorded policy.
kill -9 "$DPID"
while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
check "after kill -9 the rules stay in force" verify public-im-connectivity
rm -f "$sock"
check "edgefwd starts again" start_daemon
check "and holds the recorded policy" bash -c \
	"'$CTL' --socket '$sock' status | grep -q 'policy  *public-im-connectivity'"
check "switch back" ctl switch edge-single-public

kill -9 "$DPID"
while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
printf 'garbage\n' >"$state/state"
rm -f "$sock"
check "edgefwd starts with a corrupt state" start_daemon
check "says so" grep -q "state in .* is unreadable" "$EFW_TMP/edgefwd.log"
check "and applies the default policy" verify edge-single-public

# A record naming a policy that is gone: the default, said why; it starts.
kill -9 "$DPID"
while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
printf 'edgefw-state 1\npolicy gone-away\n' >"$state/state"
rm -f "$sock"
check "edgefwd starts with a record of a missing policy" start_daemon
check "says which and why" grep -q "recorded policy gone-away cannot be applied (no such policy); starting with policy edge-single-public" "$EFW_TMP/edgefwd.log"
check "and applies the default policy" verify edge-single-public

# The rest of the protocol.
check "list names the shipped policies" bash -c \
	"'$CTL' --socket '$sock' list | grep -q edge-scaled-hlb"
check "and the operator's own, once each" bash -c \
	"'$CTL' --socket '$sock' --json list | grep -q '\"my-im\"' &&
	 test \"\$('$CTL' --socket '$sock' --json list | grep -o '\"internal-servers\"' | wc -l)\" -eq 1"
check "status names the policy directories in order" bash -c \
	"'$CTL' --socket '$sock' --json status | tr -d ' \n' | grep -qF '\"policy_dirs\":[\"$mine\",\"$POLICIES\"]'"
check "switch to a name both directories have" ctl switch internal-servers
check "runs the operator's file, not the shipped one" verify public-im-connectivity
check "status names the file" bash -c \
	"'$CTL' --socket '$sock' --json status | tr -d ' \n' | grep -qF '\"policy_file\":\"$mine/internal-servers.policy\"'"
# A directory the daemon cannot look into is an error, never a quiet
# fall-back to the shipped file of the same name.
chmod 0700 "$mine"
check "an unreadable policy directory: reload refused" bash -c "! '$CTL' --socket '$sock' reload 2>/dev/null"
check "the operator's rules stay" verify public-im-connectivity
check "the log names the directory" grep -q "cannot look for policy internal-servers in $mine: Permission denied" "$EFW_TMP/edgefwd.log"
check "list names it too" bash -c \
	"'$CTL' --socket '$sock' list 2>&1 | grep -q 'cannot read policy directory $mine: Permission denied'"
chmod 0755 "$mine"
check "and back" ctl switch edge-single-public
# A dangling link in the operator's directory is the operator's file,
# broken: never a reason to take the shipped one of that name.
ln -s "$EFW_TMP/gone.policy" "$mine/edge-scaled-hlb.policy"
check "a dangling link shadows, it does not fall through" bash -c \
	"! '$CTL' --socket '$sock' switch edge-scaled-hlb --dry-run 2>/dev/null"
rm -f "$mine/edge-scaled-hlb.policy"
# A dry run says what is wrong itself, and logs nothing (anyone on the
# read-only socket may ask one).
sed 's/^\ttcp  5269 /\ttcp  70000 /' policies/edge-single-public.policy >"$mine/broken.policy"
chmod 0644 "$mine/broken.policy"
lines=$(wc -l <"$EFW_TMP/edgefwd.log")
check "a dry run of a broken policy answers with file:line:col" bash -c \
	"'$CTL' --socket '$sock' switch broken --dry-run 2>&1 |
	 grep -q 'the policy does not compile: $mine/broken.policy:[0-9]*:[0-9]*: port out of range'"
check "and leaves the log alone" test "$(wc -l <"$EFW_TMP/edgefwd.log")" -eq "$lines"
rm -f "$mine/broken.policy"

check "diff from the daemon: nothing to send" bash -c \
	"'$CTL' --socket '$sock' --json diff | grep -q '\"empty\":true'"
probe client tcp 198.51.100.10 443 || true
check "counters: row 5 (SIP/TLS to access_edge) counted the probes" bash -c \
	"'$CTL' --socket '$sock' --json counters | tr -d ' \n' | grep -qE '\"row\":5,[^}]*\"packets\":[1-9]'"
check "switch --confirm 1" ctl switch public-im-connectivity --confirm 1
check "status shows it unconfirmed" bash -c \
	"'$CTL' --socket '$sock' status | grep -q 'reverts_to  *edge-single-public'"
within_2s() {
	for _ in $(seq 40); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	return 1
}
check "unconfirmed, it goes back by itself" within_2s verify edge-single-public
check "switch --confirm 5, then confirm" bash -c \
	"'$CTL' --socket '$sock' switch public-im-connectivity --confirm 5 && '$CTL' --socket '$sock' confirm"
sleep 0.3
check "confirmed, it stays" verify public-im-connectivity
check "confirm with nothing to confirm is an error" bash -c \
	"! '$CTL' --socket '$sock' confirm 2>/dev/null"
check "rollback goes back to the policy before" bash -c \
	"'$CTL' --socket '$sock' rollback && ip netns exec '$(ns_name edge)' '$CTL' verify policies/edge-single-public.policy --site '$site'"

# A confirm or rollback naming its switch acts on that switch only.
id=$(ctl --json switch public-im-connectivity --confirm 30 | tr -d ' \n' |
	sed -n 's/.*"switch_id":\([0-9]*\).*/\1/p')
check "switch --confirm answers with a switch id ($id)" test -n "$id"
check "status shows the same id" bash -c \
	"'$CTL' --socket '$sock' --json status | tr -d ' \n' | grep -q '\"switch_id\":$id'"
check "confirm naming another switch is refused" bash -c \
	"'$CTL' --socket '$sock' confirm $((id + 1)) 2>&1 | grep -q 'switch $((id + 1)) is not the one waiting (switch $id is)'"
check "so is rollback" bash -c "! '$CTL' --socket '$sock' rollback $((id + 1)) 2>/dev/null"
check "and the switch still waits" bash -c \
	"'$CTL' --socket '$sock' status | grep -q 'reverts_to  *edge-single-public'"
check "confirm naming it" ctl confirm "$id"
check "a late rollback of that switch does nothing" bash -c \
	"'$CTL' --socket '$sock' rollback $id 2>&1 | grep -q 'switch $id is no longer waiting: nothing done'"
check "the confirmed policy stays" verify public-im-connectivity
check "back, plainly" ctl switch edge-single-public

# Bad requests: each gets an error, and the daemon goes on.
RAW=$EFW_BUILD/ctlraw
check "a malformed request gets an error reply" bash -c \
	"'$RAW' '$sock' text 'switch Bad-Name\\n' | grep -q '\"ok\":false'"
check "two requests in one write get two replies" bash -c \
	"[ \$('$RAW' '$sock' text 'hello\\nhello\\n' | grep -c '\"ok\":true') -eq 2 ]"
many=$(printf 'counters\\n%.0s' $(seq 100))
check "100 pipelined requests get 100 replies" bash -c \
	"[ \$('$RAW' '$sock' text '$many' | grep -c '\"ok\":true') -eq 100 ]"
# A client busy reading 300 pipelined replies slowly (longer than the
# 2 s --client-timeout in all) is busy, not idle: it gets every reply.
many=$(printf 'counters\\n%.0s' $(seq 300))
check "300 pipelined requests read slowly all get replies" bash -c \
	"[ \$('$RAW' '$sock' slow '$many' | grep -c '\"ok\":true') -eq 300 ]"
check "an oversized request is refused" bash -c \
	"'$RAW' '$sock' bytes 5000 | grep -q 'too long'"
check "a NUL inside a request is refused" bash -c \
	"'$RAW' '$sock' text 'hel\\0lo\\n' | grep -q '\"ok\":false'"
check "a half-sent request is dropped after the client timeout" bash -c \
	"timeout 10 '$RAW' '$sock' half 'stat' | grep -q closed"
check "the daemon still answers after all that" ctl hello
check "counters for people fit in 100 columns" bash -c \
	"'$CTL' --socket '$sock' counters | wc -L | awk '{ exit !(\$1 <= 100) }'"
check "and --json keeps the notes whole" bash -c \
	"'$CTL' --socket '$sock' --json counters | grep -q 'XMPP proxy accepts traffic from contacts in defined XMPP federations'"

# Clients that never read their replies cannot stall the loop: replies
# wait in the daemon, never the daemon on them.
ms() { echo $(($(date +%s%N) / 1000000)); }
many=$(printf 'counters\\n%.0s' $(seq 300))
deaf=()
for _ in $(seq 30); do
	"$RAW" "$sock" deaf "$many" >>"$EFW_TMP/deaf" 2>&1 &
	deaf+=($!)
done
# Each is answered until its socket and its share of the daemon's
# buffer are full (a few replies): then it costs the loop nothing. Wait
# for that (the daemon's CPU time stops growing), however busy the
# machine is.
cpu() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
prev=-1
for _ in $(seq 100); do
	now=$(cpu)
	[[ $now == "$prev" ]] && break
	prev=$now
	sleep 0.1
done
t0=$(ms)
ctl status >/dev/null
t=$(($(ms) - t0))
check "30 clients that never read: status answers in $t ms (<= 100)" test "$t" -le 100
in_ns edge nft add element inet edgefw in4 '{ "eth0" . 198.51.100.10 . tcp . 25 }'
t0=$(ms)
# Each look costs a process or two: the correction came before the start
# of the look that saw it.
while t1=$(ms); in_ns edge nft list set inet edgefw in4 | grep -q 'tcp . 25 '; do
	((t1 - t0 < 3000)) || break
done
t=$((t1 - t0))
check "and drift is corrected in $t ms (<= 100)" test "$t" -le 100
for p in "${deaf[@]}"; do wait "$p" || true; done
check "clients that never read are dropped ($(grep -c dropped "$EFW_TMP/deaf") of 30)" \
	test "$(grep -c dropped "$EFW_TMP/deaf")" -eq 30
check "the daemon answers after them" ctl hello

# A site that no longer parses, then SIGHUP: reported, rules stay.
cp "$site" "$site.good"
echo "mode = sideways" >>"$site"
kill -HUP "$DPID"
sleep 0.5
check "SIGHUP with a broken site logs file:line" \
	grep -q "site.conf:[0-9]*:[0-9]*: mode must be 'host' or 'gateway'" "$EFW_TMP/edgefwd.log"
check "and the running policy stays" \
	in_ns edge "$CTL" verify policies/edge-single-public.policy --site "$site.good"
cp "$site.good" "$site"
check "reload with the site mended" ctl reload

# An interface this machine lacks: applied all the same, with a warning
# at its line in the log (it may appear later).
sed -i 's/^zone internal = eth1$/zone internal = eth1, eht9/' "$site"
check "reload with an interface this machine lacks" ctl reload
check "the log names it, at its line" grep -q "site.conf:[0-9]*:[0-9]*: warning: this machine has no interface 'eht9'" "$EFW_TMP/edgefwd.log"
cp "$site.good" "$site"
check "and back" ctl reload

# The site names another policy: a reload switches to it and records it.
sed -i 's/^policy = .*/policy = public-im-connectivity/' "$site"
check "reload after the site names another policy" ctl reload
check "switches to it" verify public-im-connectivity
check "and records it" grep -q '^policy public-im-connectivity$' "$state/state"
sed -i 's/^policy = .*/policy = edge-single-public/' "$site"
check "and back the same way" ctl reload
check "is back" verify edge-single-public

# A FIFO where the site was: the reload is refused at once. (It hung the
# daemon in open() until someone wrote to the FIFO.)
mv "$site" "$site.good"
mkfifo -m 0644 "$site"
rc=0
timeout 10 "$CTL" --socket "$sock" reload >/dev/null 2>&1 || rc=$?
check "reload with a FIFO as the site is refused, not hung (exit $rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "the log names the file, then what it is" \
	grep -qF "$site: not a regular file (a FIFO)" "$EFW_TMP/edgefwd.log"
check "the daemon still answers" ctl hello
rm "$site"
mv "$site.good" "$site"
check "reload with the site back" ctl reload

# Another writer that changes the table back every time: noticed.
for _ in $(seq 12); do
	in_ns edge nft add element inet edgefw in4 '{ "eth0" . 198.51.100.10 . tcp . 23 }' 2>/dev/null || true
	sleep 0.12
done
check "a writer fighting us is reported" grep -q "was changed back 10 times" "$EFW_TMP/edgefwd.log"
check "status counts it" bash -c \
	"'$CTL' --socket '$sock' --json status | tr -d ' \n' | grep -q '\"writer_fights\":1,\"fighting\":true'"
sleep 5.5
check "and still corrected" verify edge-single-public

# A writer that never stops is still corrected, at least every 5 s: each
# of its events must not put the correction off again.
corrections() {
	"$CTL" --socket "$sock" --json status | tr -d ' \n' |
		grep -o '"drift_corrections":[0-9]*' | cut -d: -f2
}
(
	end=$((SECONDS + 13))
	while ((SECONDS < end)); do
		in_ns edge nft add element inet edgefw in4 \
			'{ "eth0" . 198.51.100.10 . tcp . 24 }' 2>/dev/null || true
		sleep 0.25
	done
) &
writer=$!
track_pid "$writer"
t_start=$(date +%s.%N)
last=$(corrections)
: >"$EFW_TMP/fixes"
while kill -0 "$writer" 2>/dev/null; do
	now=$(corrections)
	if [[ $now != "$last" ]]; then
		date +%s.%N >>"$EFW_TMP/fixes"
		last=$now
	fi
	sleep 0.2
done
gap=$(awk -v t="$t_start" '{ g = $1 - t; if (g > m) m = g; t = $1 } END { printf "%.1f", m }' "$EFW_TMP/fixes")
check "a writer every 0.25 s for 13 s: corrected $(wc -l <"$EFW_TMP/fixes") times, at most $gap s apart" \
	awk -v g="$gap" -v n="$(wc -l <"$EFW_TMP/fixes")" 'BEGIN { exit !(n >= 2 && g <= 5.7) }'
check "status says it is fighting" bash -c \
	"'$CTL' --socket '$sock' --json status | tr -d ' \n' | grep -q '\"fighting\":true'"
sleep 5.5
check "and the writer's element is gone once it stops" verify edge-single-public

# Another table's commit is not ours: the daemon still knows it is in sync.
check "in sync before" bash -c "'$CTL' --socket '$sock' --json status | grep -q '\"in_sync\":true'"
in_ns edge nft add table inet not-ours
check "a commit to another table leaves status in sync" bash -c \
	"'$CTL' --socket '$sock' --json status | grep -q '\"in_sync\":true'"
in_ns edge nft delete table inet not-ours
check "and so does its removal" bash -c \
	"'$CTL' --socket '$sock' --json status | grep -q '\"in_sync\":true'"

# Strangers: uid 1 is neither root nor in group nogroup. With the socket
# file open to all, the daemon's own SO_PEERCRED check refuses it.
chmod 0666 "$sock"
if command -v setpriv >/dev/null; then
	check "SO_PEERCRED refuses a stranger" bash -c \
		"setpriv --reuid=1 --regid=1 --clear-groups '$CTL' --socket '$sock' status 2>&1 | grep -q 'permission denied: root or group nogroup only'"
	check "and the refusal is logged" grep -q "control connection refused: uid 1" "$EFW_TMP/edgefwd.log"
fi
chmod 0660 "$sock"
if command -v setpriv >/dev/null; then
	check "an unauthorized uid is refused" bash -c \
		"! setpriv --reuid=1 --regid=1 --clear-groups '$CTL' --socket '$sock' status 2>/dev/null"
fi

# The read-only socket: group daemon (uid 1) may look, not change.
if command -v setpriv >/dev/null; then
	as_daemon() { setpriv --reuid=1 --regid=1 --clear-groups "$CTL" --socket "$rsock" "$@"; }
	for rq in status list counters diff "switch internal-servers --dry-run"; do
		# shellcheck disable=SC2086
		check "read-only socket: group daemon may ask $rq" as_daemon $rq
	done
	for rq in "switch internal-servers" confirm rollback reconcile reload; do
		# shellcheck disable=SC2086
		check "read-only socket: $rq is refused" bash -c \
			"setpriv --reuid=1 --regid=1 --clear-groups '$CTL' --socket '$rsock' $rq 2>&1 |
			 grep -q 'read-only socket: ${rq%% *} needs the control socket'"
	done
	check "even for root" bash -c \
		"'$CTL' --socket '$rsock' switch internal-servers 2>&1 | grep -q 'read-only socket'"
	check "and nothing changed" verify edge-single-public
	check "group daemon cannot reach the control socket" bash -c \
		"! setpriv --reuid=1 --regid=1 --clear-groups '$CTL' --socket '$sock' status 2>/dev/null"
	chmod 0666 "$rsock"
	check "a stranger (uid 2) is refused by the daemon itself" bash -c \
		"setpriv --reuid=2 --regid=2 --clear-groups '$CTL' --socket '$rsock' status 2>&1 |
		 grep -q 'permission denied: root or group nogroup or daemon only'"
	check "and the refusal is logged" grep -q "read-only connection refused: uid 2" "$EFW_TMP/edgefwd.log"
	chmod 0660 "$rsock"
fi
# Lookers cannot fill the daemon's client table: 80 idle read-only
# connections, and the control socket still answers.
idle=()
for _ in $(seq 80); do
	"$RAW" "$rsock" half 'hello' >>"$EFW_TMP/idle" 2>&1 &
	idle+=($!)
done
sleep 0.5
check "80 idle read-only connections: the control socket still answers" ctl status
check "and read-only ones beyond half the table are turned away" \
	grep -q "busy: too many clients" "$EFW_TMP/idle"
for p in "${idle[@]}"; do wait "$p" || true; done
check "an unknown request gets an error reply" bash -c \
	"! '$CTL' --socket '$sock' switch 'Bad Name' 2>/dev/null"

# 100 clients at once; the daemon still answers afterwards.
fails=0
pids=()
for _ in $(seq 100); do
	ctl status >/dev/null 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check "100 concurrent clients all answered ($fails failed)" test "$fails" -eq 0
check "the daemon still answers" ctl hello

# A daemon that hangs (stopped here) does not hang its callers.
kill -STOP "$DPID"
rc=0
t0=$SECONDS
ctl --timeout 1 status >/dev/null 2>"$EFW_TMP/hung" || rc=$?
check "a hung daemon: the caller gives up after --timeout (exit $rc)" \
	test "$rc" -eq 1 -a $((SECONDS - t0)) -le 3
check "and says so" grep -q "did not answer within 1 seconds" "$EFW_TMP/hung"
# More callers than the listen backlog holds: the later ones wait in
# connect(), and give up there too.
t0=$SECONDS
pids=()
for _ in $(seq 24); do
	ctl --timeout 1 status >/dev/null 2>>"$EFW_TMP/hung" &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
kill -CONT "$DPID"
check "24 callers of a hung daemon all give up ($fails of 24, $((SECONDS - t0)) s)" \
	test "$fails" -eq 24 -a $((SECONDS - t0)) -le 4
check "those past the backlog say so" grep -q "did not take the connection within 1 seconds" "$EFW_TMP/hung"
check "--timeout 0 is refused" bash -c "! '$CTL' --socket '$sock' --timeout 0 status 2>&1 | grep -q ok"
check "the daemon answers again" ctl hello

# SIGTERM: exits, rules stay.
kill -TERM "$DPID"
while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
check "after SIGTERM the rules stay in force" verify edge-single-public
check "the log names what it did, and who" grep -q "drift corrected.*last changed by nft\[" "$EFW_TMP/edgefwd.log"

# Under a service manager: READY=1 once the policy is in force.
rm -f "$sock" "$EFW_TMP/notify"
"$EFW_BUILD/ctlraw" "$EFW_TMP/notify" notify 10 >"$EFW_TMP/notified" &
npid=$!
sleep 0.2
NOTIFY_SOCKET=$EFW_TMP/notify in_ns edge "$D" --site "$site" \
	--policy-dir "$POLICIES" --state-dir "$state" --socket "$sock" --user root \
	>>"$EFW_TMP/edgefwd.log" 2>&1 &
track_pid $!
wait "$npid" || true
check "it tells the service manager READY=1" grep -qx "READY=1" "$EFW_TMP/notified"
pkill -TERM -f -- "--socket $sock" || true
for _ in $(seq 50); do pgrep -f -- "--socket $sock" >/dev/null || break; sleep 0.1; done

# Once more under valgrind: no leaks, no errors, over every request kind;
# a recorded timed exception is opened again at start.
if command -v valgrind >/dev/null; then
	rm -f "$sock"
	now=$(($(date +%s%N) / 1000000))
	printf 'edgefw-exceptions 1\nnext 5\nx 4 %s %s 0 tcp 8443-8443 any local - valgrind\n' \
		"$now" "$((now + 600000))" >"$state/exceptions"
	in_ns edge valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 --log-file="$EFW_TMP/vg" "$D" --foreground \
		--site "$site" --policy-dir "$POLICIES" --state-dir "$state" \
		--socket "$sock" --interval 30 --user root \
		>>"$EFW_TMP/edgefwd.log" 2>&1 &
	vgpid=$!
	track_pid "$vgpid"
	for _ in $(seq 100); do
		[[ -S $sock ]] && ctl hello >/dev/null 2>&1 && break
		sleep 0.1
	done
	for rq in status reconcile reload "switch public-im-connectivity" \
		"switch nope" "switch edge-single-public --dry-run" \
		"switch edge-single-public" exceptions \
		"allow tcp 8444 from 198.51.100.0/24 to access_edge --for 1h debugging" \
		"allow tcp 8444 --for 1h overlapping" "allow tcp 8445 --for 2d too-long" \
		"allow tcp 8445 to nobody --for 1h no-such-role" exceptions \
		"revoke 4" "revoke 5" "revoke 99"; do
		# shellcheck disable=SC2086
		ctl $rq >/dev/null 2>&1 || true
	done
	pkill -TERM -f -- "valgrind.*--socket $sock" || true
	rc=0
	wait "$vgpid" || rc=$?
	check "edgefwd is clean under valgrind (exit $rc)" test "$rc" -eq 0
	check "and served the timed exceptions there" bash -c \
		"grep -q 'exception 4 opened again' '$EFW_TMP/edgefwd.log' &&
		 grep -q 'exception 5 added by uid 0 for 1h' '$EFW_TMP/edgefwd.log' &&
		 grep -q 'exception 4 revoked by uid 0' '$EFW_TMP/edgefwd.log' &&
		 grep -q 'exception 5 revoked by uid 0' '$EFW_TMP/edgefwd.log'"
	[[ $rc -eq 0 ]] || sed 's/^/#   /' "$EFW_TMP/vg"
fi


# The read-only socket may not be the control socket, however spelled.
rc=0
in_ns edge timeout 10 "$D" --foreground --site "$site" --policy-dir "$POLICIES" \
	--state-dir "$state" --socket "$EFW_TMP/twice" --user root \
	--read-socket "$EFW_TMP//twice" >"$EFW_TMP/twice.log" 2>&1 || rc=$?
check "--read-socket naming the control socket is refused (exit $rc)" test "$rc" -eq 1
check "and says so" grep -q "is the control socket" "$EFW_TMP/twice.log"
finish
