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

check "compile: nft -c accepts the compiled text" \
	bash -c "'$CTL' compile $POLICY --site $SITE > '$EFW_TMP/rules.nft' &&
		 ip netns exec '$(ns_name edge)' nft -c -f '$EFW_TMP/rules.nft'"
check "apply in the edge namespace" in_ns edge "$CTL" apply $POLICY --site $SITE
check "read back equals the compiled policy" \
	in_ns edge "$CTL" verify $POLICY --site $SITE

start_flow_listeners

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
