#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-test of the harness: with no firewall, the client reaches TCP and UDP
# listeners on the edge over IPv4 and IPv6, closed ports and dead addresses
# are reported as not reached, and topo_down leaves nothing behind.
set -euo pipefail
# shellcheck source=tests/netns/lib.sh
. "$(dirname "$0")/lib.sh"
netns_init "${1:-build}"

root_links() { ip -o link show | awk -F': ' '{ print $2 }' | sort; }
links_before=$(root_links)
topo_up
ok "topology up"
check "topology made no interface in the root namespace" \
	test "$links_before" = "$(root_links)"

start_listener edge --tcp 443,5061,50000-50002 --udp 3478,50000
start_listener internal --tcp 5061 --udp 3478

for a in 198.51.100.10 198.51.100.11 198.51.100.12 \
	2001:db8:100::10 2001:db8:100::11 2001:db8:100::12; do
	expect_pass client tcp "$a" 443
	expect_pass client udp "$a" 3478
done
expect_pass client tcp 198.51.100.12 50001
expect_pass client tcp 2001:db8:100::12 50002
expect_pass client udp 198.51.100.12 50000

# The management source on the client's lo, routed back by the edge.
expect_pass client tcp 198.51.100.10 443 --source 203.0.113.5
expect_pass client udp 2001:db8:100::10 3478 --source 2001:db8:ffff::5

# Edge to internal, both families.
for a in 192.0.2.10 192.0.2.11 192.0.2.50 2001:db8:200::10 2001:db8:200::50
do
	expect_pass edge tcp "$a" 5061
	expect_pass edge udp "$a" 3478
done
# The client has no route into the internal zone.
expect_drop client tcp 192.0.2.10 5061

# Negative controls: a closed port (RST / port unreachable) and an address
# nobody has (timeout) are "not reached", so a pass means something.
expect_drop client tcp 198.51.100.10 8080
expect_drop client udp 198.51.100.10 53
expect_drop client tcp 198.51.100.99 443

rc=0
probe client tcp not-an-address 443 2>/dev/null || rc=$?
check "probe reports a usage error as 2" test "$rc" -eq 2

ns_list() { ip netns list | grep -c "^$EFW_PREFIX" || true; }
check "three namespaces while up" test "$(ns_list)" -eq 3
pid=$LISTENER_PID
topo_down
check "topo_down removes every namespace" test "$(ns_list)" -eq 0
check "topo_down stops the listeners" bash -c "! kill -0 $pid 2>/dev/null"

finish
