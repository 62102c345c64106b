#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_cli.sh BUILD_DIR: edgefwctl as an operator meets it, in a namespace of
# its own: bad input is refused with file:line:col and exit 2 and leaves
# the live table as it was; verify notices a change made behind its back;
# errors from the kernel and from missing privileges are named; an option
# a command does not take, or a number or name edgefwd would refuse, is
# exit 2 with a message; every command has --help; and the sanitizer
# build and valgrind find nothing wrong in apply, show, verify.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

POLICY=policies/edge-single-public.policy
SITE=policies/examples/edge-single-public.site

netns_init "${1:-build}"
CTL=$EFW_BUILD/edgefwctl
SAN_CTL=$EFW_BUILD/san/edgefwctl
[[ -x $CTL ]] || bail_out "$CTL not built"
ns_add edge

# The site names its policy: POLICY may be left out.
expect_status 0 "check --site alone checks the site's own policy" \
	"$CTL" check --site $SITE --policy-dir policies
if grep -q "ok: policy edge-single-public" "$EFW_TMP/out"; then
	ok "and names it"
else
	not_ok "check --site alone: $(cat "$EFW_TMP/out")"
fi
grep -v '^policy =' $SITE >"$EFW_TMP/nopolicy.site"
expect_status 2 "a site naming no policy, and no POLICY" \
	"$CTL" check --site "$EFW_TMP/nopolicy.site" --policy-dir policies
stderr_has "says what is missing" "no 'policy = NAME' line"
expect_status 0 "a POLICY given still wins over the site's" \
	"$CTL" check policies/public-im-connectivity.policy --site $SITE
sed 's/^policy = .*/policy = Not_A_Name/' $SITE >"$EFW_TMP/badpolicy.site"
expect_status 2 "a bad policy name in the site" \
	"$CTL" check $POLICY --site "$EFW_TMP/badpolicy.site"
stderr_has "is refused where it is" "badpolicy.site:14:10: policy must be a policy name"

expect_status 1 "show with no table" in_ns edge "$CTL" show
stderr_has "show says there is no table" "there is no table inet edgefw"

expect_status 0 "apply" in_ns edge "$CTL" apply $POLICY --site $SITE
expect_status 0 "verify" in_ns edge "$CTL" verify $POLICY --site $SITE

# A policy by name, looked up as edgefwd does: the first --policy-dir that
# has it (the operator's own shadows a shipped one).
mkdir -p "$EFW_TMP/mine"
sed 's/^policy public-im-connectivity /policy edge-single-public /' \
	policies/public-im-connectivity.policy >"$EFW_TMP/mine/edge-single-public.policy"
chmod 0644 "$EFW_TMP/mine/edge-single-public.policy"
expect_status 0 "verify by name" in_ns edge "$CTL" verify edge-single-public \
	--policy-dir policies --site $SITE
expect_status 3 "the first directory's file of that name wins" in_ns edge "$CTL" \
	verify edge-single-public --policy-dir "$EFW_TMP/mine" --policy-dir policies --site $SITE
expect_status 2 "a name no directory has" "$CTL" check no-such-policy \
	--policy-dir "$EFW_TMP/mine" --policy-dir policies --site $SITE
stderr_has "names the directories" \
	"no-such-policy: no such file, and no policy of that name in $EFW_TMP/mine, policies"
# Bad options: a clear message, exit 2.
expect_status 2 "--timeout 0" "$CTL" --timeout 0 status
stderr_has "says the range" "--timeout must be 1 to 3600 seconds, not '0'"
expect_status 2 "--timeout x" "$CTL" --timeout x status
# shellcheck disable=SC2046
expect_status 2 "nine --policy-dir" "$CTL" $(printf -- '--policy-dir /x %.0s' $(seq 9)) \
	check edge-single-public --site $SITE
stderr_has "says the limit" "at most 8 --policy-dir"
mkdir -p "$EFW_TMP/dangling"
ln -s "$EFW_TMP/gone.policy" "$EFW_TMP/dangling/edge-single-public.policy"
expect_status 2 "a dangling link is that directory's file, broken: no fall-through" \
	"$CTL" check edge-single-public --policy-dir "$EFW_TMP/dangling" --policy-dir policies --site $SITE

# A broken policy: every error reported, exit 2, nothing applied.
# The first XMPP row and the CRL row, wherever they are in the file.
L5269=$(grep -n -m1 '^	tcp  5269 ' $POLICY | cut -d: -f1)
L80=$(grep -n -m1 '^	tcp  80 ' $POLICY | cut -d: -f1)
cp $POLICY "$EFW_TMP/bad.policy"
sed -i -e "${L5269}s/^\ttcp  5269 /\ttcp  70000 /" \
	-e "${L80}s/^\ttcp  80   /\ticmp 80   /" "$EFW_TMP/bad.policy"
chmod 0644 "$EFW_TMP/bad.policy"
expect_status 2 "apply of a broken policy" \
	in_ns edge "$CTL" apply "$EFW_TMP/bad.policy" --site $SITE
stderr_has "the port error has file:line:col" \
	"bad.policy:$L5269:7: port out of range in '70000': ports are 1 to 65535"
stderr_has "the protocol error is reported in the same run" \
	"bad.policy:$L80:2: unknown protocol 'icmp': expected tcp, udp or tcp,udp"
stderr_has "the source line and a caret are shown" "^"
expect_status 0 "the live table is untouched" \
	in_ns edge "$CTL" verify $POLICY --site $SITE

# A world-writable site is refused.
cp $SITE "$EFW_TMP/open.site"
chmod 0666 "$EFW_TMP/open.site"
expect_status 2 "apply with a world-writable site" \
	in_ns edge "$CTL" apply $POLICY --site "$EFW_TMP/open.site"
stderr_has "it says why" "writable by others"
expect_status 0 "the live table is still untouched" \
	in_ns edge "$CTL" verify $POLICY --site $SITE

# Someone changes our table behind our back: verify notices.
in_ns edge nft delete element inet edgefw in4 \
	'{ "eth0" . 198.51.100.11 . tcp . 443 }'
expect_status 3 "verify after a foreign change" \
	in_ns edge "$CTL" verify $POLICY --site $SITE
expect_status 0 "apply puts it right" in_ns edge "$CTL" apply $POLICY --site $SITE
expect_status 0 "verify again" in_ns edge "$CTL" verify $POLICY --site $SITE

# Without CAP_NET_ADMIN the kernel says no, and we say why. (Its files are
# copies: that user may not be able to reach the checkout.)
if command -v setpriv >/dev/null; then
	open_tmp
	copy_policies "$EFW_TMP/policies"
	cp $SITE "$EFW_TMP/unpriv.site"
	chmod 0644 "$EFW_TMP/unpriv.site"
	expect_status 1 "apply without privileges" \
		in_ns edge setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all "$CTL" apply "$EFW_TMP/policies/${POLICY##*/}" \
		--site "$EFW_TMP/unpriv.site"
	stderr_has "it names the missing privilege" "needs CAP_NET_ADMIN"
fi

expect_status 2 "unknown command" "$CTL" frobnicate
expect_status 2 "apply without a site" "$CTL" apply $POLICY

# Each command takes only its own options: any other is refused, naming
# it, wherever it stands (before the command's name too).
not_here() {
	local cmd=$1 opt=$2
	shift 2
	expect_status 2 "$cmd $opt" "$@"
	stderr_has "$cmd $opt: says it does not apply" \
		"edgefwctl $cmd: option '$opt' does not apply; see edgefwctl $cmd --help"
}
not_here check --replace "$CTL" check $POLICY --site $SITE --replace
not_here check --counters "$CTL" --counters check $POLICY
not_here show --site in_ns edge "$CTL" show --site $SITE
not_here status --replace "$CTL" status --replace --socket "$EFW_TMP/none"
not_here apply --counters in_ns edge "$CTL" apply $POLICY --site $SITE --counters
not_here compile --json "$CTL" compile $POLICY --site $SITE --json
not_here verify --socket in_ns edge "$CTL" verify $POLICY --site $SITE --socket /x
not_here metrics --json "$CTL" metrics --json --socket "$EFW_TMP/none"
not_here switch --site "$CTL" switch edge-single-nat --site $SITE
not_here confirm --dry-run "$CTL" --dry-run confirm
expect_status 2 "an unknown option" "$CTL" status --frobnicate
stderr_has "is named" "edgefwctl status: option '--frobnicate' is unknown"
expect_status 2 "an unknown option before the command" "$CTL" --frobnicate status
stderr_has "is named" "edgefwctl: option '--frobnicate' is unknown"
expect_status 2 "a flag with a value" "$CTL" status --json=yes
stderr_has "says so" "edgefwctl status: option '--json' takes no value"
expect_status 2 "a value option at the end, without its value" "$CTL" check $POLICY --site
stderr_has "says so" "edgefwctl check: option '--site' needs a value"
expect_status 2 "--site twice" "$CTL" check $POLICY --site $SITE --site "$EFW_TMP/open.site"
stderr_has "says so" "edgefwctl check: option '--site' given twice"
expect_status 2 "apply --replace --json" in_ns edge "$CTL" apply $POLICY --site $SITE --replace --json
stderr_has "says why" "options '--replace' and '--json' do not go together"
# diff with a POLICY compares here, without one asks edgefwd: each form
# takes its own options.
expect_status 2 "diff POLICY --socket" in_ns edge "$CTL" diff $POLICY --site $SITE --socket /x
stderr_has "says why" "edgefwctl diff: option '--socket' does not apply with a POLICY"
expect_status 2 "diff --site without a POLICY" "$CTL" diff --site $SITE
stderr_has "says why" "edgefwctl diff: option '--site' does not apply without a POLICY"
expect_status 0 "the live table is untouched by all of them" \
	in_ns edge "$CTL" verify $POLICY --site $SITE

# Numbers and names edgefwd would refuse are refused here, before any
# connection (no one listens on the socket: that would be exit 1).
none=(--socket "$EFW_TMP/none")
expect_status 2 "switch --confirm 0" "$CTL" switch edge-single-nat --confirm 0 "${none[@]}"
stderr_has "says the range" "edgefwctl switch: --confirm needs seconds (1 to 86400), not '0'"
expect_status 2 "switch --confirm 86401" "$CTL" switch edge-single-nat --confirm 86401 "${none[@]}"
expect_status 2 "switch --confirm 1m" "$CTL" switch edge-single-nat --confirm 1m "${none[@]}"
expect_status 2 "switch --confirm given twice" "$CTL" switch edge-single-nat \
	--confirm 5 --confirm 6 "${none[@]}"
expect_status 2 "switch to a file" "$CTL" switch $POLICY "${none[@]}"
stderr_has "says what a name is" "is not a policy name ([a-z][a-z0-9_-]*, at most 31 bytes)"
expect_status 2 "switch to a name of 32 bytes" "$CTL" switch "$(printf 'a%.0s' $(seq 32))" "${none[@]}"
expect_status 2 "confirm x" "$CTL" confirm x "${none[@]}"
stderr_has "says what an id is" "edgefwctl confirm: 'x' is not a switch id"
expect_status 2 "rollback 0" "$CTL" rollback 0 "${none[@]}"
expect_status 2 "rollback 18446744073709551616 (past 64 bits)" "$CTL" rollback 18446744073709551616 "${none[@]}"
expect_status 2 "confirm 1 2" "$CTL" confirm 1 2 "${none[@]}"
stderr_has "shows the usage" "Usage: edgefwctl confirm [ID]"
expect_status 1 "a good request reaches for edgefwd (none here)" \
	"$CTL" switch edge-single-nat --confirm 086400 "${none[@]}"
stderr_has "and says no one listens" "edgefwd is not running"
# Timed exceptions: what edgefwd would refuse for its form, refused here.
expect_status 2 "allow without --for" "$CTL" allow tcp 8443 "a note" "${none[@]}"
stderr_has "says it is required" "edgefwctl allow: --for DURATION is required"
expect_status 2 "allow --for 1w" "$CTL" allow tcp 8443 --for 1w "a note" "${none[@]}"
stderr_has "says what a duration is" "edgefwctl allow: --for needs a duration like 90s, 30m, 1h or 2d (at most 30d), not '1w'"
expect_status 2 "allow icmp" "$CTL" allow icmp 8 --for 1h "a note" "${none[@]}"
stderr_has "in the protocol's words" "edgefwctl allow: unknown protocol 'icmp'"
expect_status 2 "allow a port of 0" "$CTL" allow tcp 0 --for 1h "a note" "${none[@]}"
expect_status 2 "allow from a network with host bits" "$CTL" allow tcp 8443 \
	from 203.0.113.7/24 --for 1h "a note" "${none[@]}"
expect_status 2 "allow to a network" "$CTL" allow tcp 8443 to 192.0.2.0/24 \
	--for 1h "a note" "${none[@]}"
expect_status 2 "allow without a note" "$CTL" allow tcp 8443 from 203.0.113.7 \
	--for 1h "${none[@]}"
stderr_has "says the note comes last" "edgefwctl allow: the note comes last"
expect_status 2 "allow with a blank note" "$CTL" allow tcp 8443 --for 1h "  " "${none[@]}"
expect_status 2 "allow with a note of 201 bytes" "$CTL" allow tcp 8443 --for 1h \
	"$(printf 'n%.0s' $(seq 201))" "${none[@]}"
expect_status 2 "allow with a word of two" "$CTL" allow tcp "8443 to x" --for 1h n "${none[@]}"
expect_status 2 "revoke 0" "$CTL" revoke 0 "${none[@]}"
stderr_has "says what an id is" "edgefwctl revoke: '0' is not an exception id"
expect_status 2 "revoke without an id" "$CTL" revoke "${none[@]}"
expect_status 1 "a good allow reaches for edgefwd" "$CTL" allow udp 3478-3480 \
	from 2001:db8::/32 to access_edge --for 90s "a note" "${none[@]}"
stderr_has "and says no one listens" "edgefwd is not running"

# --help of every command, help COMMAND, --version.
for cmd in check compile apply diff show verify hello status reconcile \
	reload switch confirm rollback list counters metrics allow exceptions \
	revoke; do
	expect_status 0 "$cmd --help" "$CTL" "$cmd" --help
	check "$cmd --help: its usage on stdout" \
		grep -q "^Usage: edgefwctl $cmd" "$EFW_TMP/out"
done
expect_status 0 "--help of a command after its other options" "$CTL" check $POLICY --help
expect_status 0 "help switch" "$CTL" help switch
check "help switch lists switch's own options" grep -q -- '--confirm SECONDS' "$EFW_TMP/out"
check "and no other command's" bash -c "! grep -q -- '--site' '$EFW_TMP/out'"
expect_status 0 "help" "$CTL" help
expect_status 0 "--help" "$CTL" --help
expect_status 2 "no command" "$CTL"
expect_status 0 "--version" "$CTL" --version
version=$(sed -n 's/^VERSION := //p' Makefile)
check "--version says 'edgefwctl $version'" test "$(cat "$EFW_TMP/out")" = "edgefwctl $version"

# The sanitizer build and valgrind over the netlink paths.
if [[ -x $SAN_CTL ]]; then
	export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1
	expect_status 0 "apply under ASan+UBSan" \
		in_ns edge "$SAN_CTL" apply $POLICY --site $SITE
	expect_status 0 "show under ASan+UBSan" in_ns edge "$SAN_CTL" show --counters
	expect_status 0 "verify under ASan+UBSan" \
		in_ns edge "$SAN_CTL" verify $POLICY --site $SITE
fi
if command -v valgrind >/dev/null; then
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=all
		--error-exitcode=99)
	expect_status 0 "apply under valgrind" \
		in_ns edge "${vg[@]}" "$CTL" apply $POLICY --site $SITE
	expect_status 0 "show under valgrind" in_ns edge "${vg[@]}" "$CTL" show
	expect_status 0 "verify under valgrind" \
		in_ns edge "${vg[@]}" "$CTL" verify $POLICY --site $SITE
	expect_status 2 "a broken policy under valgrind" \
		"${vg[@]}" "$CTL" check "$EFW_TMP/bad.policy" --site $SITE
fi

finish
