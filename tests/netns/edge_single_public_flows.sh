# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: GPL-2.0-or-later
#
# External inbound flows of policies/edge-single-public.policy with the
# site policies/examples/edge-single-public.site, probed from the client
# namespace of tests/netns/lib.sh. Sourced by demo.sh and the integration
# test; run with run_flows EDGE_SINGLE_PUBLIC_FLOWS client.
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
