#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh BUILD_DIR: runs every tests/netns/t_*.sh BUILD_DIR, one after the
# other, and adds up their "netns: N passed, N failed" lines. Before and
# after, checks that the root namespace has no edgefw table (by reading
# it) and that no efw-* namespace of a finished test is left behind.
# Prints "N passed, N failed" last; exits non-zero if anything failed.
#
# EFW_TEST_TIMEOUT (seconds, default 300) bounds each test.
set -uo pipefail

build=${1:-build}
[[ ! -d $build ]] || build=$(cd "$build" && pwd)
cd "$(dirname "$0")/../.." || exit 2
# Only the guards; netns_init (traps, namespaces) is for the tests.
. tests/netns/lib.sh

passed=0
failed=0
skipped=()
interrupted=0
test_rc=0
timeout_s=${EFW_TEST_TIMEOUT:-300}

fail() {
	echo "not ok - $*"
	failed=$((failed + 1))
}

# Removes namespaces of test processes that are gone (only efw-<pid>-*,
# only with a dead <pid>): a leak, reported by the caller.
remove_leftovers() {
	local ns pids
	for ns in "$@"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -z $pids ]] || kill -KILL $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

guard() {
	local when=$1 left
	if root_has_edgefw_table; then
		fail "the root namespace has table inet edgefw ($when the run);" \
			"tests must never touch it"
	fi
	left=$(leftover_namespaces)
	if [[ -n $left ]]; then
		# shellcheck disable=SC2086
		fail "namespaces left behind ($when the run), now removed:" $left
		# shellcheck disable=SC2086
		remove_leftovers $left
	fi
}

# wait_test PID: waits for the test's timeout process and sets test_rc. A
# signal to run.sh (Ctrl-C, TERM) is passed on as TERM, which timeout sends
# to the test's whole process group, so the test's traps clean up.
wait_test() {
	local pid=$1
	for (( ; ; )); do
		wait "$pid"
		test_rc=$?
		((test_rc > 128)) && kill -0 "$pid" 2>/dev/null || return 0
		kill -TERM "$pid" 2>/dev/null
	done
}

# run_test SCRIPT: runs it, adds its counts to passed/failed.
run_test() {
	local t=$1 name=${1##*/} log tpid tailpid rc p=0 f=0 line
	log=$(mktemp /tmp/efw-run.XXXXXX)
	echo "--- $name"
	# timeout puts the test in a process group of its own and, on expiry,
	# signals all of it: the test bash, its listeners, a hung command.
	timeout -k 10 "$timeout_s" bash "$t" "$build" >"$log" 2>&1 </dev/null &
	tpid=$!
	tail -n +1 -s 0.1 -f --pid="$tpid" "$log" &
	tailpid=$!
	wait_test "$tpid"
	rc=$test_rc
	wait "$tailpid" 2>/dev/null
	line=$(grep -E '^netns: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
	if [[ $line =~ ^netns:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	fi
	grep -q '^netns: SKIP' "$log" && skipped+=("$name")
	rm -f -- "$log"
	passed=$((passed + p))
	failed=$((failed + f))
	if ((rc == 124 || rc == 137)); then
		fail "$name timed out after ${timeout_s}s"
	elif ((rc != 0 && f == 0)); then
		fail "$name exited $rc without reporting a failure"
	elif [[ -z $line ]]; then
		fail "$name printed no 'netns: N passed, N failed' line"
	fi
}

if (($(id -u) != 0)); then
	echo "netns: SKIP all: needs root"
	echo "0 passed, 0 failed"
	exit 0
fi

trap 'interrupted=1' INT TERM
guard before
shopt -s nullglob
for t in tests/netns/t_*.sh; do
	((interrupted)) && break
	run_test "$t"
done
guard after

((${#skipped[@]} == 0)) || echo "skipped: ${skipped[*]}"
((!interrupted)) || fail "interrupted"
echo "$passed passed, $failed failed"
((failed == 0))
