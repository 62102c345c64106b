#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh BUILD_DIR [--no-firewall]: what `make demo` runs.
#
# Builds the client/edge/internal namespaces, compiles and applies the
# single consolidated Edge policy inside the edge namespace, starts a
# listener there and probes every documented external inbound flow (must
# pass) and a set of undocumented ones (must be dropped). Exits 0 only if
# every probe matched. Everything happens in throwaway namespaces, which
# are removed on exit.
#
# --no-firewall skips compile and apply and expects every flow to pass: a
# check that topology and listener are right, so that a DROPPED in the
# real demo is the firewall's doing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/netns/edge_single_public_flows.sh

POLICY=policies/edge-single-public.policy
SITE=policies/examples/edge-single-public.site

build=${1:-build}
firewall=1
[[ ${2:-} != --no-firewall ]] || firewall=0
EFW_SKIP_RC=1 # a demo that cannot run has not shown anything
netns_init "$build"
CTL=$EFW_BUILD/edgefwctl

flows=("${EDGE_SINGLE_PUBLIC_FLOWS[@]}")
if ((!firewall)); then
	flows=("${flows[@]/#drop /pass }")
elif [[ ! -x $CTL ]]; then
	bail_out "$CTL not built"
fi

section() { printf '\n=== %s\n' "$*"; }

section "topology: client --- edge --- internal"
topo_up
echo "client 198.51.100.100, 2001:db8:100::100 (management source" \
	"203.0.113.5, 2001:db8:ffff::5)"
echo "edge   eth0 198.51.100.10-12, 2001:db8:100::10-12;" \
	"eth1 192.0.2.1, 2001:db8:200::1"

if ((firewall)); then
	section "edgefwctl compile $POLICY --site $SITE"
	in_ns edge "$CTL" compile "$POLICY" --site "$SITE"
	section "edgefwctl apply (in the edge namespace)"
	in_ns edge "$CTL" apply "$POLICY" --site "$SITE"
	echo "applied"
else
	section "no firewall (--no-firewall): every flow must pass"
fi

tcp=$EDGE_SINGLE_PUBLIC_TCP_PORTS,$(flow_ports flows tcp)
udp=$EDGE_SINGLE_PUBLIC_UDP_PORTS,$(flow_ports flows udp)
section "listener in edge (all addresses): tcp" \
	"$EDGE_SINGLE_PUBLIC_TCP_PORTS; udp $EDGE_SINGLE_PUBLIC_UDP_PORTS;" \
	"and every port probed below"
start_listener edge --tcp "$tcp" --udp "$udp"

section "probes from the client"
rc=0
run_flows flows client || rc=$?

section "result"
if ((rc == 0)); then
	echo "demo: every probe matched the policy"
else
	echo "demo: some probes did not match the policy (FAIL rows above)"
fi
finish
