# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Flows of policies/edge-single-public.policy with the site
# policies/examples/edge-single-public.site, probed between the namespaces
# of tests/netns/lib.sh. Sourced by demo.sh and the integration tests
# (t_edge_single_public.sh, t_features.sh); run with
# run_flows EDGE_SINGLE_PUBLIC_FLOWS client, OUTBOUND_FLOWS edge,
# INTERNAL_FLOWS internal and EDGE_TO_INTERNAL_FLOWS edge, after
# start_flow_listeners.
#
# Roles: access_edge 198.51.100.10 / 2001:db8:100::10
#        webconf_edge 198.51.100.11 / 2001:db8:100::11
#        av_edge     198.51.100.12 / 2001:db8:100::12
# Management source (site: management = 203.0.113.0/24, 2001:db8:ffff::/48)
# on the client's lo: 203.0.113.5 / 2001:db8:ffff::5.
#
# Columns: EXPECT PROTO DESTINATION PORT FROM NOTE
#   EXPECT pass|drop; FROM "-" = the client's own address, else a source.
# The listener binds every port named here (drop rows included), so a drop
# is the firewall's doing, not a closed port's.

EDGE_SINGLE_PUBLIC_FLOWS=(
	# documented: must pass
	"pass tcp 198.51.100.10    443   - access_edge: SIP/TLS, remote users"
	"pass tcp 198.51.100.10    5061  - access_edge: SIP/MTLS, federation"
	"pass tcp 198.51.100.10    5269  - access_edge: XMPP federation"
	"pass tcp 198.51.100.11    443   - webconf_edge: PSOM/TLS, web conferencing"
	"pass tcp 198.51.100.12    443   - av_edge: STUN/MSTURN over TCP"
	"pass udp 198.51.100.12    3478  - av_edge: STUN/MSTURN over UDP"
	"pass tcp 198.51.100.12    50000 - av_edge: media range, low end"
	"pass tcp 198.51.100.12    59999 - av_edge: media range, high end"
	"pass udp 198.51.100.12    50000 - av_edge: media range, low end"
	"pass udp 198.51.100.12    59999 - av_edge: media range, high end"
	"pass tcp 2001:db8:100::10 443   - access_edge: SIP/TLS, remote users"
	"pass tcp 2001:db8:100::10 5061  - access_edge: SIP/MTLS, federation"
	"pass tcp 2001:db8:100::10 5269  - access_edge: XMPP federation"
	"pass tcp 2001:db8:100::11 443   - webconf_edge: PSOM/TLS, web conferencing"
	"pass tcp 2001:db8:100::12 443   - av_edge: STUN/MSTURN over TCP"
	"pass udp 2001:db8:100::12 3478  - av_edge: STUN/MSTURN over UDP"
	"pass tcp 2001:db8:100::12 50000 - av_edge: media range, low end"
	"pass tcp 2001:db8:100::12 59999 - av_edge: media range, high end"
	"pass udp 2001:db8:100::12 50000 - av_edge: media range, low end"
	"pass udp 2001:db8:100::12 59999 - av_edge: media range, high end"
	# anti-lockout: SSH from the management network
	"pass tcp 198.51.100.10    22    203.0.113.5      management SSH"
	"pass tcp 2001:db8:100::10 22    2001:db8:ffff::5 management SSH"
	# undocumented: must be dropped
	"drop tcp 198.51.100.10    22    - SSH from outside the management network"
	"drop tcp 198.51.100.10    80    - HTTP is not published"
	"drop tcp 198.51.100.11    8080  - no proxy port"
	"drop tcp 198.51.100.10    3389  - RDP"
	"drop tcp 198.51.100.10    5060  - plain SIP is not used"
	"drop tcp 198.51.100.10    5062  - A/V auth is internal side only"
	"drop tcp 198.51.100.10    4443  - replication is internal side only"
	"drop tcp 198.51.100.11    8057  - PSOM is internal side only"
	"drop tcp 198.51.100.10    23456 - XMPP gateway is internal side only"
	"drop udp 198.51.100.10    53    - DNS is outbound only"
	"drop udp 198.51.100.10    3478  - STUN belongs to av_edge"
	"drop tcp 198.51.100.12    5061  - SIP belongs to access_edge"
	"drop tcp 198.51.100.11    5269  - XMPP belongs to access_edge"
	"drop tcp 198.51.100.10    50001 - media belongs to av_edge"
	"drop tcp 2001:db8:100::10 22    - SSH from outside the management network"
	"drop tcp 2001:db8:100::10 80    - HTTP is not published"
	"drop tcp 2001:db8:100::10 3389  - RDP"
	"drop udp 2001:db8:100::10 53    - DNS is outbound only"
	"drop udp 2001:db8:100::10 3478  - STUN belongs to av_edge"
	"drop tcp 2001:db8:100::12 5061  - SIP belongs to access_edge"
)

# Documented ports of the edge (external and internal side): the demo's
# listener binds these as well as every port of the table above.
EDGE_SINGLE_PUBLIC_TCP_PORTS="5269,443,5061,50000,59999,23456,8057,5062,4443,50001-50003"
EDGE_SINGLE_PUBLIC_UDP_PORTS="50000,59999,3478"

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

# start_flow_listeners: a listener on every port the tables name, in the
# namespace each table probes (the edge for inbound and internal flows,
# the client for outbound ones, internal for the edge's own).
start_flow_listeners() {
	start_listener edge --tcp "$(
		{
			flow_ports EDGE_SINGLE_PUBLIC_FLOWS tcp
			flow_ports INTERNAL_FLOWS tcp
		} | paste -sd,
	)" --udp "$(
		{
			flow_ports EDGE_SINGLE_PUBLIC_FLOWS udp
			flow_ports INTERNAL_FLOWS udp
		} | paste -sd,
	)"
	start_listener client --tcp "$(flow_ports OUTBOUND_FLOWS tcp)" \
		--udp "$(flow_ports OUTBOUND_FLOWS udp)"
	start_listener internal --tcp "$(flow_ports EDGE_TO_INTERNAL_FLOWS tcp)"
}
