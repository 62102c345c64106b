#!/bin/sh
# Holds every policies/NAME.policy against the Microsoft port table it was
# written from, data/lync-ports/NAME.tsv: the same number of rows, in the
# same order, with the same transport (TCP, UDP, TCP/UDP -> tcp, udp,
# tcp,udp), the same port or range, and a note that starts with the TSV
# row's table tag ([ext], [int], [pic], ...).
#
# usage: tests/policy_rows.sh [LYNC_PORTS_DIR]
#   LYNC_PORTS_DIR defaults to data/lync-ports in the repo (the tables and
#   where they come from: its README.md).
# A missing directory, or a policy without a TSV of the same name, is a
# failure: every policy is held against its table.
# `include` is not followed: a scenario policy holds its rows itself.
# Exit status: 0 all match, 1 a mismatch or a missing table, 2 usage error.

set -u

root=$(cd "$(dirname "$0")/.." && pwd) || exit 2
tsvdir=${1:-$root/data/lync-ports}

if [ ! -d "$tsvdir" ]; then
	echo "policy_rows: FAIL: no port tables at $tsvdir"
	exit 1
fi

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# Rows of a policy as "proto<TAB>ports<TAB>tag", in file order. A row is a
# line inside a zone block whose first word is tcp, udp or tcp,udp.
policy_rows() {
	awk '
	{ line = $0; sub(/^[ \t]+/, "", line) }
	line ~ /^#/ || line == "" { next }
	line ~ /^zone[ \t]/ { inzone = 1; next }
	line ~ /^}/ { inzone = 0; next }
	inzone && line ~ /^(tcp|udp|tcp,udp)[ \t]/ {
		split(line, f, /[ \t]+/)
		tag = "-"
		if (match(line, /"\[[^]]*\]/))
			tag = substr(line, RSTART + 1, RLENGTH - 1)
		printf "%s\t%s\t%s\n", f[1], f[2], tag
	}' "$1"
}

# The same from a TSV (header skipped).
tsv_rows() {
	awk -F '\t' '
	NR == 1 { next }
	{
		p = $4
		if (p == "TCP") p = "tcp"
		else if (p == "UDP") p = "udp"
		else if (p == "TCP/UDP") p = "tcp,udp"
		tag = "-"
		if (match($8, /^\[[^]]*\]/))
			tag = substr($8, RSTART, RLENGTH)
		printf "%s\t%s\t%s\n", p, $5, tag
	}' "$1"
}

status=0
compared=0
for policy in "$root"/policies/*.policy; do
	[ -e "$policy" ] || continue
	name=$(basename "$policy" .policy)
	tsv=$tsvdir/$name.tsv
	if [ ! -f "$tsv" ]; then
		echo "policy_rows: $name: FAIL: no $name.tsv in $tsvdir"
		status=1
		continue
	fi
	policy_rows "$policy" >"$tmp/policy"
	tsv_rows "$tsv" >"$tmp/tsv"
	np=$(wc -l <"$tmp/policy" | tr -d ' ')
	nt=$(wc -l <"$tmp/tsv" | tr -d ' ')
	compared=$((compared + 1))
	if cmp -s "$tmp/policy" "$tmp/tsv"; then
		echo "policy_rows: $name: $np rows match $name.tsv"
		continue
	fi
	status=1
	echo "policy_rows: $name: MISMATCH ($np policy rows, $nt TSV rows)"
	echo "  (diff of 'proto ports tag' rows, policy '<' against TSV '>';"
	echo "   line numbers are row numbers)"
	diff "$tmp/policy" "$tmp/tsv" | sed 's/^/  /' | head -n 40
done

if [ "$compared" -eq 0 ]; then
	echo "policy_rows: no policy had a port table to compare against"
	exit 1
fi
exit $status
