#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_edge_single_public.sh BUILD_DIR: the single consolidated Edge policy,
# enforced by the kernel, proved with real packets in both directions:
#
#   inbound  client -> edge     every external inbound row, IPv4 and IPv6
#   outbound edge -> client     every external outbound row, from the role
#                               address the row names (and not from others)
#   internal internal -> edge   the internal rows, from a bound peer and
#                               from an address outside the peer groups
#
# and undocumented flows in each direction, which must be dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/netns/edge_single_public_flows.sh

POLICY=policies/edge-single-public.policy
SITE=policies/examples/edge-single-public.site

netns_init "${1:-build}"
CTL=$EFW_BUILD/edgefwctl
[[ -x $CTL ]] || bail_out "$CTL not built"
topo_up

# Client addresses the edge talks to: 198.51.100.100, 2001:db8:100::100.
OUTBOUND_FLOWS=(
	"pass tcp 198.51.100.100    80    198.51.100.10    r2 CRL download from access_edge"
	"pass tcp 198.51.100.100    53    198.51.100.10    r3 DNS over TCP from access_edge"
	"pass udp 198.51.100.100    53    198.51.100.10    r4 DNS over UDP from access_edge"
	"pass tcp 198.51.100.100    5061  198.51.100.10    r7 SIP federation out"
	"pass tcp 198.51.100.100    50000 198.51.100.12    r9 RTP/TCP out from av_edge"
	"pass tcp 198.51.100.100    59999 198.51.100.12    r9 RTP/TCP out, range end"
	"pass udp 198.51.100.100    50000 198.51.100.12    r10 RTP/UDP out from av_edge"
	"pass udp 198.51.100.100    59999 198.51.100.12    r10 RTP/UDP out, range end"
	"pass udp 198.51.100.100    3478  198.51.100.12    r13 STUN/UDP out"
	"pass tcp 198.51.100.100    443   198.51.100.12    r16 STUN/TCP out"
	"pass tcp 198.51.100.100    5269  198.51.100.10    r36 XMPP proxy out"
	"pass tcp 2001:db8:100::100 80    2001:db8:100::10 r2 CRL download (IPv6)"
	"pass tcp 2001:db8:100::100 53    2001:db8:100::10 r3 DNS over TCP (IPv6)"
	"pass udp 2001:db8:100::100 53    2001:db8:100::10 r4 DNS over UDP (IPv6)"
	"pass tcp 2001:db8:100::100 5061  2001:db8:100::10 r7 SIP federation out (IPv6)"
	"pass tcp 2001:db8:100::100 50000 2001:db8:100::12 r9 RTP/TCP out (IPv6)"
	"pass udp 2001:db8:100::100 59999 2001:db8:100::12 r10 RTP/UDP out (IPv6)"
	"pass udp 2001:db8:100::100 3478  2001:db8:100::12 r13 STUN/UDP out (IPv6)"
	"pass tcp 2001:db8:100::100 443   2001:db8:100::12 r16 STUN/TCP out (IPv6)"
	"pass tcp 2001:db8:100::100 5269  2001:db8:100::10 r36 XMPP proxy out (IPv6)"
	"drop tcp 198.51.100.100    80    198.51.100.11    CRL download is access_edge's"
	"drop udp 198.51.100.100    53    198.51.100.12    DNS is access_edge's"
	"drop tcp 198.51.100.100    443   198.51.100.10    STUN/TCP out is av_edge's"
	"drop tcp 198.51.100.100    50000 198.51.100.10    RTP out is av_edge's (source-table slip)"
	"drop tcp 198.51.100.100    5061  198.51.100.12    SIP out is access_edge's"
	"drop tcp 198.51.100.100    22    198.51.100.10    no SSH out"
	"drop tcp 198.51.100.100    8080  198.51.100.10    no proxy port out"
	"drop udp 198.51.100.100    123   198.51.100.10    no NTP in the table"
	"drop tcp 2001:db8:100::100 22    2001:db8:100::10 no SSH out (IPv6)"
	"drop udp 2001:db8:100::100 53    2001:db8:100::12 DNS is access_edge's (IPv6)"
)

# The internal side: front_end/director are 192.0.2.10, .11 and
# 2001:db8:200::10; 192.0.2.50 and 2001:db8:200::50 are in no group.
INTERNAL_FLOWS=(
	"pass tcp 192.0.2.1       23456 192.0.2.10       r17 XMPP gateway from front_end"
	"pass tcp 192.0.2.1       5061  192.0.2.11       r18 SIP from director"
	"pass tcp 192.0.2.1       8057  192.0.2.10       r20 PSOM from front_end"
	"pass tcp 192.0.2.1       5062  192.0.2.10       r21 A/V authentication"
	"pass udp 192.0.2.1       3478  192.0.2.50       r22 STUN/UDP from any"
	"pass tcp 192.0.2.1       443   192.0.2.50       r23 STUN/TCP from any"
	"pass tcp 192.0.2.1       4443  192.0.2.11       r24 CMS replication"
	"pass tcp 192.0.2.1       50001 192.0.2.50       r25 centralized logging"
	"pass tcp 192.0.2.1       50003 192.0.2.50       r27 centralized logging"
	"pass tcp 2001:db8:200::1 5061  2001:db8:200::10 r18 SIP from director (IPv6)"
	"pass tcp 2001:db8:200::1 4443  2001:db8:200::10 r24 CMS replication (IPv6)"
	"pass udp 2001:db8:200::1 3478  2001:db8:200::50 r22 STUN/UDP from any (IPv6)"
	"drop tcp 192.0.2.1       5061  192.0.2.50       not a director or front end"
	"drop tcp 192.0.2.1       4443  192.0.2.50       not a front end"
	"drop tcp 192.0.2.1       8057  192.0.2.50       PSOM only from front_end"
	"drop tcp 192.0.2.1       5269  192.0.2.10       XMPP is the external side's"
	"drop tcp 192.0.2.1       22    192.0.2.10       SSH only from management"
	"drop tcp 198.51.100.10   443   192.0.2.10       external address from inside"
	"drop tcp 2001:db8:200::1 5061  2001:db8:200::50 not a director (IPv6)"
	"drop tcp 2001:db8:200::1 22    2001:db8:200::10 SSH only from management (IPv6)"
)

# The edge's own SIP to the pools (r19), and nowhere else.
EDGE_TO_INTERNAL_FLOWS=(
	"pass tcp 192.0.2.10       5061 192.0.2.1       r19 SIP to director"
	"pass tcp 2001:db8:200::10 5061 2001:db8:200::1 r19 SIP to director (IPv6)"
	"drop tcp 192.0.2.50       5061 192.0.2.1       not a director"
	"drop tcp 192.0.2.10       22   192.0.2.1       no SSH to the pools"
)

check "compile: nft -c accepts the compiled text" \
	bash -c "'$CTL' compile $POLICY --site $SITE > '$EFW_TMP/rules.nft' &&
		 ip netns exec '$(ns_name edge)' nft -c -f '$EFW_TMP/rules.nft'"
check "apply in the edge namespace" in_ns edge "$CTL" apply $POLICY --site $SITE
check "read back equals the compiled policy" \
	in_ns edge "$CTL" verify $POLICY --site $SITE

ports() { flow_ports "$1" "$2"; }
start_listener edge --tcp "$(
	{ ports EDGE_SINGLE_PUBLIC_FLOWS tcp; ports INTERNAL_FLOWS tcp; } |
		paste -sd,
)" --udp "$(
	{ ports EDGE_SINGLE_PUBLIC_FLOWS udp; ports INTERNAL_FLOWS udp; } |
		paste -sd,
)"
start_listener client --tcp "$(ports OUTBOUND_FLOWS tcp)" \
	--udp "$(ports OUTBOUND_FLOWS udp)"
start_listener internal --tcp "$(ports EDGE_TO_INTERNAL_FLOWS tcp)"

echo "# inbound: client -> edge"
run_flows EDGE_SINGLE_PUBLIC_FLOWS client || true
echo "# outbound: edge -> client"
run_flows OUTBOUND_FLOWS edge || true
echo "# internal: internal -> edge"
run_flows INTERNAL_FLOWS internal || true
echo "# internal: edge -> internal"
run_flows EDGE_TO_INTERNAL_FLOWS edge || true

# Each element counts what it let through: the probes above hit r5,r31.
check "element counters count the probes" bash -c \
	"ip netns exec '$(ns_name edge)' '$CTL' show --counters |
	 grep -E '198\.51\.100\.10 \. tcp \. 443 counter packets [1-9]'"

finish
