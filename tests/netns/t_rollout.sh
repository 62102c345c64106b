#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_rollout.sh BUILD_DIR: contrib/fleet/edgefw-rollout against three
# "hosts": three namespaces, each running its own edgefwd (own socket,
# state and two policy directories: "mine", empty at first, then
# "policies", the shipped ones). The remote shell is a fake EDGEFW_RSH that
# runs the command in the namespace named by HOST (2001:db8::e1 is an alias
# of the first), where a private bind mount shows that host's directory at
# one common path (as if every host had the same paths). What each daemon
# runs is read from the daemons (status, state file) and the kernel
# (verify, nft list in the namespace), not only from the tool's output:
#   a roll-out to all three succeeds; run again, it changes nothing;
#   --dry-run changes nothing; a failing health check on the 2nd host rolls
#   it back and stops (1st keeps the new policy, 3rd untouched); a policy
#   with a syntax error is refused by check on the 1st host, nothing
#   changes anywhere; the active policy's file is never replaced in place;
#   a pending unconfirmed switch is left alone; contact lost after a
#   switch: edgefwd goes back by itself at the deadline; canaries; a
#   shipped policy (only in the second directory) is found where edgefwd
#   finds it; a new file is not installed in front of the active policy's;
#   --policy-dir must be a directory edgefwd uses, not shadowed; a host
#   spelled as an IPv6 address; an edgefwd too slow to answer a switch is
#   contact lost, not a refusal; numbers with leading zeros are decimal.

# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
ROLLOUT=$PWD/contrib/fleet/edgefw-rollout
[[ -x $ROLLOUT ]] || bail_out "$ROLLOUT missing or not executable"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"

T=$EFW_TMP
H1=$(ns_name h1)
H2=$(ns_name h2)
H3=$(ns_name h3)

# ---- three hosts -------------------------------------------------------------

# dir NAME: the host's own directory (site, policies, state, socket, log).
dir() { echo "$T/$(ns_name "$1")"; }

for n in h1 h2 h3; do
	ns_add "$n" || bail_out "cannot make namespace $n"
	d=$(dir "$n")
	mkdir -p "$d/state" "$d/mine"
	chown nobody "$d/state"
	copy_policies "$d/policies"
	cp policies/examples/edge-single-public.site "$d/site.conf"
	chmod 0644 "$d/site.conf"
done
mkdir -p "$T/host" # the common path each host's directory is seen at

declare -A DPIDS=()
start_daemon() {
	local n=$1 d
	d=$(dir "$n")
	start_edgefwd "$n" "$d/control" "$d/edgefwd.log" --site "$d/site.conf" \
		--policy-dir "$d/mine" --policy-dir "$d/policies" \
		--state-dir "$d/state" \
		--user nobody --group nogroup --interval 30 || return 1
	DPIDS[$n]=$DPID
}
for n in h1 h2 h3; do
	start_daemon "$n" || bail_out "edgefwd did not start in $n"
done

# The fake remote shell: HOST COMMAND, as ssh takes them. Refuses anything
# but this test's namespaces (and 2001:db8::e1, an IPv6 literal standing
# for h1); $T/down-HOST makes it fail as ssh does when a host cannot be
# reached (exit 255); $T/stall-HOST (holding the pid of HOST's edgefwd)
# stops that edgefwd (SIGSTOP) before running a switch --confirm. Every
# call is logged, with HOST as given.
cat >"$T/rsh" <<EOF
#!/bin/sh
T='$T'
host=\$1
shift
echo "\$host \$*" >>"\$T/rsh.log"
case \$host in
2001:db8::e1) host='$H1' ;;
esac
case \$host in
$EFW_PREFIX*) ;;
*) echo "rsh: \$host is not a namespace of this test" >&2; exit 255 ;;
esac
[ -d "\$T/\$host" ] || { echo "rsh: no host \$host" >&2; exit 255; }
if [ -e "\$T/down-\$host" ]; then
	echo "ssh: connect to host \$host port 22: Connection timed out" >&2
	exit 255
fi
if [ -e "\$T/stall-\$host" ]; then
	case "\$*" in
	*"'--confirm'"*) kill -STOP "\$(cat "\$T/stall-\$host")" ;;
	esac
fi
# ip netns exec, then a private mount namespace of its own: the bind mount
# is seen by this command only, never by the root namespace.
exec ip netns exec "\$host" unshare --mount --propagation private \\
	sh -c 'mount --bind "\$1" "\$2" && exec sh -c "\$3"' rsh "\$T/\$host" "\$T/host" "\$*"
EOF
chmod 0755 "$T/rsh"

# The health check: logs its host; fails for a host with a file
# $T/unhealthy-HOST, or (flaky-HOST) from its second call on.
cat >"$T/health" <<EOF
#!/bin/sh
echo "\$1" >>'$T/health.log'
[ ! -e '$T/unhealthy-'"\$1" ] || { echo "\$1: 503 from the front end"; exit 1; }
if [ -e '$T/flaky-'"\$1" ]; then
	[ ! -e '$T/seen-'"\$1" ] || { echo "\$1: worse after a while"; exit 1; }
	touch '$T/seen-'"\$1"
fi
echo "\$1: fine"
EOF
chmod 0755 "$T/health"

printf '%s\n' "# the test's hosts" "$H1" "" "$H2   # comment" "$H3" >"$T/hosts"

# Policies to roll out: two real scenarios under new names, and a broken one.
sed 's/^policy public-im-connectivity /policy edge-v2 /' \
	policies/public-im-connectivity.policy >"$T/edge-v2.policy"
sed 's/^policy edge-single-public /policy edge-v3 /' \
	policies/edge-single-public.policy >"$T/edge-v3.policy"
sed -e 's/^policy edge-v3 /policy edge-bad /' \
	-e '0,/^zone external {/s//zone external {\n\ttcp 99999 any access_edge "no such port"/' \
	"$T/edge-v3.policy" >"$T/edge-bad.policy"
grep -q 99999 "$T/edge-bad.policy" || bail_out "could not make the broken policy"

# ---- reading the hosts --------------------------------------------------------

ctl_of() {
	local n=$1
	shift
	"$CTL" --socket "$(dir "$n")/control" "$@"
}
# field_of NAME KEY: a field of the daemon's status ("" if absent).
field_of() {
	ctl_of "$1" status | awk -v k="$2" '$1 == k { v = $2 } END { print v }'
}
# pfile NAME POLICY: the file the daemon takes POLICY from (mine first).
pfile() {
	local d
	d=$(dir "$1")
	if [[ -e $d/mine/$2.policy ]]; then
		echo "$d/mine/$2.policy"
	else
		echo "$d/policies/$2.policy"
	fi
}
# on NAME POLICY: the daemon runs POLICY, confirmed (nothing pending), the
# state records it, and the live table in the namespace is POLICY compiled.
on() {
	local n=$1 p=$2 d
	d=$(dir "$n")
	[[ $(field_of "$n" policy) == "$p" ]] &&
		[[ -z $(field_of "$n" reverts_to) ]] &&
		grep -qx "policy $p" "$d/state/state" &&
		in_ns "$n" "$CTL" verify "$(pfile "$n" "$p")" \
			--site "$d/site.conf" >/dev/null 2>&1
}
# snap NAME: what must not change: policy, pending switch, ruleset
# generation, the live table, the policy directories' files.
snap() {
	local n=$1
	field_of "$n" policy
	field_of "$n" reverts_to
	field_of "$n" generation
	in_ns "$n" nft -s list table inet edgefw
	(cd "$(dir "$n")" && find . -type f \( -name '*.policy' -o \
		-name '.*.rollout.*' \) -print0 | sort -z | xargs -0r md5sum --)
}
snap_all() {
	local n
	for n in h1 h2 h3; do snap "$n" >"$T/snap.$1.$n"; done
}
# same_as TAG NAME: NAME is as it was at snap_all TAG.
same_as() {
	snap "$2" >"$T/snap.now.$2" && cmp -s "$T/snap.$1.$2" "$T/snap.now.$2"
}
no_leftovers() {
	! compgen -G "$(dir "$1")/*/.*.rollout.*" >/dev/null &&
		! compgen -G "$(dir "$1")/.*.rollout.*" >/dev/null
}

# rollout ARGS...: runs the tool with the test's transport and paths; RC
# is its exit status, OUT its output. The output is shown as comments.
RC=0
OUT=""
rollout() {
	: >"$T/rsh.log"
	RC=0
	EDGEFW_RSH=$T/rsh "$ROLLOUT" --socket "$T/host/control" \
		--edgefwctl "$CTL" --timeout 30 "$@" >"$T/out" 2>&1 || RC=$?
	OUT=$(<"$T/out")
	sed 's/^/#   /' "$T/out"
}
out_has() {
	grep -qE -- "$1" <<<"$OUT"
}
# summary_says STATE HOST: the summary lists HOST as STATE.
summary_says() {
	grep -qE "^  $1 +$2( |\$)" <<<"$OUT"
}

for n in h1 h2 h3; do
	check "$n starts on edge-single-public" bash -c \
		"'$CTL' --socket '$(dir "$n")/control' status | grep -q '^policy  *edge-single-public\$' && ip netns exec '$(ns_name "$n")' '$CTL' verify '$(dir "$n")/policies/edge-single-public.policy' --site '$(dir "$n")/site.conf' >/dev/null"
done

# ---- usage ---------------------------------------------------------------------

check "--help documents the exit statuses" bash -c \
	"'$ROLLOUT' --help | grep -q '^Exit status:'"
rollout "$T/hosts"
check "a missing policy name is a usage error (exit 2)" test "$RC" -eq 2
rollout "$T/hosts" Bad_Name
check "an invalid policy name is refused (exit 2)" test "$RC" -eq 2
printf '%s\n' "$H1" "-oProxyCommand=evil" >"$T/hosts.bad"
rollout "$T/hosts.bad" edge-v2
check "a host that looks like an option is refused (exit 2)" test "$RC" -eq 2
check "and nothing was contacted" test ! -s "$T/rsh.log"

# ---- (a) a roll-out to all three ----------------------------------------------

rm -f "$T/health.log"
rollout --policy-file "$T/edge-v2.policy" --confirm 30 \
	--health "$T/health %h" "$T/hosts" edge-v2
check "(a) roll-out of edge-v2 to 3 hosts exits 0 (exit $RC)" test "$RC" -eq 0
for n in h1 h2 h3; do
	check "(a) $n runs edge-v2, confirmed, recorded, live table = edge-v2" on "$n" edge-v2
	check "(a) $n: the policy file is installed in the first directory, readable (0644)" \
		test "$(stat -c %a "$(dir "$n")/mine/edge-v2.policy")" = 644
	check "(a) $n: no temporary copy left" no_leftovers "$n"
	check "(a) summary: $n changed" summary_says changed "$(ns_name "$n")"
done
check "(a) the health check ran once a host, in order, with %h replaced" \
	test "$(cat "$T/health.log" 2>/dev/null)" = "$(printf '%s\n' "$H1" "$H2" "$H3")"
check "(a) the edgefwd log shows a confirmed switch" \
	grep -q "switch to policy edge-v2 confirmed" "$(dir h2)/edgefwd.log"

snap_all again
rollout --policy-file "$T/edge-v2.policy" "$T/hosts" edge-v2
check "(a) run again: exit 0 (exit $RC)" test "$RC" -eq 0
for n in h1 h2 h3; do
	check "(a) run again: $n already on edge-v2, left alone" summary_says already "$(ns_name "$n")"
	check "(a) run again: $n unchanged (generation, table, files)" same_as again "$n"
done

# ---- (c) --dry-run changes nothing ------------------------------------------------

snap_all dry
rollout --dry-run --policy-file "$T/edge-v3.policy" "$T/hosts" edge-v3
check "(c) --dry-run exits 0 (exit $RC)" test "$RC" -eq 0
for n in h1 h2 h3; do
	check "(c) $n: status, generation, live table and files unchanged" same_as dry "$n"
	check "(c) $n: no edge-v3.policy installed" bash -c \
		"! compgen -G '$(dir "$n")/*/edge-v3.policy' >/dev/null"
	check "(c) $n: no temporary copy left" no_leftovers "$n"
	check "(c) summary: $n would change" summary_says "would change" "$(ns_name "$n")"
done
check "(c) it says what would change" out_has "$H2: would switch edge-v2 -> edge-v3, sending: \+[1-9]"
check "(c) and shows the ruleset changes" out_has '^ +\| \+ element in4 '
check "(c) no switch was sent, none logged by any edgefwd" bash -c \
	"! grep -q \"'--confirm'\\|switched to policy edge-v3\" '$T/rsh.log' '$(dir h1)/edgefwd.log' '$(dir h2)/edgefwd.log' '$(dir h3)/edgefwd.log'"

# ---- (b) the health check fails on the 2nd host -----------------------------------

snap_all b
touch "$T/unhealthy-$H2"
rm -f "$T/health.log"
rollout --policy-file "$T/edge-v3.policy" --confirm 30 \
	--health "$T/health %h" "$T/hosts" edge-v3
rm -f "$T/unhealthy-$H2"
check "(b) exits 1: rolled back and stopped (exit $RC)" test "$RC" -eq 1
check "(b) h1 keeps edge-v3 (status, state, live table)" on h1 edge-v3
check "(b) h2 is back on edge-v2 (status, state, live table)" on h2 edge-v2
check "(b) h2's edgefwd logged the rollback" \
	grep -q "rolled back to policy edge-v2" "$(dir h2)/edgefwd.log"
check "(b) the rollback named the switch it undid" \
	grep -qE "^$H2 .*'rollback' '[0-9]+'" "$T/rsh.log"
check "(b) h3 untouched: generation, table and files as before" same_as b h3
check "(b) h3 untouched: never contacted" bash -c "! grep -q '^$H3 ' '$T/rsh.log'"
check "(b) h3 untouched: no health check either" \
	test "$(cat "$T/health.log")" = "$(printf '%s\n' "$H1" "$H2")"
check "(b) summary: h1 changed" summary_says changed "$H1"
check "(b) summary: h2 rolled back" summary_says "rolled back" "$H2"
check "(b) summary: h3 untouched" summary_says untouched "$H3"
check "(b) the health check's output is in the log" out_has "503 from the front end"

# ---- (d) a policy with a syntax error ---------------------------------------------

snap_all d
rollout --policy-file "$T/edge-bad.policy" --health "$T/health %h" \
	"$T/hosts" edge-bad
check "(d) a broken policy: exit 3, refused before any change (exit $RC)" test "$RC" -eq 3
check "(d) check's diagnostic names file:line:col" \
	out_has "edge-bad\.rollout\.[A-Za-z0-9]+:[0-9]+:[0-9]+: port out of range"
for n in h1 h2 h3; do
	check "(d) $n unchanged: status, generation, live table, files" same_as d "$n"
	check "(d) $n: no temporary copy left" no_leftovers "$n"
done
check "(d) h2 and h3 were never contacted" bash -c \
	"! grep -q '^$H2 \|^$H3 ' '$T/rsh.log'"
check "(d) summary: h1 not changed, h2 and h3 untouched" bash -c \
	"grep -qE '^  not changed +$H1 ' '$T/out' && grep -qE '^  untouched +$H2\$' '$T/out' && grep -qE '^  untouched +$H3\$' '$T/out'"

# ---- the active policy's file is never replaced in place ------------------------------

{ cat "$T/edge-v3.policy"; echo "# changed"; } >"$T/edge-v3-changed.policy"
snap_all inplace
printf '%s\n' "$H1" >"$T/hosts.h1"
rollout --replace --policy-file "$T/edge-v3-changed.policy" "$T/hosts.h1" edge-v3
check "replacing the ACTIVE policy's file is refused (exit 3; exit $RC)" test "$RC" -eq 3
check "and says why" out_has "is the ACTIVE policy here"
check "h1 unchanged" same_as inplace h1
check "and no temporary copy left" no_leftovers h1

# An existing inactive file that differs: only with --replace.
printf '%s\n' "$H2" >"$T/hosts.h2"
rollout --policy-file "$T/edge-v3-changed.policy" "$T/hosts.h2" edge-v3
check "an existing different file is not overwritten without --replace (exit $RC)" \
	test "$RC" -eq 3
check "h2 unchanged" same_as inplace h2

# ---- a pending unconfirmed switch is someone else's ---------------------------------

ctl_of h3 switch edge-single-public --confirm 60 >/dev/null
snap_all pending
printf '%s\n' "$H3" >"$T/hosts.h3"
rollout --policy-file "$T/edge-v3.policy" "$T/hosts.h3" edge-v3
check "a host with an unconfirmed switch pending is refused (exit 3; exit $RC)" test "$RC" -eq 3
check "h3 untouched (its pending switch too)" same_as pending h3
ctl_of h3 rollback >/dev/null
check "h3 back on edge-v2" on h3 edge-v2

# ---- contact lost after the switch --------------------------------------------------

# The health check passes, then the "network" goes: the confirm cannot be
# sent. edgefwd goes back by itself at the deadline.
rollout --policy-file "$T/edge-v3.policy" --confirm 3 \
	--health "$T/health %h && touch $T/down-%h" "$T/hosts.h3" edge-v3
check "contact lost after the switch: exit 4 (exit $RC)" test "$RC" -eq 4
check "it says edgefwd goes back by itself" out_has "goes back to edge-v2 by itself at"
check "meanwhile h3 runs edge-v3, unconfirmed" \
	test "$(field_of h3 reverts_to)" = edge-v2
for ((i = 0; i < 60; i++)); do
	[[ -n $(field_of h3 reverts_to) ]] || break
	sleep 0.1
done
check "unconfirmed, h3's edgefwd went back to edge-v2 by itself" on h3 edge-v2
check "and logged it" grep -q "was not confirmed in time: going back to edge-v2" \
	"$(dir h3)/edgefwd.log"
rm -f "$T/down-$H3"

# ---- canaries -------------------------------------------------------------------

# h2 is the canary: healthy at its switch, unhealthy after the soak.
printf '%s\n' "$H2" "$H3" >"$T/hosts.23"
touch "$T/flaky-$H2"
rm -f "$T/seen-$H2"
snap_all canary
rollout --policy-file "$T/edge-v3.policy" --replace --canary 1 --soak 1 \
	--health "$T/health %h" "$T/hosts.23" edge-v3
check "a canary unhealthy after the soak: exit 1 (exit $RC)" test "$RC" -eq 1
check "the canary is rolled back to edge-v2" on h2 edge-v2
check "by a rollback, so edgefwd forgets the unhealthy policy as its previous" \
	test -z "$(field_of h2 previous)"
check "the rest is untouched" same_as canary h3
rm -f "$T/flaky-$H2"
rollout --policy-file "$T/edge-v3.policy" --canary 1 --soak 1 \
	--health "$T/health %h" "$T/hosts.23" edge-v3
check "a healthy canary, then the rest: exit 0 (exit $RC)" test "$RC" -eq 0
check "the canary h2 runs edge-v3" on h2 edge-v3
check "and h3 after it" on h3 edge-v3
check "the canary was checked again after the soak" out_has "canaries healthy: going on"

# While the canary soaks, someone else switches it (unconfirmed); then it
# turns unhealthy: the tool must not roll back their switch.
touch "$T/flaky-$H2"
rm -f "$T/seen-$H2"
{
	echo '#!/bin/sh'
	echo "if [ -e '$T/seen-'\"\$1\" ]; then"
	echo "	'$CTL' --socket '$(dir h2)/control' switch edge-single-public --confirm 60 >/dev/null"
	echo 'fi'
	echo "exec '$T/health' \"\$1\""
} >"$T/meddle"
chmod 0755 "$T/meddle"
rollout --confirm 30 --canary 1 --soak 1 --health "$T/meddle %h" "$T/hosts.23" edge-v2
check "someone's switch during the soak: not rolled back, exit 4 (exit $RC)" test "$RC" -eq 4
check "it says why" out_has "NOT rolled back: edgefwd runs 'edge-single-public' with a switch waiting"
check "their switch still waits on h2" test "$(field_of h2 reverts_to)" = edge-v2
ctl_of h2 rollback >/dev/null 2>&1 || true
ctl_of h2 switch edge-v3 >/dev/null 2>&1 || true
rm -f "$T/flaky-$H2"
check "h2 put back on edge-v3" on h2 edge-v3
check "and h3, after the canary, was left alone" on h3 edge-v3

# ---- interrupted while a host is unconfirmed ----------------------------------------

: >"$T/rsh.log"
EDGEFW_RSH=$T/rsh "$ROLLOUT" \
	--socket "$T/host/control" --edgefwctl "$CTL" --confirm 60 \
	--health "touch $T/in-health; sleep 1" "$T/hosts.h1" edge-v2 \
	>"$T/out" 2>&1 &
rpid=$!
for ((i = 0; i < 100; i++)); do
	[[ ! -e $T/in-health ]] || break
	sleep 0.05
done
check "h1 runs edge-v2, unconfirmed, while the health check runs" \
	test "$(field_of h1 policy) $(field_of h1 reverts_to)" = "edge-v2 edge-v3"
kill -TERM "$rpid"
RC=0
wait "$rpid" || RC=$?
OUT=$(<"$T/out")
sed 's/^/#   /' "$T/out"
check "TERM during the health check: exit 143 (exit $RC)" test "$RC" -eq 143
check "the unconfirmed host was rolled back to edge-v3 at once (not at its deadline)" on h1 edge-v3
check "and the summary says so" summary_says "rolled back" "$H1"


# ---- a shipped policy: only in the second policy directory ---------------------

# No --policy-file: each host's edgefwd takes public-im-connectivity from
# its second directory (its first, "mine", has none), and so must the
# tool. --confirm 08 is eight seconds (not octal), on the host too.
snap_all shipped
rollout --confirm 08 --health "$T/health %h" "$T/hosts" public-im-connectivity
check "(e) a shipped policy rolled out to 3 hosts: exit 0 (exit $RC)" test "$RC" -eq 0
for n in h1 h2 h3; do
	check "(e) $n runs public-im-connectivity (status, state, live table)" \
		on "$n" public-im-connectivity
	check "(e) $n: nothing copied into its first directory" \
		test ! -e "$(dir "$n")/mine/public-im-connectivity.policy"
done
check "(e) it checked the file edgefwd takes (the second directory's)" \
	out_has "$H2: edgefwd takes public-im-connectivity from $(dir h2)/policies/public-im-connectivity\.policy"
check "(e) --confirm 08 reached the hosts as 8 seconds" \
	grep -q "'switch' 'public-im-connectivity' '--confirm' '8'" "$T/rsh.log"
check "(e) confirm named the switch it was meant for (its switch id)" \
	grep -qE "'confirm' '[0-9]+'" "$T/rsh.log"
check "(e) every edgefwctl on the hosts got --timeout 25 (--timeout 30 less 5)" bash -c \
	"grep -q \"'$CTL'\" '$T/rsh.log' && ! grep \"'$CTL'\" '$T/rsh.log' | grep -v \"'$CTL' '--timeout' '25' \""

rollout --dry-run --confirm 010 --health-timeout 9 --health true \
	"$T/hosts.h1" edge-v2
check "numbers are decimal: --confirm 010 is longer than --health-timeout 9 (exit $RC)" \
	test "$RC" -eq 0

# ---- a new file in front of the active policy's ---------------------------------

# h1 runs public-im-connectivity from the shipped directory. Copied into
# its first directory, a file of that name would shadow the active one:
# edgefwd would take it at the next reload, without a confirm deadline.
{ cat policies/public-im-connectivity.policy; echo "# mine"; } >"$T/pic-mine.policy"
snap_all shadow
rollout --policy-dir "$T/host/mine" --policy-file "$T/pic-mine.policy" \
	"$T/hosts.h1" public-im-connectivity
check "(f) a new file shadowing the ACTIVE policy's is refused (exit 3; exit $RC)" \
	test "$RC" -eq 3
check "(f) and says why" out_has "public-im-connectivity is the ACTIVE policy here \(from .*/policies/public-im-connectivity\.policy\); installing .* would shadow that file"
check "(f) summary: h1 not changed" summary_says "not changed" "$H1"
check "(f) h1 unchanged, nothing installed, no temporary copy left" \
	same_as shadow h1
check "(f) (no public-im-connectivity.policy in its first directory)" \
	test ! -e "$(dir h1)/mine/public-im-connectivity.policy"

# A host that does not run it: the new file shadows the shipped one.
{ cat policies/edge-single-public.policy; echo "# mine"; } >"$T/esp-mine.policy"
rollout --policy-file "$T/esp-mine.policy" "$T/hosts.h2" edge-single-public
check "(f) a new file in front of an inactive shipped one: exit 0 (exit $RC)" \
	test "$RC" -eq 0
check "(f) it says it shadows the shipped file" \
	out_has "mine/edge-single-public\.policy will shadow $(dir h2)/policies/edge-single-public\.policy"
check "(f) installed in h2's first directory" \
	cmp -s "$T/esp-mine.policy" "$(dir h2)/mine/edge-single-public.policy"
check "(f) h2 runs edge-single-public" on h2 edge-single-public

# --policy-dir: a directory edgefwd uses, with no file of that name before it.
snap_all policydir
rollout --policy-dir "$T/host/policies" --policy-file "$T/edge-v3.policy" \
	"$T/hosts.h2" edge-v3
check "(g) --policy-dir after a directory that has the policy: exit 3 (exit $RC)" \
	test "$RC" -eq 3
check "(g) and says why" out_has "edgefwd takes edge-v3 from .*/mine/edge-v3\.policy, which comes before"
rollout --policy-dir "$T/host" --policy-file "$T/edge-v3.policy" \
	"$T/hosts.h2" edge-v3
check "(g) --policy-dir not among edgefwd's directories: exit 3 (exit $RC)" \
	test "$RC" -eq 3
check "(g) and says why" out_has "is not one of edgefwd's policy directories here"
check "(g) h2 unchanged, no temporary copy left" same_as policydir h2

# ---- a host spelled as an IPv6 address ----------------------------------------

# The staged copy lives on HOST: removing it must go to the whole address,
# not to what comes before its first colon.
printf '%s\n' 2001:db8::e1 >"$T/hosts.v6"
snap_all v6
rollout --dry-run --policy-file "$T/edge-v3.policy" "$T/hosts.v6" edge-v3
check "(h) dry run on 2001:db8::e1 (h1): exit 0 (exit $RC)" test "$RC" -eq 0
check "(h) summary: 2001:db8::e1 would change" summary_says "would change" 2001:db8::e1
check "(h) the staged copy was removed on 2001:db8::e1" \
	grep -q '^2001:db8::e1 .*rm -f -- .*/\.edge-v3\.rollout\.' "$T/rsh.log"
check "(h) nothing was sent to a host '2001'" bash -c "! grep -q '^2001 ' '$T/rsh.log'"
check "(h) h1 unchanged, no temporary copy left" same_as v6 h1
rollout --policy-file "$T/edge-bad.policy" "$T/hosts.v6" edge-bad
check "(h) a refused policy on 2001:db8::e1: exit 3, no temporary copy left (exit $RC)" \
	bash -c "test '$RC' -eq 3 && ! compgen -G '$(dir h1)/*/.*.rollout.*' >/dev/null"
rollout --policy-file "$T/edge-v3.policy" "$T/hosts.v6" edge-v3
check "(h) a roll-out to 2001:db8::e1: exit 0 (exit $RC)" test "$RC" -eq 0
check "(h) h1 runs edge-v3" on h1 edge-v3

# ---- edgefwd too slow to answer the switch -------------------------------------

# h3's edgefwd is stopped just before the switch --confirm reaches it.
# edgefwctl there gives up after 3 s (--timeout 6, less half of it), before
# the tool's own limit: the switch may have been made, so this is contact
# lost (exit 4; the deadline applies), not a refusal.
echo "${DPIDS[h3]}" >"$T/stall-$H3"
at_exit "kill -CONT ${DPIDS[h3]} 2>/dev/null"
rollout --timeout 6 --confirm 3 "$T/hosts.h3" edge-v2
rm -f "$T/stall-$H3"
kill -CONT "${DPIDS[h3]}"
check "(i) edgefwd silent after the switch: exit 4, contact lost (exit $RC)" \
	test "$RC" -eq 4
check "(i) it was edgefwctl's --timeout that ended the wait" \
	out_has "$H3: switch sent, no answer: edgefwd did not answer within 3 s"
check "(i) it says edgefwd goes back by itself" \
	out_has "if it switched, edgefwd goes back to public-im-connectivity by itself at"
check "(i) summary: h3 unknown" summary_says unknown "$H3"
sleep 1
for ((i = 0; i < 100; i++)); do
	[[ -n $(field_of h3 reverts_to) ]] || break
	sleep 0.1
done
check "(i) h3 is on public-im-connectivity again (not switched, or gone back)" \
	on h3 public-im-connectivity

finish
