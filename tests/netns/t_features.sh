#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_features.sh BUILD_DIR: features turned off in the site (issue 10,
# point 2), with real packets. The single consolidated Edge with
# `feature xmpp-federation = off` and `feature ocs2007 = off`: XMPP (5269
# both ways, 23456 from the XMPP gateway) and what only OCS 2007
# federation needs (50000-59999 inbound from any, UDP 50000-59999
# outbound) are dropped, every other flow of the Edge's tables is as with
# the table as written. `edgefwctl check` lists each feature, on or off,
# with its rows. With the features on again they pass again: by apply,
# then by edgefwd, which picks the change up on reload and lists off rows
# apart in its counters.
# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/netns/edge_single_public_flows.sh

POLICY=policies/edge-single-public.policy
SITE=policies/examples/edge-single-public.site

daemon_test_init "${1:-build}"
topo_up

off=$EFW_TMP/off.site
on=$EFW_TMP/on.site
cp $SITE "$on"
{ cat $SITE; printf 'feature xmpp-federation = off\nfeature ocs2007 = off\n'; } >"$off"
chmod 0644 "$on" "$off"

# flip TABLE NEW PATTERN...: NEW, a copy of the flow table TABLE where the
# rows "pass PROTO DST PORT" matching one of the PATTERNs (extended
# regular expressions over "PROTO PORT") expect drop.
flip() {
	local -n _from=$1 _to=$2
	local row expect proto dst port rest pat
	shift 2
	_to=()
	for row in "${_from[@]}"; do
		read -r expect proto dst port rest <<<"$row"
		for pat in "$@"; do
			if [[ $expect == pass && "$proto $port" =~ ^($pat)$ ]]; then
				row="drop ${row#pass }"
				break
			fi
		done
		_to+=("$row")
	done
}
# Inbound: 5269 (xmpp-federation), 50000-59999 from any (ocs2007).
flip EDGE_SINGLE_PUBLIC_FLOWS IN_OFF 'tcp 5269' '(tcp|udp) 5[0-9]{4}'
# Outbound: 5269 (xmpp-federation), UDP 50000-59999 (ocs2007); TCP
# 50000-59999 is A/V's (r9).
flip OUTBOUND_FLOWS OUT_OFF 'tcp 5269' 'udp 5[0-9]{4}'
# Internal: 23456 from the XMPP gateway (xmpp-federation).
flip INTERNAL_FLOWS INT_OFF 'tcp 23456'

check "check lists xmpp-federation off with its rows" bash -c \
	"'$CTL' check $POLICY --site '$off' |
	 grep -qE '^  xmpp-federation +off +XMPP federation +rows 1, 17, 35, 36, 37\$'"
check "check lists ocs2007 off with its rows" bash -c \
	"'$CTL' check $POLICY --site '$off' |
	 grep -qE '^  ocs2007 +off +OCS 2007 federation +rows 10, 11, 12\$'"
check "check lists the others on" bash -c \
	"[ \$('$CTL' check $POLICY --site '$off' | grep -cE '^  [a-z0-9-]+ +on ') -eq 8 ]"
check "without a site every feature is on" bash -c \
	"[ \$('$CTL' check $POLICY | grep -cE '^  [a-z0-9-]+ +on ') -eq 10 ]"

start_flow_listeners

# all_flows IN OUT INTERNAL: every table, probed from its side.
all_flows() {
	echo "# inbound: client -> edge"
	run_flows "$1" client || true
	echo "# outbound: edge -> client"
	run_flows "$2" edge || true
	echo "# internal: internal -> edge"
	run_flows "$3" internal || true
	echo "# internal: edge -> internal"
	run_flows EDGE_TO_INTERNAL_FLOWS edge || true
}

echo "# xmpp-federation and ocs2007 off"
check "apply with the features off" in_ns edge "$CTL" apply $POLICY --site "$off"
check "no element serves r1, r10, r11, r12, r17, r35, r36 or r37" bash -c \
	"! ip netns exec '$(ns_name edge)' nft list table inet edgefw |
	 grep -qE 'comment \"([^\"]*,)?r(1|10|11|12|17|35|36|37)(,[^\"]*)?\"'"
all_flows IN_OFF OUT_OFF INT_OFF

echo "# the table as written again"
check "apply with the features on" in_ns edge "$CTL" apply $POLICY --site "$on"
all_flows EDGE_SINGLE_PUBLIC_FLOWS OUTBOUND_FLOWS INTERNAL_FLOWS

# edgefwd reads the site again on reload and compiles the change.
state=$EFW_TMP/state
sock=$EFW_TMP/control
site=$EFW_TMP/site.conf
mkdir -p "$state"
chown nobody "$state"
cp "$off" "$site"
chmod 0644 "$site"
start_daemon() {
	start_edgefwd edge "$sock" "$EFW_TMP/edgefwd.log" --site "$site" \
		--policy-dir "$POLICIES" --state-dir "$state" \
		--user nobody --group nogroup --client-timeout 5
}
ctl() { "$CTL" --socket "$sock" "$@"; }

check "edgefwd starts with the features off" start_daemon
expect_drop client tcp 198.51.100.10 5269
expect_drop client udp 198.51.100.12 50000
expect_pass client tcp 198.51.100.10 443
check "counters list the off rows apart, with their features" bash -c \
	"ctl() { '$CTL' --socket '$sock' \"\$@\"; }
	 ctl --json counters | tr -d ' \n' |
	 grep -qE '\"off_rows\":\\[\\{\"row\":1,[^}]*\"features\":\"xmpp-federation\"' &&
	 ! ctl --json counters | tr -d ' \n' | sed 's/\"off_rows\".*//' |
	   grep -qE '\"row\":(1|10|11|12|17|35|36|37),'"
check "explain: edgefwd says 5269 is dropped because its rows are turned off" bash -c \
	"'$CTL' --socket '$sock' --json explain --to 198.51.100.10 tcp 5269 --in eth0 |
	 tr -d ' \n' | grep -qE '\"verdict\":\"drop\".*\"reason\":\"feature_off\".*\"row\":1,[^}]*\"features\":\"xmpp-federation\",\"off\":true'"
check "explain offline says the same" bash -c \
	"ip netns exec '$(ns_name edge)' '$CTL' explain $POLICY --site '$off' --to 198.51.100.10 tcp 5269 --in eth0 |
	 grep -q 'turned off with their features'"
check "metrics show no series for an off row" bash -c \
	"! '$CTL' --socket '$sock' metrics | grep -qE 'row=\"r(1|10|11|12|17|35|36|37)\"'"
cp "$on" "$site"
check "reload with the features on" ctl reload
expect_pass client tcp 198.51.100.10 5269
expect_pass client udp 198.51.100.12 50000
expect_pass internal tcp 192.0.2.1 23456
check "counters have no off rows" bash -c \
	"! '$CTL' --socket '$sock' --json counters | grep -q off_rows"

finish
