# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/common.sh: what bench.sh and firewalld.sh both need, sourced by
# them after they set $ns (the bench's namespace). One generator of the
# group's addresses, so that firewalld's ipset and edgefw's front_end
# group hold the very same ones.

fresh_ns() {
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
}
in_ns() { ip netns exec "$ns" "$@"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() { echo "| $1 | $2 | $3 | $4 | $5 |"; }

# group_addresses N [SKIP]: N addresses (the SKIP-th left out), odd host
# numbers so that nothing merges into a range.
group_addresses() {
	awk -v n="$1" -v skip="${2:--1}" 'BEGIN {
		for (i = 0; i < n; i++) if (i != skip)
			printf "10.%d.%d.%d\n", int(i / 32768), int(i / 128) % 256, (i % 128) * 2 + 1
	}'
}
