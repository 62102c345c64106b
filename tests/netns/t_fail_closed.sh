#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_fail_closed.sh BUILD_DIR: when edgefw is unsure, it refuses (issue 9,
# "fail closed"). Each operator mistake below makes `edgefwctl check` and
# `edgefwctl apply` exit 2 at once, saying file:line:col and what is wrong,
# and leaves the live ruleset of the namespace byte for byte as it was: a
# group left unbound or misspelt, a setting or binding given twice, an
# empty group or management file, a v4-mapped address, a prefix length
# with a leading zero, a byte that is not UTF-8, a NUL, and a FIFO, a
# directory or a device where a file should be (which must not hang), a
# site row that is not this machine's or names a bad address.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

POLICY=policies/edge-single-public.policy
SITE=policies/examples/edge-single-public.site

netns_init "${1:-build}"
CTL=$EFW_BUILD/edgefwctl
[[ -x $CTL ]] || bail_out "$CTL not built"
T=$EFW_TMP
ns_add edge
EDGE=(ip netns exec "$(ns_name edge)")
# The interfaces and addresses the example site names, links left down so
# that no packet moves a counter between two looks at the ruleset.
ip -n "$(ns_name edge)" link add eth0 type veth peer name peer0
ip -n "$(ns_name edge)" link add eth1 type veth peer name peer1
addr_add edge eth0 198.51.100.10/24 198.51.100.11/24 198.51.100.12/24 \
	2001:db8:100::10/64 2001:db8:100::11/64 2001:db8:100::12/64
addr_add edge eth1 192.0.2.1/24 2001:db8:200::1/64

expect_status 0 "apply the example" "${EDGE[@]}" "$CTL" apply $POLICY --site $SITE
"${EDGE[@]}" nft list ruleset >"$T/live"
check "the live ruleset holds the table" grep -q "^table inet edgefw" "$T/live"

# refused DESC WANT POLICY SITE: check and apply both exit 2, at once (a
# FIFO must not hang them), saying WANT; the live ruleset is unchanged.
refused() {
	local desc=$1 want=$2 policy=$3 site=$4
	expect_status 2 "check: $desc" \
		timeout 20 "$CTL" check "$policy" --site "$site"
	stderr_has "check: $desc: says where and why" "$want"
	expect_status 2 "apply: $desc" \
		timeout 20 "${EDGE[@]}" "$CTL" apply "$policy" --site "$site"
	stderr_has "apply: $desc: says where and why" "$want"
	"${EDGE[@]}" nft list ruleset >"$T/now"
	if cmp -s "$T/live" "$T/now"; then
		ok "apply: $desc: the live ruleset is as it was"
	else
		not_ok "apply: $desc: the live ruleset changed"
		diff "$T/live" "$T/now" | sed -n '1,20s/^/#   /p' || true
	fi
}

# site NAME SED-SCRIPT: the example site so edited, as $T/NAME.
site() {
	sed -e "$2" $SITE >"$T/$1"
	chmod 0644 "$T/$1"
}

# line_of REGEX [FILE]: the number of the first line of FILE (the example
# site) matching REGEX: the messages name lines of a file that changes.
line_of() {
	grep -n -m1 -e "$1" "${2:-$SITE}" | cut -d: -f1
}
FE=$(line_of '^front_end ')
DIR=$(line_of '^director ')
MGMT=$(line_of '^management ')
ZINT=$(line_of '^zone internal ')
ZEXT=$(line_of '^zone external ')
LAST=$(wc -l <$SITE)
GFE=$(line_of '^group front_end' $POLICY)
ROW=$(line_of '^	tcp  5269 ' $POLICY)

# --- 1. nothing is widened by omission or typo

site nofe.site '/^front_end /d'
refused "a group left unbound" \
	"$POLICY:$GFE:7: group role 'front_end' is not bound in the site: bind it to addresses, 'file \"PATH\"', 'any' or 'none'" \
	$POLICY "$T/nofe.site"

site typo.site 's/^front_end /front_edn /'
refused "a misspelt group" \
	"$POLICY:$GFE:7: group role 'front_end' is not bound in the site" \
	$POLICY "$T/typo.site"
stderr_has "the misspelt binding is pointed at" \
	"$T/typo.site:$FE:1: warning: policy 'edge-single-public' has no role 'front_edn' (did you mean 'front_end'?); this binding is unused"

site output.site '$a output = drop\noutput = accept'
refused "a setting given twice" \
	"$T/output.site:$((LAST + 2)):1: 'output' already set at line $((LAST + 1))" \
	$POLICY "$T/output.site"
stderr_has "the first one gets a note" \
	"$T/output.site:$((LAST + 1)):1: note: 'output' first set here"

site director.site '$a director = any'
refused "a binding given twice" \
	"$T/director.site:$((LAST + 1)):1: 'director' already bound at line $DIR" \
	$POLICY "$T/director.site"
stderr_has "the first one gets a note" \
	"$T/director.site:$DIR:1: note: 'director' first bound here"

printf '# to be filled in\n\n' >"$T/fe.txt"
: >"$T/mgmt.txt"
chmod 0644 "$T/fe.txt" "$T/mgmt.txt"
site empty.site 's|^front_end .*|front_end = file "fe.txt"|'
refused "an empty group file" \
	"$T/empty.site:$FE:18: group file '$T/fe.txt' holds no address: write 'none' (no peer) or 'any' (every peer) in the site if that is meant" \
	$POLICY "$T/empty.site"
site emptym.site 's|^management .*|management = file "mgmt.txt"|'
refused "an empty management file" \
	"$T/emptym.site:$MGMT:19: management file '$T/mgmt.txt' holds no network: write 'management = none' if that is meant" \
	$POLICY "$T/emptym.site"

site mapped.site 's|^director  = 192.0.2.10,|director  = ::ffff:192.0.2.10,|'
refused "a v4-mapped IPv6 address" \
	"$T/mapped.site:$DIR:13: '::ffff:192.0.2.10': an IPv4-mapped IPv6 address: write the IPv4 address" \
	$POLICY "$T/mapped.site"

site zero.site 's|^management = 203.0.113.0/24|management = 203.0.113.0/024|'
refused "a prefix length with a leading zero" \
	"$T/zero.site:$MGMT:14: '203.0.113.0/024': prefix length with a leading zero (write 24, not 024)" \
	$POLICY "$T/zero.site"

# A site's own row must have this machine at one end: `any any` would
# open the host to every flow of its port.
site anyany.site '$a zone external {\n\tudp 53 any any "x"\n}'
refused "a site row with no end on this machine" \
	"$T/anyany.site:$((LAST + 2)):2: no end is this machine: the source or the destination must be 'self' or an address role" \
	$POLICY "$T/anyany.site"
site selfs.site '$a zone external {\n\tudp 53 self 192.0.2.300 "x"\n}'
refused "a site row with a bad address" \
	"$T/selfs.site:$((LAST + 2)):14: '192.0.2.300': not an IPv4 or IPv6 address" \
	$POLICY "$T/selfs.site"

# --- 2. text is text

sed "${ROW}s/\"/\"\\xe9/" $POLICY >"$T/latin1.policy"
chmod 0644 "$T/latin1.policy"
refused "a note that is not UTF-8" \
	"$T/latin1.policy:$ROW:52: invalid UTF-8 (byte 0xe9): policy, site and group files are UTF-8 text" \
	"$T/latin1.policy" $SITE

site ifname.site 's/^zone internal = eth1$/zone internal = eth\xff/'
refused "an interface name that is not UTF-8" \
	"$T/ifname.site:$ZINT:20: invalid UTF-8 (byte 0xff): policy, site and group files are UTF-8 text" \
	$POLICY "$T/ifname.site"

{ head -n $((ZEXT - 1)) $SITE; printf 'zone external = eth0\0\n'
	tail -n +$((ZEXT + 1)) $SITE; } >"$T/nul.site"
chmod 0644 "$T/nul.site"
refused "a NUL byte" "$T/nul.site:$ZEXT:21: a NUL byte: not a text file" \
	$POLICY "$T/nul.site"

# --- 3. nothing blocks on a file

mkfifo -m 0644 "$T/fifo"
refused "a FIFO as the site" "$T/fifo: not a regular file (a FIFO)" \
	$POLICY "$T/fifo"
refused "a FIFO as the policy" "$T/fifo: not a regular file (a FIFO)" \
	"$T/fifo" $SITE
{ cat $POLICY; echo 'include "fifo"'; } >"$T/inc.policy"
INC=$(line_of '^include "fifo"' "$T/inc.policy")
chmod 0644 "$T/inc.policy"
refused "a FIFO as an include" \
	"$T/inc.policy:$INC:9: '$T/fifo': not a regular file (a FIFO)" \
	"$T/inc.policy" $SITE
site fifogroup.site 's|^director .*|director = file "fifo"|'
refused "a FIFO as a group file" \
	"$T/fifogroup.site:$DIR:17: '$T/fifo': not a regular file (a FIFO)" \
	$POLICY "$T/fifogroup.site"
site fifomgmt.site 's|^management .*|management = file "fifo"|'
refused "a FIFO as the management file" \
	"$T/fifomgmt.site:$MGMT:19: '$T/fifo': not a regular file (a FIFO)" \
	$POLICY "$T/fifomgmt.site"
mkdir -m 0755 "$T/dir.site"
refused "a directory as the site" "$T/dir.site: not a regular file (a directory)" \
	$POLICY "$T/dir.site"
site null.site 's|^director .*|director = file "/dev/null"|'
refused "a device as a group file" \
	"$T/null.site:$DIR:17: '/dev/null': not a regular file (a character device)" \
	$POLICY "$T/null.site"

# --- 4. the live machine: warned of, not refused

site eht.site 's/^zone internal = eth1$/zone internal = eht1/'
expect_status 0 "check of a site with a misspelt interface (offline: no look)" \
	"${EDGE[@]}" "$CTL" check $POLICY --site "$T/eht.site"
if grep -q "warning:" "$T/err"; then
	not_ok "check warned of this machine: it may run on another one"
else
	ok "check does not compare the site with this machine"
fi
expect_status 0 "apply of a site with a misspelt interface applies" \
	"${EDGE[@]}" "$CTL" apply $POLICY --site "$T/eht.site"
stderr_has "apply warns of the interface, at its line" \
	"$T/eht.site:$ZINT:17: warning: this machine has no interface 'eht1': the rows of zone 'internal' will not match on it until it appears"
expect_status 0 "apply the example again" \
	"${EDGE[@]}" "$CTL" apply $POLICY --site $SITE

finish
