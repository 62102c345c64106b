# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/netns/lib.sh: throwaway network namespaces for the edgefw tests.
# Sourced by tests/netns/t_*.sh and demo.sh; needs bash >= 4.3.
#
#   . "$(dirname "$0")/lib.sh"
#   netns_init "${1:-build}"      # skips (exit 0) without root/netns/nftables
#   topo_up
#   start_listener edge --tcp 443 --udp 3478
#   expect_pass client tcp 198.51.100.10 443
#   expect_drop client tcp 198.51.100.10 22
#   finish                        # "netns: N passed, N failed"
#
# Topology (all addresses from documentation ranges):
#
#   client eth0 ---- eth0 edge eth1 ---- eth0 internal
#   198.51.100.100     198.51.100.10-12        192.0.2.1     192.0.2.10,11,50
#   2001:db8:100::100  2001:db8:100::10-12     2001:db8:200::1
#                                               2001:db8:200::10,50
#   client lo: 203.0.113.5/32, 2001:db8:ffff::5/128 (the "management"
#   source); edge routes 203.0.113.0/24 and 2001:db8:ffff::/48 back via
#   the client.
#
# Every namespace is called efw-<pid of the test>-<name>. An EXIT trap
# (also run on INT and TERM) kills what the test started and deletes its
# namespaces, whether the test passed, failed or was interrupted. Nothing
# here touches the root namespace's network or ruleset, and no traffic
# leaves the test's own namespaces. Tests must not install their own EXIT
# trap: use at_exit instead.

EFW_PREFIX="efw-$$-"
EFW_OWNER=$$
EFW_NAMESPACES=()
EFW_PIDS=()
EFW_AT_EXIT=()
EFW_TMP=""
EFW_BUILD=""
NETPROBE=""
EFW_PASSED=0
EFW_FAILED=0
EFW_FINISHED=0
EFW_ROOT_HAD_TABLE=0
LISTENER_PID=""
: "${PROBE_TIMEOUT_MS:=300}"

# ---- reporting -------------------------------------------------------------

# ok DESC / not_ok DESC: count and print one TAP-style result line.
ok() {
	EFW_PASSED=$((EFW_PASSED + 1))
	echo "ok $((EFW_PASSED + EFW_FAILED)) - $*"
}

not_ok() {
	EFW_FAILED=$((EFW_FAILED + 1))
	echo "not ok $((EFW_PASSED + EFW_FAILED)) - $*"
}

# check DESC CMD...: ok if CMD succeeds, not_ok otherwise.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# skip REASON: the test cannot run here; exits EFW_SKIP_RC (default 0: a
# skip is not a failure; the demo sets 1) after cleaning up.
skip() {
	echo "netns: SKIP ${0##*/}: $*"
	echo "netns: 0 passed, 0 failed"
	EFW_FINISHED=1
	exit "${EFW_SKIP_RC:-0}"
}

# bail_out REASON: the test cannot run although it should (a broken
# build): one failure, exit 1.
bail_out() {
	not_ok "$*"
	echo "netns: $EFW_PASSED passed, $EFW_FAILED failed"
	EFW_FINISHED=1
	exit 1
}

# finish: prints the final line and exits 1 if anything failed.
finish() {
	if ((!EFW_ROOT_HAD_TABLE)) && root_has_edgefw_table; then
		not_ok "root namespace gained table inet edgefw (a test touched it)"
	fi
	echo "netns: $EFW_PASSED passed, $EFW_FAILED failed"
	EFW_FINISHED=1
	((EFW_FAILED == 0)) || exit 1
	exit 0
}

# expect_status WANT DESC CMD...: CMD must exit WANT; its stdout and stderr
# are kept in $EFW_TMP/out and $EFW_TMP/err.
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

# ---- setup and cleanup -----------------------------------------------------

# at_exit CMD...: run CMD (as one eval'd string) at cleanup, before the
# namespaces are deleted. Last registered runs first.
at_exit() {
	EFW_AT_EXIT+=("$*")
}

# track_pid PID: kill PID at cleanup (TERM, then KILL). Processes left in
# the test's namespaces are killed at cleanup anyway, tracked or not.
track_pid() {
	EFW_PIDS+=("$1")
}

_efw_kill_pids() {
	local pid i
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "$@"; do
		for ((i = 0; i < 20; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

_efw_ns_del() {
	local ns=$1 pids
	# (grep without -q: reading all input spares ip a SIGPIPE, which
	# pipefail would report as a failure)
	ip netns list 2>/dev/null | grep "^$ns\( \|$\)" >/dev/null || return 0
	# Whatever still runs inside was started by this test.
	pids=$(ip netns pids "$ns" 2>/dev/null)
	# shellcheck disable=SC2086
	[[ -z $pids ]] || _efw_kill_pids $pids
	ip netns del "$ns"
}

_efw_cleanup() {
	local rc=$? last=$BASH_COMMAND i
	[[ $BASHPID == "$EFW_OWNER" ]] || return "$rc"
	trap "" INT TERM PIPE
	set +e
	if ((!EFW_FINISHED)) && [[ -n $EFW_BUILD ]]; then
		not_ok "script aborted (exit $rc) at: $last"
		echo "netns: $EFW_PASSED passed, $EFW_FAILED failed"
		((rc != 0)) || rc=1
	fi
	for ((i = ${#EFW_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${EFW_AT_EXIT[i]}"
	done
	EFW_AT_EXIT=()
	topo_down
	[[ -z $EFW_TMP ]] || rm -rf -- "$EFW_TMP"
	EFW_TMP=""
	exit "$rc"
}

_efw_need() {
	local reason
	(($(id -u) == 0)) || skip "needs root"
	command -v ip >/dev/null || skip "ip (iproute2) not installed"
	command -v nft >/dev/null ||
		skip "nft not installed (tests read rulesets with it; see tests/deps.sh)"
	ns_add check 2>/dev/null || skip "ip netns does not work here"
	if ! reason=$(in_ns check nft add table inet efw_check 2>&1); then
		skip "nf_tables unavailable: ${reason:-nft failed}"
	fi
	_efw_ns_del "${EFW_PREFIX}check"
	EFW_NAMESPACES=()
}

# netns_init BUILD_DIR: installs the cleanup traps, checks that the test can
# run (skips otherwise) and finds BUILD_DIR/netprobe.
netns_init() {
	local build=${1:-build}
	trap _efw_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	EFW_BUILD=$(cd "$build" 2>/dev/null && pwd) ||
		bail_out "build directory '$build' not found"
	_efw_need
	NETPROBE=$EFW_BUILD/netprobe
	[[ -x $NETPROBE ]] || bail_out "$NETPROBE not built"
	EFW_TMP=$(mktemp -d /tmp/efw-netns.XXXXXX)
	root_has_edgefw_table && EFW_ROOT_HAD_TABLE=1
	return 0
}

# ---- namespaces ------------------------------------------------------------

# ns_name NAME: prints the namespace's full name.
ns_name() {
	echo "$EFW_PREFIX$1"
}

# in_ns NAME CMD...: runs CMD inside namespace NAME.
in_ns() {
	local ns=$EFW_PREFIX$1
	shift
	ip netns exec "$ns" "$@"
}

# open_tmp: EFW_TMP (root's, 0700 from mktemp) searchable by all, for what
# a process that is not root reads there. Only root can write it, and /tmp
# is sticky, so edgefwd still accepts the files in it (read_config_file
# refuses a file under a directory others can write).
open_tmp() {
	chmod 0755 "$EFW_TMP"
}

# copy_policies DIR: the shipped policies (policies/*.policy) copied into
# DIR, made if missing, readable by all. A process that is not root reads
# them there, never in the checkout: a checkout may sit where such a
# process cannot go (under /root, in a 0700 mktemp -d).
copy_policies() {
	mkdir -p "$1"
	cp policies/*.policy "$1/"
	chmod 0755 "$1"
	chmod 0644 "$1"/*.policy
}

# daemon_test_init BUILD_DIR: netns_init for a test of edgefwd: CTL and D
# are the build's edgefwctl and edgefwd; it runs as nobody:nogroup, and
# reads the shipped policies from POLICIES, their copy in EFW_TMP.
daemon_test_init() {
	netns_init "$1"
	CTL=$EFW_BUILD/edgefwctl
	D=$EFW_BUILD/edgefwd
	[[ -x $CTL && -x $D ]] || bail_out "$CTL or $D not built"
	getent passwd nobody >/dev/null || skip "no user nobody"
	getent group nogroup >/dev/null || skip "no group nogroup"
	open_tmp
	POLICIES=$EFW_TMP/policies
	copy_policies "$POLICIES"
}

# start_edgefwd NS SOCK LOG ARGS...: edgefwd (of the build) in namespace
# NS, answering on SOCK, its output appended to LOG, with ARGS; returns
# once it answers (DPID: the daemon's pid), or 1 after five seconds.
start_edgefwd() {
	local ns=$1 sock=$2 log=$3 i
	shift 3
	in_ns "$ns" "$EFW_BUILD/edgefwd" --foreground --socket "$sock" "$@" \
		>>"$log" 2>&1 &
	track_pid $!
	for ((i = 0; i < 50; i++)); do
		if [[ -S $sock ]] &&
			"$EFW_BUILD/edgefwctl" --socket "$sock" hello >/dev/null 2>&1; then
			# The daemon itself, not the shell that started it.
			DPID=$(pgrep -n -f -- "--socket $sock")
			track_pid "$DPID"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# ns_add NAME: a fresh namespace with lo up and IPv6 DAD off.
ns_add() {
	local ns=$EFW_PREFIX$1
	ip netns add "$ns" || return 1
	EFW_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up || return 1
	in_ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1 || true
}

# veth_add NS_A IF_A NS_B IF_B: a veth pair made directly inside the two
# namespaces (never in the root namespace), both ends up.
veth_add() {
	local a=$EFW_PREFIX$1 b=$EFW_PREFIX$3
	ip -n "$a" link add "$2" type veth peer name "$4" netns "$b" &&
		ip -n "$a" link set "$2" up &&
		ip -n "$b" link set "$4" up
}

# addr_add NS IF CIDR...: adds addresses; IPv6 ones with nodad.
addr_add() {
	local ns=$EFW_PREFIX$1 dev=$2 a
	shift 2
	for a in "$@"; do
		if [[ $a == *:* ]]; then
			ip -n "$ns" addr add "$a" dev "$dev" nodad || return 1
		else
			ip -n "$ns" addr add "$a" dev "$dev" || return 1
		fi
	done
}

# wait_link_up NS IF: waits (up to 5 s) for carrier on IF.
wait_link_up() {
	local ns=$EFW_PREFIX$1 i
	for ((i = 0; i < 100; i++)); do
		ip -n "$ns" -o link show dev "$2" 2>/dev/null |
			grep 'LOWER_UP' >/dev/null && return 0
		sleep 0.05
	done
	echo "netns: $2 in $1 did not come up" >&2
	return 1
}

# topo_up: client, edge and internal as drawn at the top of this file.
topo_up() {
	ns_add client && ns_add edge && ns_add internal || return 1
	veth_add client eth0 edge eth0 || return 1
	veth_add edge eth1 internal eth0 || return 1

	addr_add edge eth0 198.51.100.10/24 198.51.100.11/24 \
		198.51.100.12/24 2001:db8:100::10/64 2001:db8:100::11/64 \
		2001:db8:100::12/64 || return 1
	addr_add edge eth1 192.0.2.1/24 2001:db8:200::1/64 || return 1
	addr_add client eth0 198.51.100.100/24 2001:db8:100::100/64 ||
		return 1
	addr_add client lo 203.0.113.5/32 2001:db8:ffff::5/128 || return 1
	addr_add internal eth0 192.0.2.10/24 192.0.2.11/24 192.0.2.50/24 \
		2001:db8:200::10/64 2001:db8:200::50/64 || return 1

	ip -n "$(ns_name edge)" route add 203.0.113.0/24 via 198.51.100.100 &&
		ip -n "$(ns_name edge)" -6 route add 2001:db8:ffff::/48 \
			via 2001:db8:100::100 || return 1

	wait_link_up client eth0 && wait_link_up edge eth0 &&
		wait_link_up edge eth1 && wait_link_up internal eth0
}

# topo_down: kills tracked processes, deletes this test's namespaces.
# Idempotent; the EXIT trap calls it too.
topo_down() {
	local ns rc=0
	((${#EFW_PIDS[@]} == 0)) || _efw_kill_pids "${EFW_PIDS[@]}"
	EFW_PIDS=()
	for ns in "${EFW_NAMESPACES[@]}"; do
		_efw_ns_del "$ns" || rc=1
	done
	EFW_NAMESPACES=()
	return "$rc"
}

# ---- traffic ---------------------------------------------------------------

# start_listener NS [--tcp PORTLIST] [--udp PORTLIST]: runs netprobe listen
# in NS in the background, waits until every socket is bound and sets
# LISTENER_PID. Killed at cleanup (or earlier with stop_listener).
start_listener() {
	local ns=$1 ready i
	shift
	ready=$(mktemp -u "$EFW_TMP/ready.XXXXXX")
	# not through in_ns: a backgrounded function would be a subshell, and
	# $! its pid; ip netns exec execs netprobe, so $! is netprobe's pid
	ip netns exec "$EFW_PREFIX$ns" "$NETPROBE" listen "$@" \
		--ready "$ready" &
	LISTENER_PID=$!
	track_pid "$LISTENER_PID"
	for ((i = 0; i < 200; i++)); do
		[[ -e $ready ]] && return 0
		if ! kill -0 "$LISTENER_PID" 2>/dev/null; then
			echo "netns: listener in $ns failed to start" >&2
			return 1
		fi
		sleep 0.025
	done
	echo "netns: listener in $ns not ready after 5 s" >&2
	return 1
}

# stop_listener PID
stop_listener() {
	local pid=$1 i
	_efw_kill_pids "$pid"
	for i in "${!EFW_PIDS[@]}"; do
		[[ ${EFW_PIDS[i]} != "$pid" ]] || unset 'EFW_PIDS[i]'
	done
}

# probe NS PROTO ADDR PORT [netprobe connect options, e.g. --source A]:
# returns netprobe's exit code: 0 reached, 1 not, 2 usage/local error.
probe() {
	local ns=$1 proto=$2 addr=$3 port=$4
	shift 4
	in_ns "$ns" "$NETPROBE" connect "$proto" "$addr" "$port" \
		--timeout-ms "$PROBE_TIMEOUT_MS" "$@"
}

_efw_expect() {
	local want=$1 ns=$2 proto=$3 addr=$4 port=$5 rc=0 desc
	shift 5
	probe "$ns" "$proto" "$addr" "$port" "$@" || rc=$?
	desc="$ns -> $proto $addr $port${*:+ ($*)}"
	case "$want:$rc" in
	pass:0) ok "$desc passes" ;;
	drop:1) ok "$desc is dropped" ;;
	*:2) not_ok "$desc: probe error" ;;
	pass:*) not_ok "$desc should pass but got no answer" ;;
	drop:*) not_ok "$desc should be dropped but passed" ;;
	esac
}

# expect_pass NS PROTO ADDR PORT [options] / expect_drop ...: probe and
# count the result.
expect_pass() { _efw_expect pass "$@"; }
expect_drop() { _efw_expect drop "$@"; }

# ---- flow tables -----------------------------------------------------------
# A flow table is a bash array of rows "EXPECT PROTO DST PORT FROM NOTE...":
# EXPECT pass|drop, FROM "-" (the probing namespace's own address) or a
# source address (e.g. the management 203.0.113.5).

# flow_ports TABLE PROTO: prints the table's PROTO ports, comma-separated.
flow_ports() {
	local -n _rows=$1
	local row expect proto dst port from note
	for row in "${_rows[@]}"; do
		read -r expect proto dst port from note <<<"$row"
		if [[ $proto == "$2" ]]; then
			echo "$port"
		fi
	done | sort -un | paste -sd,
}

# run_flows TABLE NS: probes every row from NS, prints one table line per
# row and counts ok/not_ok. Returns 1 if any row did not match.
run_flows() {
	local -n _flows=$1
	local ns=$2 row expect proto dst port from note rc got result bad=0
	local -a opts
	printf '%-6s %-6s %-7s %-5s %-18s %-5s %s\n' \
		RESULT EXPECT GOT PROTO DESTINATION PORT NOTE
	for row in "${_flows[@]}"; do
		read -r expect proto dst port from note <<<"$row"
		opts=()
		[[ $from == - ]] || opts=(--source "$from")
		rc=0
		probe "$ns" "$proto" "$dst" "$port" "${opts[@]}" || rc=$?
		case $rc in
		0) got=PASSED ;;
		1) got=DROPPED ;;
		*) got=ERROR ;;
		esac
		[[ $from == - ]] || note="$note (from $from)"
		if [[ $expect:$got == pass:PASSED || $expect:$got == drop:DROPPED ]]
		then
			result=ok
			EFW_PASSED=$((EFW_PASSED + 1))
		else
			result=FAIL
			EFW_FAILED=$((EFW_FAILED + 1))
			bad=1
		fi
		printf '%-6s %-6s %-7s %-5s %-18s %-5s %s\n' "$result" \
			"$expect" "$got" "$proto" "$dst" "$port" "$note"
	done
	return "$bad"
}

# ---- guards (also used by run.sh) -----------------------------------------

# root_has_edgefw_table: true if the ROOT namespace has table inet edgefw.
# Only reads.
root_has_edgefw_table() {
	command -v nft >/dev/null || return 1
	nft list tables 2>/dev/null | grep '^table inet edgefw$' >/dev/null
}

# leftover_namespaces: prints efw-* namespaces whose test process is gone.
# Namespaces of a test that still runs (a concurrent run) are not listed.
leftover_namespaces() {
	local name pid
	ip netns list 2>/dev/null | while read -r name _; do
		[[ $name =~ ^efw-([0-9]+)- ]] || continue
		pid=${BASH_REMATCH[1]}
		kill -0 "$pid" 2>/dev/null || echo "$name"
	done
}
