#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/bench.sh BUILD_DIR: what `make bench` prints. Measures edgefw
# against nft on the identical ruleset (nft loads the text edgefwctl
# compile prints), in the same run, each measurement in a fresh network
# namespace, and prints ratios. Benchmarks are not tests: nothing here
# passes or fails on a number.
#
# The ruleset is edge-single-public with its front_end group read from a
# file of N addresses (odd host numbers, so nothing merges): N + ~60
# elements, almost all of them in the group's address set.
set -euo pipefail
cd "$(dirname "$0")/.."

B=${1:-build}
CTL=$B/edgefwctl
EFB=$B/efbench
POLICY=policies/edge-single-public.policy
SIZES=${BENCH_SIZES:-1000 10000 100000}
REPEAT=${BENCH_REPEAT:-3}

(($(id -u) == 0)) || { echo "bench: needs root (network namespaces)"; exit 1; }
command -v nft >/dev/null || { echo "bench: needs nft to compare with"; exit 1; }
[[ -x $CTL && -x $EFB ]] || { echo "bench: build first: make all $EFB"; exit 1; }

tmp=$(mktemp -d /tmp/edgefw-bench.XXXXXX)
ns=efw-bench-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

fresh_ns() {
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
}
in_ns() { ip netns exec "$ns" "$@"; }

# site N [skip]: a site whose front_end holds N addresses (the skip-th one
# left out, for the one-element change).
site() {
	local n=$1 skip=${2:--1}
	local f=$tmp/site-$n-$skip
	awk -v n="$n" -v skip="$skip" 'BEGIN {
		for (i = 0; i < n; i++) if (i != skip)
			printf "10.%d.%d.%d\n", int(i / 32768), int(i / 128) % 256, (i % 128) * 2 + 1
	}' >"$f.txt"
	sed "s|^front_end = .*|front_end = file \"$f.txt\"|" \
		policies/examples/edge-single-public.site >"$f.site"
	chmod 0644 "$f.txt" "$f.site"
	echo "$f.site"
}

# timed CMD...: "wall-seconds peak-RSS-KiB user-CPU-seconds" of CMD, best
# of REPEAT runs, each in a fresh namespace prepared by $PREP (a function).
timed() {
	local best="" line t0 t1
	for _ in $(seq "$REPEAT"); do
		fresh_ns
		[[ -z ${PREP:-} ]] || $PREP
		t0=$(date +%s.%N)
		/usr/bin/time -o "$tmp/time" -f '%M %U' "$@" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		line="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(tail -1 "$tmp/time")"
		if [[ -z $best ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
			best=$line
		fi
	done
	echo "$best"
}

# inproc CMD...: seconds printed by efbench, best of REPEAT.
inproc() {
	local best="" t
	for _ in $(seq "$REPEAT"); do
		fresh_ns
		[[ -z ${PREP:-} ]] || $PREP
		t=$(in_ns "$@")
		if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f ms", a * 1000 }'; }

nft_text() {	# nft_text SITE OUT: the same ruleset as nft input
	{
		echo "table inet edgefw"
		echo "delete table inet edgefw"
		"$CTL" compile $POLICY --site "$1"
	} >"$2"
}

echo "# edgefw benchmarks: $(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), nft $(nft --version | awk '{print $2}')"
echo
echo "| measurement | edgefw | nft | edgefw / nft |"
echo "| --- | --- | --- | --- |"
for n in $SIZES; do
	s=$(site "$n")
	elems=$("$CTL" check $POLICY --site "$s" | sed 's/.*rows, \([0-9]*\) set elements/\1/')
	nft_text "$s" "$tmp/full-$n.nft"
	PREP=
	e=$(timed ip netns exec "$ns" "$CTL" apply --replace $POLICY --site "$s")
	f=$(timed ip netns exec "$ns" nft -f "$tmp/full-$n.nft")
	echo "| full apply, $elems elements: wall | ${e%% *} s | ${f%% *} s | $(ratio "${e%% *}" "${f%% *}") |"
	read -r _ erss eusr <<<"$e"
	read -r _ frss fusr <<<"$f"
	echo "| full apply, $elems elements: peak RSS | $((erss / 1024)) MiB | $((frss / 1024)) MiB | $(ratio "$erss" "$frss") |"
	echo "| full apply, $elems elements: user CPU | $eusr s | $fusr s | $(ratio "$eusr" "$fusr") |"
	nft_full=${f%% *}
done

n=${SIZES##* }
s=$(site "$n")
s2=$(site "$n" 4242)
nft_text "$s2" "$tmp/changed.nft"
prep_applied() { in_ns "$CTL" apply --replace $POLICY --site "$s" >/dev/null; }
PREP=prep_applied
e=$(timed ip netns exec "$ns" "$CTL" diff $POLICY --site "$s")
f=$(timed ip netns exec "$ns" nft list table inet edgefw)
echo "| read back + diff, $n-address group (process) | ${e%% *} s | ${f%% *} s (nft list) | $(ratio "${e%% *}" "${f%% *}") |"
r=$(inproc "$EFB" readdiff $POLICY "$s")
echo "| read back + diff, in-process | $(ms "$r") | | |"

PREP=
c=$(inproc "$EFB" change $POLICY "$s" "$s2")
PREP=prep_applied
f=$(timed ip netns exec "$ns" nft -f "$tmp/changed.nft")
echo "| one element changed: reconciler vs nft -f reload | $(ms "$c") | ${f%% *} s | $(ratio "$c" "${f%% *}") |"

PREP=
z=$(inproc "$EFB" noop $POLICY "$s")
PREP=prep_applied
e=$(timed ip netns exec "$ns" "$CTL" apply $POLICY --site "$s")
echo "| empty reconcile, reconciler that stays (nothing sent) | $(ms "$z") | | |"
echo "| empty reconcile, edgefwctl apply (reads the table) | ${e%% *} s | | |"

PREP=
fl=$(inproc "$EFB" floor $POLICY "$s")
# The kernel's part of any full apply, against nft's whole run: no client
# can get below this ratio.
echo "| the floor: sending the built $n-address batch (kernel) | $(ms "$fl") | ${nft_full} s (nft -f) | $(ratio "$fl" "$nft_full") |"
