#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_explain.sh BUILD_DIR: `edgefwctl explain` agrees with real packets.
# For every shipped policy with its example site (host mode), and for the
# single-Edge NAT gateway, a topology the site needs is built, the policy
# applied, and at least 50 flows are both explained and probed: each row's
# own flow and its dropped variants (a port off, the other protocol, the
# other zone, a peer in no group, another of the machine's addresses),
# inbound and outbound, IPv4 and IPv6. The verdicts must be the same.
# For edge-single-public, edgefwd answers the same flows too.
#
#   host mode:    p_eth0 (zone of eth0) --- eth0 edge eth1 --- p_eth1
#                 the role addresses on the edge's lo; peers' addresses on
#                 their eth0; routes to /32 and /128 on the links (IPv6 by
#                 link-local next hops fe80::1 and fe80::2).
#   gateway mode: the same with the edge as gateway, and a leg eth2 to the
#                 namespace dmz holding the Edge's (private) addresses.
#
# Peers: a group's first address is put where its rows are (addresses of
# 192.0.2.0/24 and 2001:db8:2xx:: on the internal side, others outside);
# "nobody" (198.51.100.254, 2001:db8:eeee::1 outside; 192.0.2.254,
# 2001:db8:200::ee inside) is in no group; the management source
# 203.0.113.5, 2001:db8:ffff::5 is outside.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
PROBE_TIMEOUT_MS=250
MIN_FLOWS=50
MAX_FLOWS=64

declare -A ROLE4 ROLE6 GROUP4 GROUP6 PUB4 ZONE_IF IF_NS NOBODY4 NOBODY6
declare -a ROLES ZONES

# site_values SITE NAME: the values of `NAME = ...`, comma-separated.
site_values() {
	sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | sed 's/#.*//' | tr -d ' '
}

# first_of FAMILY LIST: the first address of that family in LIST (a
# network stands for an address inside it).
first_of() {
	local fam=$1 v a
	IFS=, read -ra v <<<"$2"
	for a in "${v[@]}"; do
		a=${a%%public*}
		if [[ $fam == 6 && $a == *:* ]] || [[ $fam == 4 && $a != *:* ]]; then
			case $a in
			*::/*) echo "${a%/*}5" ;;
			*:*/*) echo "${a%/*}" ;;
			*/*) a=${a%/*}; echo "${a%.*}.$((${a##*.} + 5))" ;;
			*) echo "$a" ;;
			esac
			return 0
		fi
	done
}

# read_scenario POLICY SITE: roles, groups and zones into the maps above.
read_scenario() {
	local pol=$1 site=$2 name vals z
	ROLES=() ZONES=()
	ROLE4=() ROLE6=() GROUP4=() GROUP6=() PUB4=() ZONE_IF=() IF_NS=()
	for name in $(awk '$1 == "address" { print $2 }' "$pol"); do
		vals=$(site_values "$site" "$name")
		[[ -n $vals && $vals != none ]] || continue
		ROLES+=("$name")
		ROLE4[$name]=$(first_of 4 "$vals")
		ROLE6[$name]=$(first_of 6 "$vals")
		[[ $vals != *public* ]] ||
			PUB4[$name]=$(sed -n 's/.*public\([0-9.]*\).*/\1/p' <<<"$vals")
	done
	for name in $(awk '$1 == "group" { print $2 }' "$pol"); do
		vals=$(site_values "$site" "$name")
		[[ -n $vals && $vals != none && $vals != any ]] || continue
		GROUP4[$name]=$(first_of 4 "$vals")
		GROUP6[$name]=$(first_of 6 "$vals")
	done
	while read -r z vals; do
		ZONES+=("$z")
		ZONE_IF[$z]=$vals
		IF_NS[$vals]=p_$vals
	done < <(sed -n 's/^zone[[:space:]]*\([a-z_]*\)[[:space:]]*=[[:space:]]*\([a-z0-9]*\).*/\1 \2/p' "$site")
}

# inside ADDR: is it a peer of the internal side?
inside() {
	[[ $1 == 192.0.2.* || $1 == 2001:db8:2[0-9][0-9]:* ]]
}

# peer_ns ADDR: the namespace a peer address lives in.
peer_ns() {
	local ifs=("${!IF_NS[@]}")
	if ((${#ifs[@]} == 1)); then
		echo "${IF_NS[${ifs[0]}]}"
	elif inside "$1"; then
		echo "${IF_NS[eth1]}"
	else
		echo "${IF_NS[eth0]}"
	fi
}

# topology MODE: the edge (or gateway) and a peer namespace per zone
# interface, every address the flows use, routes both ways.
topology() {
	local mode=$1 ifname ns r a g link_ns
	ns_add edge
	in_ns edge sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	for ifname in "${!IF_NS[@]}"; do
		ns=${IF_NS[$ifname]}
		ns_add "$ns"
		veth_add edge "$ifname" "$ns" eth0
		ip -n "$(ns_name edge)" addr add fe80::1/64 dev "$ifname" nodad
		ip -n "$(ns_name "$ns")" addr add fe80::2/64 dev eth0 nodad
		if inside 192.0.2.254 && [[ $ns == "$(peer_ns 192.0.2.254)" ]]; then
			NOBODY4[$ns]=192.0.2.254 NOBODY6[$ns]=2001:db8:200::ee
		else
			NOBODY4[$ns]=198.51.100.254 NOBODY6[$ns]=2001:db8:eeee::1
		fi
		# The gateway's own address on the link: the peers' next hop.
		[[ $mode == host ]] ||
			addr_add edge "$ifname" "203.0.113.$((10 + ${ifname#eth}))/32"
	done
	for ns in $(printf '%s\n' "${IF_NS[@]}" | sort -u); do
		add_peer "$ns" "${NOBODY4[$ns]}" "${NOBODY6[$ns]}"
	done
	add_peer "$(peer_ns 198.51.100.254)" 203.0.113.5 2001:db8:ffff::5
	for g in "${!GROUP4[@]}"; do
		for a in ${GROUP4[$g]} ${GROUP6[$g]}; do
			add_peer "$(peer_ns "$a")" "$a"
		done
	done
	if [[ $mode == host ]]; then
		for r in "${ROLES[@]}"; do
			for a in ${ROLE4[$r]} ${ROLE6[$r]}; do
				in_ns edge ip addr replace "$a" dev lo
				for ns in $(printf '%s\n' "${IF_NS[@]}" | sort -u); do
					peer_route "$ns" "$a" eth0
				done
			done
		done
		return 0
	fi
	in_ns edge sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null
	ns_add dmz
	veth_add edge eth2 dmz eth0
	ip -n "$(ns_name edge)" addr add fe80::1/64 dev eth2 nodad
	ip -n "$(ns_name dmz)" addr add fe80::2/64 dev eth0 nodad
	addr_add edge eth2 203.0.113.12/32
	in_ns dmz ip route add default via 203.0.113.12 dev eth0 onlink
	in_ns dmz ip -6 route add default via fe80::1 dev eth0
	for r in "${ROLES[@]}"; do
		for a in ${ROLE4[$r]} ${ROLE6[$r]}; do
			in_ns dmz ip addr replace "$a" dev eth0 nodad 2>/dev/null ||
				in_ns dmz ip addr replace "$a" dev eth0
			in_ns edge ip route replace "$a" dev eth2
			[[ $a == *:* ]] && in_ns edge ip -6 route replace "$a" via fe80::2 dev eth2
			for ifname in "${!IF_NS[@]}"; do
				link_ns=${IF_NS[$ifname]}
				if [[ $a == *:* ]]; then
					in_ns "$link_ns" ip -6 route replace "$a" via fe80::1 dev eth0
				else
					in_ns "$link_ns" ip route replace "$a" via "203.0.113.$((10 + ${ifname#eth}))" dev eth0 onlink
				fi
			done
		done
		a=${PUB4[$r]:-}
		[[ -z $a ]] && continue
		for ifname in "${!IF_NS[@]}"; do
			in_ns "${IF_NS[$ifname]}" ip route replace "$a" via "203.0.113.$((10 + ${ifname#eth}))" dev eth0 onlink
		done
	done
}

# add_peer NS ADDR...: addresses of a peer on its link, routed back.
add_peer() {
	local ns=$1 a ifname
	shift
	for a in "$@"; do
		[[ -n $a ]] || continue
		in_ns "$ns" ip addr replace "$a" dev eth0 nodad 2>/dev/null ||
			in_ns "$ns" ip addr replace "$a" dev eth0
		for ifname in "${!IF_NS[@]}"; do
			[[ ${IF_NS[$ifname]} == "$ns" ]] || continue
			if [[ $a == *:* ]]; then
				in_ns edge ip -6 route replace "$a" via fe80::2 dev "$ifname"
			else
				in_ns edge ip route replace "$a" dev "$ifname"
			fi
		done
	done
}

# peer_route NS ADDR IF: NS reaches ADDR (the edge's) on its link.
peer_route() {
	if [[ $2 == *:* ]]; then
		in_ns "$1" ip -6 route replace "$2" via fe80::1 dev "$3"
	else
		in_ns "$1" ip route replace "$2" dev "$3"
	fi
}

# other_role ROLE FAMILY: another role's address of that family.
other_role() {
	local r a mine
	if [[ $2 == 4 ]]; then mine=${ROLE4[$1]}; else mine=${ROLE6[$1]}; fi
	for r in "${ROLES[@]}"; do
		if [[ $2 == 4 ]]; then a=${ROLE4[$r]}; else a=${ROLE6[$r]}; fi
		[[ -n $a && $a != "$mine" ]] && { echo "$a"; return 0; }
	done
	return 0
}

# flows POLICY MODE: "WAY NS PROTO DST PORT SRC IFACE" lines: WAY in
# (probed from NS, IFACE the edge's ingress) or out (probed from the
# Edge's namespace, IFACE the egress).
flows() {
	local pol=$1 mode=$2 zone proto lo from to p other fam dst src ns ifname
	local edge_ns=edge alt nobody r
	[[ $mode == host ]] || edge_ns=dmz
	while read -r zone proto lo from to; do
		ifname=${ZONE_IF[$zone]:-}
		[[ -n $ifname ]] || continue
		ns=${IF_NS[$ifname]}
		p=${proto%%,*}
		if [[ $p == tcp ]]; then other=udp; else other=tcp; fi
		for fam in 4 6; do
			if [[ -n ${ROLE4[$to]+x} ]]; then
				if [[ $fam == 4 ]]; then dst=${ROLE4[$to]}; else dst=${ROLE6[$to]}; fi
				[[ $fam == 6 || -z ${PUB4[$to]:-} ]] || dst=${PUB4[$to]}
				[[ -n $dst ]] || continue
				if [[ $from == any ]]; then
					if [[ $fam == 4 ]]; then src=${NOBODY4[$ns]}; else src=${NOBODY6[$ns]}; fi
				elif [[ $fam == 4 ]]; then src=${GROUP4[$from]:-}
				else src=${GROUP6[$from]:-}
				fi
				[[ -n $src ]] || continue
				echo "in $ns $p $dst $lo $src $ifname"
				echo "in $ns $p $dst $((lo > 1 ? lo - 1 : lo + 1)) $src $ifname"
				echo "in $ns $other $dst $lo $src $ifname"
				nobody=${NOBODY4[$ns]}
				[[ $fam == 4 ]] || nobody=${NOBODY6[$ns]}
				[[ $src == "$nobody" ]] ||
					echo "in $ns $p $dst $lo $nobody $ifname"
				for alt in "${!IF_NS[@]}"; do
					nobody=${NOBODY4[${IF_NS[$alt]}]}
					[[ $fam == 4 ]] || nobody=${NOBODY6[${IF_NS[$alt]}]}
					[[ $alt == "$ifname" ]] ||
						echo "in ${IF_NS[$alt]} $p $dst $lo $nobody $alt"
				done
				alt=$(other_role "$to" "$fam")
				[[ -z $alt || ( $fam == 4 && -n ${PUB4[$to]:-} ) ]] ||
					echo "in $ns $p $alt $lo $src $ifname"
			elif [[ -n ${ROLE4[$from]+x} ]]; then
				if [[ $fam == 4 ]]; then src=${ROLE4[$from]}; else src=${ROLE6[$from]}; fi
				[[ -n $src ]] || continue
				if [[ $to == any ]]; then
					if [[ $fam == 4 ]]; then dst=${NOBODY4[$ns]}; else dst=${NOBODY6[$ns]}; fi
				elif [[ $fam == 4 ]]; then dst=${GROUP4[$to]:-}
				else dst=${GROUP6[$to]:-}
				fi
				[[ -n $dst ]] || continue
				echo "out $edge_ns $p $dst $lo $src $ifname"
				echo "out $edge_ns $p $dst $((lo + 1)) $src $ifname"
				alt=$(other_role "$from" "$fam")
				[[ -z $alt ]] || echo "out $edge_ns $p $dst $lo $alt $ifname"
			fi
		done
	done < <(awk '
		$1 == "zone" && $3 == "{" { zone = $2; next }
		$1 == "}" { zone = ""; next }
		zone != "" && ($1 ~ /^(tcp|udp)/) {
			split($2, pr, "-"); print zone, $1, pr[1], $3, $4
		}' "$pol")
	# A sweep of common ports to every address of the machine, from
	# nobody on each side: what small policies need to reach 50 flows.
	for ifname in "${!IF_NS[@]}"; do
		ns=${IF_NS[$ifname]}
		for r in "${ROLES[@]}"; do
			dst=${PUB4[$r]:-${ROLE4[$r]}}
			for p in tcp udp; do
				for lo in 80 443 3478 5061 5269; do
					[[ -z $dst ]] || echo "in $ns $p $dst $lo ${NOBODY4[$ns]} $ifname"
					[[ -z ${ROLE6[$r]} ]] || echo "in $ns $p ${ROLE6[$r]} $lo ${NOBODY6[$ns]} $ifname"
				done
			done
		done
	done
	ns=${IF_NS[${ZONE_IF[${ZONES[0]}]}]}
	for fam in 4 6; do
		src=203.0.113.5 other=${NOBODY4[$ns]}
		[[ $fam == 4 ]] || src=2001:db8:ffff::5 other=${NOBODY6[$ns]}
		for dst in $(for r in "${ROLES[@]}"; do
			if [[ $fam == 4 ]]; then echo "${PUB4[$r]:-${ROLE4[$r]}}"; else echo "${ROLE6[$r]}"; fi
		done | sort -u | head -1); do
			echo "in $ns tcp $dst 22 $src ${ZONE_IF[${ZONES[0]}]}"
			echo "in $ns tcp $dst 22 $other ${ZONE_IF[${ZONES[0]}]}"
		done
	done
	return 0
}

# pick FILE: at most MAX_FLOWS of its lines, spread over all of them.
pick() {
	awk -v m="$MAX_FLOWS" -v n="$(wc -l <"$1")" \
		'n <= m || int(NR * m / n) != int((NR - 1) * m / n)' "$1"
}

# explained ARGS...: accept or drop, as edgefwctl explain --json says.
explained() {
	{ "$CTL" explain "$@" --json 2>/dev/null || true; } |
		grep -o '"verdict":"[a-z]*"' | head -1 | cut -d'"' -f4
}

# compare NAME FLOWS EXPLAIN_ARGS...: probes every flow (several at a
# time: a drop costs a timeout) and explains it with EXPLAIN_ARGS.
compare() {
	local name=$1 file=$2 way ns proto dst port src ifname i=0 rc got want
	local agree=0 disagree=0 passed=0 dropped=0 bad=""
	local -a pids=()
	shift 2
	mkdir -p "$EFW_TMP/rc"
	rm -f "$EFW_TMP"/rc/*
	while read -r way ns proto dst port src ifname; do
		{ rc=0; probe "$ns" "$proto" "$dst" "$port" --source "$src" ||
			rc=$?; echo "$rc" >"$EFW_TMP/rc/$i"; } &
		pids+=($!)
		i=$((i + 1))
		# Not a bare wait: the listeners are jobs of this shell too.
		((i % 16)) || { wait "${pids[@]}"; pids=(); }
	done <"$file"
	((${#pids[@]} == 0)) || wait "${pids[@]}"
	i=0
	while read -r way ns proto dst port src ifname; do
		rc=$(cat "$EFW_TMP/rc/$i")
		case $rc in 0) got=accept ;; 1) got=drop ;; *) got=error ;; esac
		if [[ $way == in ]]; then
			want=$(explained "$@" --from "$src" --to "$dst" "$proto" "$port" --in "$ifname")
		else
			want=$(explained "$@" --from "$src" --to "$dst" "$proto" "$port" --out "$ifname")
		fi
		if [[ $got == "$want" ]]; then
			agree=$((agree + 1))
		else
			disagree=$((disagree + 1))
			bad+=" [$way $proto $src -> $dst $port via $ifname: probe $got, explain ${want:-nothing}]"
		fi
		[[ $got == accept ]] && passed=$((passed + 1))
		[[ $got == drop ]] && dropped=$((dropped + 1))
		i=$((i + 1))
	done <"$file"
	echo "# $name: $i flows, $passed passed, $dropped dropped, $disagree disagree$bad"
	check "$name: explain agrees with the probe on all $i flows (at least $MIN_FLOWS, some of each verdict)" \
		test "$disagree" = 0 -a "$i" -ge "$MIN_FLOWS" -a "$passed" -gt 0 -a "$dropped" -gt 0
}

# listen_all FILE: listeners on every port the flows probe, where they go.
listen_all() {
	local ns tcp udp
	tcp=$(awk '$1 == "in" && $3 == "tcp" { print $5 }' "$1" | sort -un | paste -sd,)
	udp=$(awk '$1 == "in" && $3 == "udp" { print $5 }' "$1" | sort -un | paste -sd,)
	start_listener "$2" ${tcp:+--tcp "$tcp"} ${udp:+--udp "$udp"}
	for ns in $(printf '%s\n' "${IF_NS[@]}" | sort -u); do
		tcp=$(awk '$1 == "out" && $3 == "tcp" { print $5 }' "$1" | sort -un | paste -sd,)
		udp=$(awk '$1 == "out" && $3 == "udp" { print $5 }' "$1" | sort -un | paste -sd,)
		[[ -z $tcp && -z $udp ]] ||
			start_listener "$ns" ${tcp:+--tcp "$tcp"} ${udp:+--udp "$udp"}
	done
}

# scenario POLICY SITE MODE [daemon]
scenario() {
	local pol=$1 site=$2 mode=$3 name all picked edge_ns=edge
	name=$(basename "$site" .site)
	[[ $mode == host ]] || edge_ns=dmz
	read_scenario "$pol" "$site"
	topology "$mode"
	all=$EFW_TMP/$name.all
	picked=$EFW_TMP/$name.flows
	flows "$pol" "$mode" | awk '!seen[$0]++' >"$all"
	pick "$all" >"$picked"
	check "$name: apply" in_ns edge "$CTL" apply "$pol" --site "$site"
	listen_all "$picked" "$edge_ns"
	compare "$name" "$picked" "$pol" --site "$site"
	if [[ ${4:-} == daemon ]]; then
		start_daemon "$site"
		compare "$name (edgefwd)" "$picked" --socket "$EFW_TMP/read.sock"
		exception_explained
	fi
	topo_down
}

# start_daemon SITE: edgefwd in the edge namespace, on a copy of SITE; its
# read-only socket is read.sock.
start_daemon() {
	cp "$1" "$EFW_TMP/site"
	chmod 0644 "$EFW_TMP/site"
	mkdir -p "$EFW_TMP/state"
	chown nobody "$EFW_TMP/state"
	check "edgefwd starts" start_edgefwd edge "$EFW_TMP/ctl.sock" \
		"$EFW_TMP/edgefwd.log" --site "$EFW_TMP/site" \
		--policy-dir "$POLICIES" --state-dir "$EFW_TMP/state" \
		--read-socket "$EFW_TMP/read.sock" --user nobody --group nogroup
}

# A timed exception admits what no row does, and explain says so: it is
# in the live table only.
exception_explained() {
	local sock=(--socket "$EFW_TMP/ctl.sock") flow
	flow=(--from 198.51.100.254 --to 198.51.100.10 tcp 8443 --in eth0)
	start_listener edge --tcp 8443
	check "before the exception: tcp 8443 is dropped, and explained so" \
		test "$(explained "${sock[@]}" "${flow[@]}")" = drop
	check "an exception opens tcp 8443" in_ns edge "$CTL" "${sock[@]}" \
		allow tcp 8443 --for 1m "explain test" >/dev/null
	check "edgefwd explains it as admitted by the exception" bash -c \
		"'$CTL' --socket '$EFW_TMP/read.sock' explain ${flow[*]} --json |
		 grep -q '\"by\":\"exception\"'"
	expect_pass p_eth0 tcp 198.51.100.10 8443 --source 198.51.100.254
}

for site in policies/examples/*.site; do
	case $site in *-gateway.site) continue ;; esac
	pol=policies/$(sed -n 's/^policy[[:space:]]*=[[:space:]]*//p' "$site").policy
	if [[ $site == */edge-single-public.site ]]; then
		scenario "$pol" "$site" host daemon
	else
		scenario "$pol" "$site" host
	fi
done
scenario policies/edge-single-nat.policy \
	policies/examples/edge-single-nat-gateway.site gateway

finish
