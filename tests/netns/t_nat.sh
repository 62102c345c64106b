#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_nat.sh BUILD_DIR: gateway NAT for the two Lync NAT scenarios, proved
# with packets. The gateway runs edgefw in gateway mode with the shipped
# example site of each scenario:
#
#   client eth0 ---- eth0 gw eth1 ---- eth0 internal
#   203.0.113.100         eth2 eth3    192.0.2.10 (front end), .20 (director),
#   2001:db8:1::100        |    |      .50 (in no group)
#                        dmz: two bridges, the external and the internal
#                          |    |      DMZ (a switch: the gateway's legs are
#                 eth0 edge(s) eth1    plain links, as a firewall's NICs)
#
# The Edges have private addresses; the Internet routes the public ones
# to the gateway. (Were the gateway's DMZ leg itself a bridge, with
# br_netfilter loaded, DNAT back into the same bridge would be bridged,
# not routed, and an Edge could not reach its own public address.)
#
# A: edge-single-nat, applied with edgefwctl. A client reaching a public
#    address reaches the Edge, which sees the client's own address; the
#    Edge's DNS, CRL, SIP and A/V leave with its public address; ports the
#    rows do not name are dropped; IPv6 is not translated; the internal
#    side is never translated; the Edge reaches its own public address;
#    edgefwctl show, diff and verify see the maps, and a drifted mapping
#    is put right.
# B: edge-scaled-dns-nat, enforced by edgefwd (which locks the table):
#    the two nodes' A/V Edges reach each other's public addresses through
#    the gateway (hairpin), each seeing the other's public address.
#
# Functions below are called through check, and the flow tables by name,
# which shellcheck cannot see.
# shellcheck disable=SC2317,SC2034
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"

# ---- topology ----------------------------------------------------------

# gateway_up EXT_GW INT_GW: client, gw, internal and the dmz switch; gw's
# eth2 and eth3 lead to the switch's bridges ext and int, where the nodes
# join; EXT_GW and INT_GW are the gateway's addresses there (CIDRs).
gateway_up() {
	local br
	ns_add client && ns_add gw && ns_add internal && ns_add dmz || return 1
	veth_add client eth0 gw eth0 && veth_add internal eth0 gw eth1 &&
		veth_add gw eth2 dmz up-ext && veth_add gw eth3 dmz up-int ||
		return 1
	for br in ext int; do
		ip -n "$(ns_name dmz)" link add "$br" type bridge &&
			ip -n "$(ns_name dmz)" link set "$br" up &&
			ip -n "$(ns_name dmz)" link set "up-$br" master "$br" ||
			return 1
	done
	addr_add gw eth0 203.0.113.1/24 2001:db8:1::1/64 &&
		addr_add gw eth1 192.0.2.1/27 &&
		addr_add gw eth2 "$1" 2001:db8:100::1/64 &&
		addr_add gw eth3 "$2" || return 1
	addr_add client eth0 203.0.113.100/24 2001:db8:1::100/64 &&
		addr_add internal eth0 192.0.2.10/27 192.0.2.20/27 \
			192.0.2.50/27 || return 1
	# The Internet routes the public addresses to the gateway.
	ip -n "$(ns_name client)" route add 198.51.100.0/24 via 203.0.113.1 &&
		ip -n "$(ns_name client)" -6 route add 2001:db8:100::/64 \
			via 2001:db8:1::1 &&
		ip -n "$(ns_name internal)" route add default via 192.0.2.1 ||
		return 1
	# Forwarding only inside the gateway's namespace.
	in_ns gw sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null &&
		wait_link_up client eth0 && wait_link_up internal eth0 &&
		wait_link_up gw eth2 && wait_link_up gw eth3
}

# node_up NAME EXT_GW INT_GW INTERNAL_ADDR EXTERNAL_ADDR...: a node in
# both DMZs; its routes lead to the Internet by the external DMZ and to
# the corporate network by the internal one.
node_up() {
	local name=$1 ext_gw=$2 int_gw=$3 int_addr=$4
	shift 4
	ns_add "$name" || return 1
	veth_add "$name" eth0 dmz "$name-ext" &&
		veth_add "$name" eth1 dmz "$name-int" &&
		ip -n "$(ns_name dmz)" link set "$name-ext" master ext &&
		ip -n "$(ns_name dmz)" link set "$name-int" master int || return 1
	addr_add "$name" eth0 "$@" && addr_add "$name" eth1 "$int_addr" ||
		return 1
	ip -n "$(ns_name "$name")" route add default via "$ext_gw" &&
		ip -n "$(ns_name "$name")" -6 route add default via 2001:db8:100::1 &&
		ip -n "$(ns_name "$name")" route add 192.0.2.0/27 via "$int_gw" &&
		wait_link_up "$name" eth0 && wait_link_up "$name" eth1
}

# ---- probes ------------------------------------------------------------

# expect_peer NS PROTO ADDR PORT WANT [connect options]: reached, and the
# far end saw the connection come from WANT.
expect_peer() {
	local ns=$1 proto=$2 addr=$3 port=$4 want=$5 got rc=0 desc
	shift 5
	got=$(probe "$ns" "$proto" "$addr" "$port" --print-peer "$@") || rc=$?
	desc="$ns -> $proto $addr $port${*:+ ($*)} arrives from $want"
	if ((rc == 0)) && [[ $got == "$want" ]]; then
		ok "$desc"
	else
		not_ok "$desc: ${got:-not reached} (exit $rc)"
	fi
}

# run_nat_flows TABLE: probes every row "NS PROTO ADDR PORT SOURCE SEEN
# NOTE...": from namespace NS (SOURCE "-": its own address), SEEN "drop"
# (must not arrive), "-" (must arrive) or the address the far end must
# see the connection come from.
run_nat_flows() {
	local -n _rows=$1
	local row ns proto addr port src seen note
	local -a opts
	for row in "${_rows[@]}"; do
		read -r ns proto addr port src seen note <<<"$row"
		opts=()
		[[ $src == - ]] || opts=(--source "$src")
		echo "# $note"
		case $seen in
		drop) expect_drop "$ns" "$proto" "$addr" "$port" "${opts[@]}" ;;
		-) expect_pass "$ns" "$proto" "$addr" "$port" "${opts[@]}" ;;
		*) expect_peer "$ns" "$proto" "$addr" "$port" "$seen" "${opts[@]}" ;;
		esac
	done
}

# nat_rules CHAIN: the rules of a nat chain on the gateway, one a line.
nat_rules() {
	in_ns gw nft list chain inet edgefw "$1" |
		sed -n '/type nat hook/,/^\t}/p' | sed '1d;$d' | sed 's/^\s*//'
}

# one_lookup CHAIN RULE: the chain holds that rule and nothing else.
one_lookup() {
	[[ $(nat_rules "$1") == "$2" ]]
}

gwctl() { in_ns gw "$CTL" "$@"; }

# Ports the probes below use, dropped ones too: a drop must be the
# filter's, not a closed port's.
EDGE_TCP=22,80,443,5061,5269,8057,8080,50000
EDGE_UDP=53,3478,59999

# ======================================================================
echo "# A: edge-single-nat, a single Edge behind the gateway"
POLICY=policies/edge-single-nat.policy
SITE=policies/examples/edge-single-nat-gateway.site

gateway_up 192.0.2.65/27 192.0.2.158/27
node_up edge 192.0.2.65 192.0.2.158 192.0.2.129/27 192.0.2.66/27 \
	192.0.2.67/27 192.0.2.68/27 2001:db8:100::20/64 2001:db8:100::21/64 \
	2001:db8:100::22/64

check "check: the gateway site compiles" "$CTL" check "$POLICY" --site "$SITE"
check "compile: nft -c accepts the NAT text" bash -c \
	"'$CTL' compile $POLICY --site $SITE > '$EFW_TMP/nat.nft' &&
	 ip netns exec '$(ns_name gw)' nft -c -f '$EFW_TMP/nat.nft'"
check "apply in the gateway namespace" gwctl apply "$POLICY" --site "$SITE"
check "read back equals the compiled site" gwctl verify "$POLICY" --site "$SITE"
check "prerouting: one map lookup, DNAT" \
	one_lookup prerouting "dnat ip to ip daddr map @nat_dnat4"
check "postrouting: one map lookup, SNAT" \
	one_lookup postrouting "snat ip to ip saddr map @nat_snat4"

start_listener edge --tcp "$EDGE_TCP" --udp "$EDGE_UDP"
start_listener client --tcp 22,53,80,443,5061 --udp 53,3478
start_listener internal --tcp 5061

# the Internet reaches the public addresses, and the Edge sees the client
A_FLOWS=(
	"client tcp 198.51.100.20    443   -           203.0.113.100   r5 SIP/TLS to access_edge"
	"client tcp 198.51.100.20    5061  -           203.0.113.100   r6 SIP federation in"
	"client tcp 198.51.100.20    5269  -           -               r1 XMPP in"
	"client tcp 198.51.100.21    443   -           -               r8 web conferencing"
	"client udp 198.51.100.22    3478  -           203.0.113.100   r14 STUN/UDP in"
	"client tcp 198.51.100.22    443   -           -               r15 STUN/TCP in"
	"client tcp 198.51.100.22    50000 -           -               r11 RTP/TCP in"
	"client udp 198.51.100.22    59999 -           -               r12 RTP/UDP in, range end"
	"client tcp 198.51.100.20    22    -           drop            no SSH on a public address"
	"client tcp 198.51.100.20    80    -           drop            CRL is outbound only"
	"client tcp 198.51.100.20    8080  -           drop            no row"
	"client udp 198.51.100.20    3478  -           drop            STUN is av_edge's"
	"client tcp 198.51.100.21    5061  -           drop            SIP is access_edge's"
	"client tcp 198.51.100.22    5061  -           drop            SIP is access_edge's"
	"client udp 198.51.100.21    53    -           drop            DNS is outbound only"
	"client tcp 198.51.100.23    443   -           drop            a public address nobody has"
	"client tcp 2001:db8:100::20 443   -           2001:db8:1::100 r5 IPv6, not translated"
	"client tcp 2001:db8:100::20 22    -           drop            IPv6: no SSH"
	# the Edge's own connections leave with its public address
	"edge   udp 203.0.113.100    53    192.0.2.66  198.51.100.20   r4 DNS over UDP"
	"edge   tcp 203.0.113.100    53    192.0.2.66  198.51.100.20   r3 DNS over TCP"
	"edge   tcp 203.0.113.100    80    192.0.2.66  198.51.100.20   r2 CRL download"
	"edge   tcp 203.0.113.100    5061  192.0.2.66  198.51.100.20   r7 SIP to a federated partner"
	"edge   udp 203.0.113.100    3478  192.0.2.68  198.51.100.22   r13 STUN/UDP out"
	"edge   tcp 203.0.113.100    443   192.0.2.68  198.51.100.22   r16 STUN/TCP out"
	"edge   udp 2001:db8:1::100  53 2001:db8:100::20 2001:db8:100::20 r4 IPv6 DNS, not translated"
	"edge   tcp 203.0.113.100    80    192.0.2.67  drop            webconf_edge sends nothing out"
	"edge   udp 203.0.113.100    53    192.0.2.68  drop            DNS is access_edge's"
	"edge   tcp 203.0.113.100    22    192.0.2.66  drop            no SSH out"
	# the internal side is never translated
	"internal tcp 192.0.2.129    5061  192.0.2.20  192.0.2.20      r18 SIP from the director"
	"internal tcp 192.0.2.129    8057  192.0.2.10  -               r20 PSOM from the front end"
	"internal tcp 192.0.2.129    5061  192.0.2.50  drop            not a director"
	"edge   tcp 192.0.2.20       5061  192.0.2.129 192.0.2.129     r19 SIP to the director"
	"internal tcp 198.51.100.20  443   192.0.2.10  drop            no row lets the inside in there"
	# the A/V Edge reaches its own public address through the gateway
	"edge   udp 198.51.100.22    3478  192.0.2.68  198.51.100.22   r13,r14 hairpin to itself"
	"edge   tcp 198.51.100.22    443   192.0.2.68  198.51.100.22   r15,r16 hairpin to itself"
)
run_nat_flows A_FLOWS

echo "# edgefwctl sees the translation, and puts a drifted one right"
check "show lists the maps: public, its role, private" bash -c \
	"ip netns exec '$(ns_name gw)' '$CTL' show |
	 grep -q '198.51.100.20 comment \"access_edge\" : 192.0.2.66'"
check "show --counters: the hairpin element counted" bash -c \
	"ip netns exec '$(ns_name gw)' '$CTL' show --counters |
	 grep -qE '192.0.2.68 . 192.0.2.68 . udp . 3478 counter packets [1-9]'"
in_ns gw nft delete element inet edgefw nat_dnat4 '{ 198.51.100.20 }'
in_ns gw nft add element inet edgefw nat_dnat4 '{ 198.51.100.20 : 192.0.2.67 }'
rc=0
gwctl diff "$POLICY" --site "$SITE" >"$EFW_TMP/diff.out" || rc=$?
check "diff finds the redirected mapping (exit $rc)" test "$rc" -eq 3
check "and names it" grep -qx \
	'+ element nat_dnat4 { 198.51.100.20 comment "access_edge" : 192.0.2.66 }' \
	"$EFW_TMP/diff.out"
check "verify says it differs" bash -c \
	"! ip netns exec '$(ns_name gw)' '$CTL' verify $POLICY --site $SITE 2>/dev/null"
check "apply puts it right" gwctl apply "$POLICY" --site "$SITE"
check "verify agrees" gwctl verify "$POLICY" --site "$SITE"
expect_peer client tcp 198.51.100.20 443 203.0.113.100

echo "# a feature turned off closes its rows' hairpin too"
sed '/^log = /a feature av = off' "$SITE" >"$EFW_TMP/av-off.site"
check "apply with A/V off" gwctl apply "$POLICY" --site "$EFW_TMP/av-off.site"
check "no hairpin element for STUN/TCP 443 (r15,r16: av only)" bash -c \
	"! ip netns exec '$(ns_name gw)' nft list set inet edgefw hairpin4 |
	 grep -q '192.0.2.68 . 192.0.2.68 . tcp . 443'"
expect_drop edge tcp 198.51.100.22 443 --source 192.0.2.68
expect_drop client tcp 198.51.100.22 443
expect_peer client tcp 198.51.100.20 443 203.0.113.100

topo_down

# ======================================================================
echo "# B: edge-scaled-dns-nat, two nodes, edgefwd on the gateway"
POLICY=policies/edge-scaled-dns-nat.policy
SITE=policies/examples/edge-scaled-dns-nat-gateway.site

gateway_up 192.0.2.126/27 192.0.2.190/27
node_up n1 192.0.2.126 192.0.2.190 192.0.2.161/27 192.0.2.97/27 \
	192.0.2.98/27 192.0.2.99/27 2001:db8:100::51/64
node_up n2 192.0.2.126 192.0.2.190 192.0.2.162/27 192.0.2.101/27 \
	192.0.2.102/27 192.0.2.103/27 2001:db8:100::61/64

state=$EFW_TMP/state
mkdir -p "$state"
chown nobody "$state"
# edgefwd reads as nobody: copies, not the checkout (which may sit where
# nobody cannot go).
cp "$SITE" "$EFW_TMP/gw.site"
chmod 0644 "$EFW_TMP/gw.site"
check "edgefwd enforces the site's policy on the gateway" \
	start_edgefwd gw "$EFW_TMP/control" "$EFW_TMP/edgefwd.log" \
	--site "$EFW_TMP/gw.site" --policy-dir "$POLICIES" --state-dir "$state" \
	--user nobody --group nogroup
check "the table is the compiled one" gwctl verify "$POLICY" --site "$SITE"
check "locked: nobody else changes a mapping" bash -c \
	"! ip netns exec '$(ns_name gw)' nft add element inet edgefw nat_dnat4 \
	   '{ 198.51.100.99 : 192.0.2.1 }' 2>/dev/null"

start_listener n1 --tcp "$EDGE_TCP" --udp "$EDGE_UDP"
start_listener n2 --tcp "$EDGE_TCP" --udp "$EDGE_UDP"
start_listener client --tcp 443 --udp 53

B_FLOWS=(
	# each node's public addresses, both ways
	"client tcp 198.51.100.51 443   -           203.0.113.100 r5 node 1"
	"client tcp 198.51.100.61 443   -           203.0.113.100 r5 node 2"
	"client udp 198.51.100.63 3478  -           203.0.113.100 r14 node 2's A/V Edge"
	"client tcp 198.51.100.61 22    -           drop          no SSH"
	"n2     udp 203.0.113.100 53    192.0.2.101 198.51.100.61 r4 node 2's DNS"
	"n1     udp 203.0.113.100 53    192.0.2.97  198.51.100.51 r4 node 1's DNS"
	# hairpin: the A/V Edges reach each other's public addresses
	"n1     udp 198.51.100.63 3478  192.0.2.99  198.51.100.53 r14,r15 STUN"
	"n2     udp 198.51.100.53 3478  192.0.2.103 198.51.100.63 r14,r15 STUN"
	"n1     tcp 198.51.100.63 443   192.0.2.99  198.51.100.53 r16,r17 STUN/TCP"
	"n2     tcp 198.51.100.53 50000 192.0.2.103 198.51.100.63 r10,r12 RTP/TCP"
	"n1     udp 198.51.100.63 59999 192.0.2.99  198.51.100.53 r11,r13 RTP/UDP"
	"n1     tcp 198.51.100.62 443   192.0.2.99  198.51.100.53 r9,r17 to node 2's web conferencing"
	"n2     tcp 198.51.100.53 443   192.0.2.103 198.51.100.63 r16,r17 STUN/TCP"
	"n2     udp 198.51.100.63 3478  192.0.2.103 198.51.100.63 r14,r15 to itself"
	# ... and no more than the rows of both ends admit
	"n1     tcp 198.51.100.63 5061  192.0.2.99  drop          A/V sends no SIP"
	"n1     udp 198.51.100.61 53    192.0.2.97  drop          DNS goes out, nobody takes it in"
	"n1     tcp 198.51.100.63 22    192.0.2.99  drop          no SSH"
	"n1     tcp 198.51.100.61 443   192.0.2.98  drop          webconf_edge sends nothing out"
)
run_nat_flows B_FLOWS

check "the hairpin elements counted the probes" bash -c \
	"ip netns exec '$(ns_name gw)' '$CTL' show --counters |
	 grep -qE '192.0.2.99 . 192.0.2.103 . udp . 3478 counter packets [1-9]'"

finish
