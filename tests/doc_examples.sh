#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# doc_examples.sh BUILD_DIR: every whole site in the EXAMPLES of
# edgefw.site(5) (a block between .nf and .fi with a `policy =` line), and
# every such fenced block of README.md, is
# checked against the policy it names, as an operator copying it would:
# an example that no longer compiles is a page that lies.
set -euo pipefail

build=${1:-build}
cd "$(dirname "$0")/.."
ctl=$build/edgefwctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The group file the first example reads.
printf '192.0.2.20\n192.0.2.21\n2001:db8:200::20/124\n' >"$tmp/directors.txt"

# Each block of the EXAMPLES section, roff escapes undone, one file each.
awk -v dir="$tmp" '
	/^\.SH EXAMPLES/ { ex = 1; next }
	/^\.SH / { ex = 0 }
	ex && /^\.nf$/ { n++; f = sprintf("%s/block%02d", dir, n); inb = 1; next }
	ex && /^\.fi$/ { inb = 0; close(f); next }
	inb { gsub(/\\-/, "-"); print > f }
' doc/edgefw.site.5

# And the README's (its walk-through's site): fenced blocks.
awk -v dir="$tmp" '
	/^```/ { if (inb) { inb = 0; close(f) } else { n++; f = sprintf("%s/readme%02d", dir, n); inb = 1 }; next }
	inb { print > f }
' README.md

checked=0
failed=0
for b in "$tmp"/block* "$tmp"/readme*; do
	policy=$(sed -n 's/^policy = \([a-z0-9_-]*\)$/\1/p' "$b")
	[[ -n $policy ]] || continue
	mv "$b" "$tmp/site.conf"
	if out=$("$ctl" check "policies/$policy.policy" --site "$tmp/site.conf" 2>&1) &&
		! grep -q ': warning: ' <<<"$(grep -v "there is no interface" <<<"$out")"; then
		checked=$((checked + 1))
	else
		echo "doc: the example site for $policy ($(basename "$b")) does not check:"
		echo "$out"
		failed=$((failed + 1))
	fi
done
if ((failed || !checked)); then
	echo "doc: example sites: $checked checked, $failed failed"
	exit 1
fi
echo "doc: $checked example sites (edgefw.site(5), README) check against their policies"
