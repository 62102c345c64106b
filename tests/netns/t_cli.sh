#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_cli.sh BUILD_DIR: edgefwctl as an operator meets it, in a namespace of
# its own: bad input is refused with file:line:col and exit 2 and leaves
# the live table as it was; verify notices a change made behind its back;
# errors from the kernel and from missing privileges are named; and the
# sanitizer build and valgrind find nothing wrong in apply, show, verify.
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

# expect_status WANT DESC CMD...: CMD must exit WANT.
expect_status() {
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >"$EFW_TMP/out" 2>"$EFW_TMP/err" || rc=$?
	if ((rc == want)); then
		ok "$desc (exit $rc)"
	else
		not_ok "$desc: exit $rc, wanted $want"
		sed 's/^/#   /' "$EFW_TMP/err"
	fi
}

# stderr_has DESC TEXT: the last command's stderr holds TEXT.
stderr_has() {
	if grep -qF -- "$2" "$EFW_TMP/err"; then
		ok "$1"
	else
		not_ok "$1: stderr lacks '$2'"
		sed 's/^/#   /' "$EFW_TMP/err"
	fi
}

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
cp $POLICY "$EFW_TMP/bad.policy"
sed -i -e '36s/^\ttcp  5269 /\ttcp  70000 /' \
	-e '38s/^\ttcp  80   /\ticmp 80   /' "$EFW_TMP/bad.policy"
chmod 0644 "$EFW_TMP/bad.policy"
expect_status 2 "apply of a broken policy" \
	in_ns edge "$CTL" apply "$EFW_TMP/bad.policy" --site $SITE
stderr_has "the port error has file:line:col" \
	"bad.policy:36:7: port out of range in '70000': ports are 1 to 65535"
stderr_has "the protocol error is reported in the same run" \
	"bad.policy:38:2: unknown protocol 'icmp': expected tcp, udp or tcp,udp"
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
