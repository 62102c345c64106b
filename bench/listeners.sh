#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/listeners.sh [-v]: how many sockets on this host listen to
# nftables events now (netlink NETLINK_NETFILTER, group NFNLGRP_NFTABLES),
# in every network namespace a process is in. While there is one, the
# kernel builds an event per element of every commit anywhere on the
# host (nfnetlink_has_listeners is one bitmap per netlink protocol, not
# per namespace), so a bench figure taken then is not a quiet one.
# -v: one line per listener (namespace inode, a process in it, portid).
# Needs root to read the other processes' namespaces.
set -euo pipefail

NETLINK_NETFILTER=12
NFTABLES_GROUP_BIT=$((1 << (7 - 1)))	# NFNLGRP_NFTABLES = 7

declare -A seen
count=0
for p in /proc/[0-9]*; do
	ino=$(stat -Lc %i "$p/ns/net" 2>/dev/null) || continue
	[[ -z ${seen[$ino]:-} ]] || continue
	seen[$ino]=1
	# /proc/PID/net/netlink: sk Eth Pid Groups ...; Groups in hex, the
	# first 32 groups.
	while read -r _ eth portid groups _; do
		[[ $eth == "$NETLINK_NETFILTER" ]] || continue
		((0x$groups & NFTABLES_GROUP_BIT)) || continue
		count=$((count + 1))
		[[ ${1:-} != -v ]] ||
			echo "netns $ino (pid ${p#/proc/}, $(cat "$p/comm" 2>/dev/null)): portid $portid"
	done < <(tail -n +2 "$p/net/netlink" 2>/dev/null || true)
done
echo "$count"
