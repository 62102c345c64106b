#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/firewalld.sh BUILD_DIR: the "firewalld side by side" rows of
# `make bench` (bench/bench.sh calls it; it also runs alone). firewalld
# gets a zone whose source is an ipset (hash:ip) of N addresses and whose
# ports are those of edge-single-public's inbound rows; edgefw gets the
# same N addresses as its front_end group. Both in the same run, each in a
# fresh network namespace:
#
#   first load   edgefwctl apply on an empty table, against firewalld's
#                start until its state is RUNNING and the set is full in
#                the kernel (nft list in the namespace);
#   reload       edgefwctl apply --replace on the loaded table (the whole
#                table deleted and sent again), against firewalld's reload
#                (called over D-Bus with a long timeout: firewall-cmd
#                --reload gives up after D-Bus's default 25 s), and when
#                the set was full in the kernel again;
#   peak RSS     edgefwctl apply's, against firewalld's VmHWM over its
#                start and reloads.
#
# firewalld never runs outside `ip netns exec` here: it gets its own
# configuration directory (--system-config, nftables backend) and a
# private system bus (dbus-daemon with its own socket in a temporary
# directory, DBUS_SYSTEM_BUS_ADDRESS), so it cannot see the host's bus,
# /etc/firewalld or the root namespace's ruleset.
#
# BENCH_SIZES and BENCH_REPEAT as bench.sh (firewalld is reloaded once
# from 100000 addresses on). A size whose predicted reload (the last two
# sizes' growth, at least linear, quadratic while only one is known)
# passes BENCH_FIREWALLD_LIMIT seconds (120) is skipped and says so, as
# is a size over 100000 that comes first (nothing to predict from); one
# firewalld call is given BENCH_FIREWALLD_CAP seconds (300) at most.
# Without root, firewalld or dbus-daemon it prints one row that says why.
# Benchmarks are not tests: nothing here passes or fails on a number.
set -euo pipefail
cd "$(dirname "$0")/.."

B=${1:-build}
CTL=$B/edgefwctl
POLICY=policies/edge-single-public.policy
SIZES=${BENCH_SIZES:-1000 10000 100000 1000000}
REPEAT=${BENCH_REPEAT:-3}
LIMIT=${BENCH_FIREWALLD_LIMIT:-120}
CAP=${BENCH_FIREWALLD_CAP:-300}

. bench/common.sh
skipped() { row "firewalld side by side" "skipped: $1" "" "" "-"; exit 0; }

(($(id -u) == 0)) || skipped "needs root (network namespaces)"
command -v firewalld >/dev/null ||
	skipped "firewalld is not installed (Debian: apt-get install firewalld; bench/FINDINGS.md says how without starting it on the host)"
for c in dbus-daemon dbus-send nft; do
	command -v $c >/dev/null || skipped "firewalld is installed but $c is not"
done
[[ -x $CTL ]] || skipped "build first: make all"

tmp=$(mktemp -d /tmp/edgefw-firewalld.XXXXXX)
ns=efw-fwd-$$
bus_pid=
fw_pid=
cleanup() {
	stop_firewalld
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# The inbound rows' ports: rows whose destination is one of the policy's
# own addresses, as firewalld port elements, each protocol/port once.
ports_xml() {
	awk '$1 == "address" { own[$2] = 1; next }
		($1 == "tcp" || $1 == "udp") && ($4 in own) && !seen[$1 "/" $2]++ {
			printf "  <port protocol=\"%s\" port=\"%s\"/>\n", $1, $2
		}' "$POLICY"
}

# config N: firewalld's configuration (nftables, nothing on the host's
# side: no IPv6 rpfilter, no 6to4 rule) and edgefw's site, N addresses.
config() {
	local n=$1 etc=$tmp/etc
	rm -rf "$etc"
	mkdir -p "$etc/zones" "$etc/ipsets"
	cat >"$etc/firewalld.conf" <<-EOF
		DefaultZone=drop
		CleanupOnExit=yes
		CleanupModulesOnExit=no
		Lockdown=no
		IPv6_rpfilter=no
		IndividualCalls=no
		LogDenied=off
		FirewallBackend=nftables
		FlushAllOnReload=yes
		RFC3964_IPv4=no
	EOF
	group_addresses "$n" >"$tmp/addresses.txt"
	{
		echo '<?xml version="1.0" encoding="utf-8"?>'
		echo '<ipset type="hash:ip">'
		sed 's|.*|  <entry>&</entry>|' "$tmp/addresses.txt"
		echo '</ipset>'
	} >"$etc/ipsets/efbench.xml"
	{
		echo '<?xml version="1.0" encoding="utf-8"?>'
		echo '<zone>'
		echo '  <source ipset="efbench"/>'
		ports_xml
		echo '</zone>'
	} >"$etc/zones/efbench.xml"
	{
		sed "s|^front_end = .*|front_end = file \"$tmp/addresses.txt\"|" \
			policies/examples/edge-single-public.site
		echo "max-elements = 2000000"
	} >"$tmp/site"
	chmod 0644 "$tmp/addresses.txt" "$tmp/site"
}

# The private system bus, in the namespace: its own socket, anyone of
# this bus may own and call anything (firewalld falls back to "the caller
# is root" without polkit).
start_bus() {
	cat >"$tmp/bus.conf" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <type>system</type>
		  <listen>unix:path=$tmp/bus</listen>
		  <auth>EXTERNAL</auth>
		  <policy context="default">
		    <allow user="root"/>
		    <allow own="*"/>
		    <allow send_destination="*"/>
		    <allow receive_sender="*"/>
		  </policy>
		</busconfig>
	EOF
	rm -f "$tmp/bus"
	# ip netns exec, not in_ns: $! is then the daemon itself (ip execs it).
	ip netns exec "$ns" dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile \
		>"$tmp/bus.log" 2>&1 &
	bus_pid=$!
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus
	for _ in $(seq 100); do [[ -S $tmp/bus ]] && return; sleep 0.05; done
	return 1
}

fw_call() {	# fw_call METHOD [ARGS...]: firewalld over the private bus
	dbus-send --system --print-reply=literal --reply-timeout=$((CAP * 1000)) \
		--dest=org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 "$@"
}
fw_state() {
	fw_call org.freedesktop.DBus.Properties.Get string:org.fedoraproject.FirewallD1 string:state 2>/dev/null |
		awk '{ print $NF }'
}
# The set's elements in the kernel, and the zone's port rules (fewer
# than the ports: firewalld leaves out those inside a range).
in_kernel() { in_ns nft list set inet firewalld efbench 2>/dev/null | grep -Eo '10\.[0-9]+\.[0-9]+\.[0-9]+' | wc -l; }
zone_ports() { in_ns nft list chain inet firewalld filter_IN_efbench_allow 2>/dev/null | grep -c 'dport' || true; }

# wait_filled N T0: waits (CAP at most) until the set holds N elements;
# prints the seconds since T0, or "-". Listing the set takes time too:
# full at the first look is said apart ("at the reply").
wait_filled() {
	local n=$1 t0=$2 deadline=$(($(date +%s) + CAP))
	(($(in_kernel) == n)) && { echo "at the reply"; return; }
	until (($(in_kernel) == n)); do
		if (($(date +%s) >= deadline)) || ! kill -0 "$fw_pid" 2>/dev/null; then echo -; return; fi
		sleep 0.1
	done
	since "$t0"
}

# start_firewalld N: a fresh namespace, its bus and firewalld; $start is
# the seconds until RUNNING with the set full in the kernel, or "-".
start_firewalld() {
	local n=$1 t0 deadline
	fresh_ns
	start_bus || { start=-; return; }
	t0=$(now)
	ip netns exec "$ns" firewalld --nofork --nopid --system-config "$tmp/etc" \
		--log-target file --log-file "$tmp/firewalld.log" >/dev/null 2>&1 &
	fw_pid=$!
	deadline=$(($(date +%s) + CAP))
	until [[ $(fw_state) == RUNNING ]]; do
		if (($(date +%s) >= deadline)) || ! kill -0 "$fw_pid" 2>/dev/null; then start=-; return; fi
		sleep 0.05
	done
	start=$(wait_filled "$n" "$t0")
	[[ $start != "at the reply" ]] || start=$(since "$t0")
}
stop_firewalld() {
	local p
	for p in "$fw_pid" "$bus_pid"; do
		[[ -n $p ]] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	fw_pid='' bus_pid=''
}

# reload_firewalld N: $reload is the seconds of firewalld's reload call,
# $filled when the set was full again ("at the reply" when the first look
# after the reply saw it full, else seconds from the call), $cpu firewalld's
# user and system CPU seconds in it; "-" where it failed.
reload_firewalld() {
	local n=$1 t0 u0 u1
	u0=$(awk '{ print $14, $15 }' "/proc/$fw_pid/stat")
	t0=$(now)
	if fw_call org.fedoraproject.FirewallD1.reload >/dev/null 2>&1; then
		reload=$(since "$t0")
		filled=$(wait_filled "$n" "$t0")
	else
		reload=- filled=-
	fi
	u1=$(awk '{ print $14, $15 }' "/proc/$fw_pid/stat")
	cpu=$(awk -v a="$u0" -v b="$u1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%.1f s user, %.1f s sys", (y[1] - x[1]) / hz, (y[2] - x[2]) / hz }')
}

# apply: "wall-seconds peak-RSS-KiB" of edgefwctl apply --replace in $ns.
apply() {
	local t0
	t0=$(now)
	/usr/bin/time -o "$tmp/time" -f '%M' ip netns exec "$ns" "$CTL" apply --replace $POLICY --site "$tmp/site" >/dev/null 2>&1 || true
	echo "$(since "$t0") $(tail -1 "$tmp/time")"
}

nports=$(ports_xml | wc -l)
prev_n='' prev_t='' slope=2
for n in $SIZES; do
	what="firewalld side by side, $n-address ipset, the $nports inbound ports"
	if [[ -z $prev_t ]] && ((n > 100000)); then
		row "$what" "skipped: no smaller size measured first to predict its time from" "" "" "-"
		continue
	elif [[ -n $prev_t ]]; then
		predicted=$(awk -v t="$prev_t" -v a="$prev_n" -v b="$n" -v k="$slope" 'BEGIN { printf "%.0f", t * (b / a) ^ k }')
		if ((predicted > LIMIT)); then
			row "$what" "skipped: $prev_n took $prev_t s to reload, growing as N^$slope: ~$predicted s here (over BENCH_FIREWALLD_LIMIT=$LIMIT)" "" "" "-"
			continue
		fi
	fi
	reps=$REPEAT
	((n < 100000)) || reps=1
	config "$n"

	# edgefw: the first apply and the whole table again, best of reps.
	first='' again=''
	for _ in $(seq "$reps"); do
		fresh_ns
		e=$(apply)
		[[ -n $first ]] && ! less "${e%% *}" "${first%% *}" || first=$e
		e=$(apply)
		[[ -n $again ]] && ! less "${e%% *}" "${again%% *}" || again=$e
	done
	ip netns del "$ns"
	erss=$(( (${first##* } > ${again##* } ? ${first##* } : ${again##* }) / 1024 ))

	# firewalld: started once, reloaded reps times (best of). Its sets go
	# in as commits of 1000 elements: other listeners cost it too.
	listeners=$(bench/listeners.sh)
	start_firewalld "$n"
	best=- best_filled=- best_cpu=
	if [[ $start != - ]]; then
		zp=$(zone_ports)
		((zp > 0)) || row "$what: zone check" "firewalld's zone accepts no port" "" "" "-"
		for _ in $(seq "$reps"); do
			reload_firewalld "$n"
			[[ $reload != - ]] || break
			if [[ $best == - ]] || less "$reload" "$best"; then
				best=$reload best_filled=$filled best_cpu=$cpu
			fi
		done
	fi
	listeners="$listeners, then $(bench/listeners.sh)"
	frss=$(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$fw_pid/status" 2>/dev/null || echo -)
	stop_firewalld
	ip netns del "$ns"

	if [[ $start == - ]]; then
		row "$what" "${first%% *} s (apply)" "firewalld was not RUNNING within ${CAP} s (its log ends: $(tail -1 "$tmp/firewalld.log" 2>/dev/null))" "" "-"
		break
	fi
	row "$what: first load" "${first%% *} s (apply)" "$start s (start until the set is in the kernel)" "$(ratio "${first%% *}" "$start")" "-"
	if [[ $best == - ]]; then
		row "$what: reload" "${again%% *} s (apply --replace)" "reload failed or took over ${CAP} s" "" "-"
		break
	fi
	[[ $best_filled != [0-9]* ]] || best_filled="$best_filled s from the call"
	gives_up=
	less "$best" 25 || gives_up="; firewall-cmd --reload gives up at 25 s"
	row "$what: reload" "${again%% *} s (apply --replace)" "$best s (reload: $best_cpu; set in the kernel: $best_filled$gives_up; event listeners on the host: $listeners)" "$(ratio "${again%% *}" "$best")" "-"
	row "$what: peak RSS" "$erss MiB" "$frss MiB (firewalld's VmHWM)" "$(ratio "$erss" "$frss")" "-"

	if [[ -n $prev_t ]]; then
		slope=$(awk -v t="$prev_t" -v u="$best" -v a="$prev_n" -v b="$n" 'BEGIN {
			k = log(u / t) / log(b / a); printf "%.1f", k < 1 ? 1 : k }')
	fi
	prev_n=$n prev_t=$best
done
