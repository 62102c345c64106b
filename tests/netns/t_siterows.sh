#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_siterows.sh BUILD_DIR: the host's own needs (issue 10, point 3). The
# edge, in host mode with `output = drop`, runs edgefwd with the example
# site of edge-single-public and rows of its own: a resolver (udp and tcp
# 53) and an NTP server (udp 123) in the internal namespace. The edge
# resolves a name through its resolver (dnsmasq answering, dig asking,
# over UDP and TCP, IPv4 and IPv6) and reaches NTP (netprobe's echo on
# 123); tcp 80 to the resolver, udp 123 and udp 53 to another address,
# and a query to another resolver do not leave. `edgefwctl counters`
# names the site's rows by site.conf:LINE with their packets, and
# `metrics` has them. The host's own MLDv2 reports leave too.
# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
topo_up

state=$EFW_TMP/state
sock=$EFW_TMP/control
site=$EFW_TMP/site.conf
out=$EFW_TMP/out
mkdir -p "$state"
chown nobody "$state"
{
	cat policies/examples/edge-single-public.site
	printf 'output = drop\n\n'
	printf '# The edge'"'"'s own needs, not in the policy.\n'
	printf 'zone internal {\n'
	printf '\tudp 53  self 192.0.2.50, 2001:db8:200::50 "DNS resolver"\n'
	printf '\ttcp 53  self 192.0.2.50 "DNS resolver, long answers"\n'
	printf '\tudp 123 self 192.0.2.11 "NTP server"\n'
	printf '}\n'
} >"$site"
chmod 0644 "$site"
DNS_LINE=$(grep -n '"DNS resolver"' "$site" | cut -d: -f1)
NTP_LINE=$(grep -n '"NTP server"' "$site" | cut -d: -f1)
# The policy's rows: the site's are numbered after them.
NPOL=$("$CTL" check "$POLICIES/edge-single-public.policy" |
	sed -n 's/.*, \([0-9]*\) rows$/\1/p')

ctl() { "$CTL" --socket "$sock" "$@"; }
check "edgefwctl check counts the site's rows" bash -c \
	"'$CTL' check --policy-dir '$POLICIES' --site '$site' | grep -q ', 3 site rows, '"
check "edgefwd starts with the site" start_edgefwd edge "$sock" \
	"$EFW_TMP/edgefwd.log" --site "$site" --policy-dir "$POLICIES" \
	--state-dir "$state" --user nobody --group nogroup --interval 30

# The resolver: dnsmasq on 192.0.2.50 and 2001:db8:200::50 knows one name
# and asks no one else.
in_ns internal dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --bind-interfaces \
	--listen-address=192.0.2.50 --listen-address=2001:db8:200::50 \
	--address=/lyncpool.example.com/192.0.2.15 \
	--pid-file="$EFW_TMP/dnsmasq.pid" --user=root \
	--log-facility="$EFW_TMP/dnsmasq.log" &
track_pid $!
# resolves SERVER [DIG-OPTION...]: the edge gets the name's address
# from SERVER.
resolves() {
	local server=$1
	shift
	[[ $(in_ns edge dig +short +time=1 +tries=1 "$@" @"$server" \
		lyncpool.example.com A) == 192.0.2.15 ]]
}
for i in $(seq 50); do
	[[ -s $EFW_TMP/dnsmasq.pid ]] && break
	sleep 0.1
done
check "the edge resolves a name through its resolver (udp)" resolves 192.0.2.50
check "over tcp" resolves 192.0.2.50 +tcp
check "and over IPv6" resolves 2001:db8:200::50
start_listener internal --udp 53,123 --tcp 80
expect_pass edge udp 192.0.2.11 123
expect_drop edge tcp 192.0.2.50 80
expect_drop edge udp 192.0.2.10 123
expect_drop edge udp 192.0.2.10 53
expect_drop edge udp 2001:db8:200::10 53
check "a query to another resolver does not leave" bash -c \
	"! ip netns exec '$(ns_name edge)' dig +time=1 +tries=1 @192.0.2.10 lyncpool.example.com A >/dev/null"
expect_drop edge udp 192.0.2.50 123

# counters: the site's rows after the policy's, named by the site's line.
check "counters answers" bash -c "'$CTL' --socket '$sock' counters >'$out'"
check "the resolver's row is r$((NPOL + 1)), site.conf:$DNS_LINE" \
	grep -qE "^ *$((NPOL + 1)) +site\.conf:$DNS_LINE +" "$out"
# row_packets ID: that row's packets in --json counters.
row_packets() {
	ctl --json counters | tr -d ' \n' |
		grep -o "{\"row\":$1,[^}]*" | sed 's/.*"packets":\([0-9]*\).*/\1/'
}
check "the resolver's row counted the two udp probes" \
	test "$(row_packets $((NPOL + 1)))" -ge 2
check "the NTP row is r$((NPOL + 3)), named by $site:$NTP_LINE" bash -c \
	"'$CTL' --socket '$sock' --json counters | tr -d ' \n' |
	 grep -qF '{\"row\":$((NPOL + 3)),\"where\":\"$site:$NTP_LINE\",'"
check "the NTP row's packets" test "$(row_packets $((NPOL + 3)))" -ge 1
check "metrics has the site's rows" bash -c \
	"'$CTL' --socket '$sock' metrics |
	 grep -qE '^edgefw_row_packets_total\\{policy=\"edge-single-public\",row=\"r$((NPOL + 1))\",note=\"DNS resolver\"\\} [1-9]'"
check "metrics name the NTP row by $site:$NTP_LINE" bash -c \
	"'$CTL' --socket '$sock' metrics |
	 grep -qxF 'edgefw_row_info{policy=\"edge-single-public\",row=\"r$((NPOL + 3))\",where=\"$site:$NTP_LINE\"} 1'"

# The host's own MLDv2 reports (icmpv6 143) leave: a table of the test
# counts them before edgefw's output chain sees them; that chain's ip6
# drop counter does not move while a new address makes the kernel join
# its solicited-node group.
in_ns edge nft -f - <<'EOF'
table inet efwtest {
	chain out {
		type filter hook output priority -10; policy accept;
		icmpv6 type 143 counter
	}
}
EOF
drops6() {
	ctl --json counters | tr -d ' \n' |
		grep -o '{"chain":"output","family":"ip6","packets":[0-9]*' |
		sed 's/.*://'
}
before=$(drops6)
addr_add edge eth1 2001:db8:200::77/64
sleep 1.5
check "the kernel sent MLDv2 reports" bash -c \
	"ip netns exec '$(ns_name edge)' nft list chain inet efwtest out |
	 grep -qE 'counter packets [1-9]'"
check "the output chain dropped none of them ($before -> $(drops6))" \
	test "$(drops6)" = "$before"
in_ns edge nft delete table inet efwtest

finish
