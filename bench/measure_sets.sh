#!/bin/bash
# bench/measure_sets.sh: what it costs the kernel (and nft / edgefwctl) to
# load N elements into the set shapes edgefw uses, and into the shapes it
# could use for large peer groups. See bench/FINDINGS.md for the results.
#
#   bench/measure_sets.sh [-n "1000 5000 10000 20000 50000"] [-l 60] [-t 180]
#                         [-c] [-e EDGEFWCTL] [-p POLICY] [-s SITE]
#                         [-k "a b i c d e f g h"] [-P SHAPES] [-N N]
#                         [sets|edgefw|split|packet|all]
#
#   sets    nft -f of one set shape at a time (the -k shapes, below)
#   edgefw  edgefwctl compile/apply against nft -f of the compiled text,
#           with group front_end bound to N/4 addresses (4 rows use it, so
#           in4_peer gets N elements)
#   split   the edgefw ruleset rewritten by hand for a large group: group
#           front_end = N addresses (-n) as its own set g_front_end4
#           (interval, and again as a hash set), the 4 front_end rows in a
#           small set in4_front_end keyed without the peer, one rule
#           `ip saddr @g_front_end4 iifname . ip daddr . meta l4proto .
#           th dport @in4_front_end accept`; nft -f first and again
#   packet  per-packet cost: a veth pair between two namespaces, the
#           receiver loads one shape (elements udp, the lookup rule ends in
#           `counter drop`), udpblast (bench/udpblast.c, built with cc into
#           the work directory) sends 10.0.0.1 -> 192.0.2.1:5061 (a member of
#           every set) and reports CPU ns per datagram looked up; shape 0 is the
#           baseline (chain with `udp dport 5061 counter drop` only).
#           Uses -P "shapes" (default "0 a b i c d e f g h") and -N N
#           (default 50000). looked_up = share of the datagrams sent that
#           reached the rule (the rest overflowed the veth backlog).
#   all     sets, edgefw and split (the default; packet only when asked)
#
#   -n  element counts (for the shapes a..e: N set elements; for f..h: N
#       group addresses)
#   -l  stop growing N for a shape once one run took longer than this (s)
#   -t  timeout around every kernel-heavy command (s). A timeout cannot
#       interrupt a netlink batch that the kernel is already committing, so
#       the script also skips an N whose run it predicts (quadratically, from
#       the previous N) to exceed the timeout.
#   -c  give every set the `counter` flag, as edgefw does
#
# Shapes (-k):
#   a  ifname . ipv4_addr . ipv4_addr . inet_proto . inet_service, interval
#      (edgefw's in4_peer; pipapo)
#   b  ifname . ipv4_addr . inet_proto . inet_service, interval (in4; pipapo)
#   i  as a, with the peer address moved to the front:
#      ipv4_addr . ifname . ipv4_addr . inet_proto . inet_service (pipapo)
#   c  ipv4_addr, interval (rbtree)
#   d  ipv4_addr (hash)
#   e  ipv4_addr . inet_service (hash)
#   f  split: group set g4 { ipv4_addr; interval } with N addresses + rows
#      set of 4 elements keyed without the peer + one rule
#      `ip saddr @g4 iifname . ip daddr . meta l4proto . th dport @rows4 accept`
#   g  as f, but g4 is a hash set (no interval: single addresses only)
#   h  class vmap: map src4 { ipv4_addr : verdict; interval } with N
#      elements `ADDR : jump cls1`, chain cls1 holding the rows lookup
#
# Everything runs in throwaway network namespaces efw-bench-PID-*, deleted
# on exit; the root namespace's ruleset is never touched. Needs root,
# iproute2, nftables, GNU time (/usr/bin/time).
#
# Columns: real/user/sys seconds and peak RSS (KiB) of the loading command
# (for nft and edgefwctl, kernel time of the batch shows as sys); del = time
# of `nft delete table` afterwards (old table teardown, part of a replace).

set -u
LC_ALL=C
export LC_ALL

here=$(cd "$(dirname "$0")" && pwd)
NS_LIST="1000 5000 10000 20000 50000"
LIMIT=60
TMO=180
COUNTER=0
EDGEFWCTL=$here/../build/edgefwctl
POLICY=$here/../policies/edge-single-public.policy
SITE=$here/../policies/examples/edge-single-public.site
SHAPES="a b i c d e f g h"

PKT_SHAPES="0 a b i c d e f g h"
PKT_N=50000
while getopts n:l:t:ce:p:s:k:P:N:h opt; do
	case $opt in
	n) NS_LIST=$OPTARG ;;
	l) LIMIT=$OPTARG ;;
	t) TMO=$OPTARG ;;
	c) COUNTER=1 ;;
	e) EDGEFWCTL=$OPTARG ;;
	p) POLICY=$OPTARG ;;
	s) SITE=$OPTARG ;;
	k) SHAPES=$OPTARG ;;
	P) PKT_SHAPES=$OPTARG ;;
	N) PKT_N=$OPTARG ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
WHAT=${1:-all}

[ "$(id -u)" = 0 ] || { echo "measure_sets.sh: needs root (network namespaces)" >&2; exit 2; }
for c in ip nft timeout /usr/bin/time awk; do
	command -v "$c" >/dev/null || { echo "measure_sets.sh: $c not found" >&2; exit 2; }
done

PFX=efw-bench-$$
WORK=$(mktemp -d /tmp/efw-bench.XXXXXX)
chmod 755 "$WORK"
NSES=()
cleanup() {
	local ns
	for ns in "${NSES[@]}"; do
		ip netns exec "$ns" nft delete table inet efwbench 2>/dev/null
		ip netns exec "$ns" nft delete table inet edgefw 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns_new() {	# ns_new SUFFIX: creates namespace $PFX-SUFFIX, sets NS to its name
	NS=$PFX-$1
	NSES+=("$NS")
	ip netns add "$NS" || exit 1
}

# gen SHAPE N COUNTER [PROTO [VERDICT]]: nft text for one shape (awk: fast
# and everywhere). PROTO of the elements (tcp), VERDICT of the rows lookup
# rule of the shapes f..h (accept).
gen() {
	awk -v shape="$1" -v N="$2" -v ctr="$3" -v proto="${4:-tcp}" -v verdict="${5:-accept}" '
	function ip(i,   a) { a = 2 * i + 1	# odd: no two addresses adjacent
		return "10." int(a / 65536) % 256 "." int(a / 256) % 256 "." a % 256 }
	BEGIN {
		split("4443 5061 5062 8057", P, " ")
		C = ctr ? " counter;" : ""
		v4rows = "type ifname . ipv4_addr . inet_proto . inet_service; flags interval;" C
		rows = ""
		for (j = 1; j <= 4; j++)
			rows = rows (j > 1 ? ", " : "") "\"eth1\" . 192.0.2.1 . " proto " . " P[j]
		print "table inet efwbench {"
		if (shape == "a") print "  set s { type ifname . ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval;" C " }"
		if (shape == "b") print "  set s { " v4rows " }"
		if (shape == "i") print "  set s { type ipv4_addr . ifname . ipv4_addr . inet_proto . inet_service; flags interval;" C " }"
		if (shape == "c") print "  set s { type ipv4_addr; flags interval;" C " }"
		if (shape == "d") print "  set s { type ipv4_addr;" C " }"
		if (shape == "e") print "  set s { type ipv4_addr . inet_service;" C " }"
		if (shape == "f" || shape == "g") {
			print "  set s { type ipv4_addr;" (shape == "f" ? " flags interval;" : "") C " }"
			print "  set rows4 { " v4rows " elements = { " rows " } }"
			print "  chain input { type filter hook input priority filter; policy accept;"
			print "    ip saddr @s iifname . ip daddr . meta l4proto . th dport @rows4 " verdict "\n  }"
		}
		if (shape == "h") {
			print "  set rows4 { " v4rows " elements = { " rows " } }"
			print "  map s { type ipv4_addr : verdict; flags interval;" C " }"
			print "  chain cls1 { iifname . ip daddr . meta l4proto . th dport @rows4 " verdict "\n  }"
			print "  chain input { type filter hook input priority filter; policy accept;"
			print "    ip saddr vmap @s\n  }"
		}
		print "}"
		printf "add element inet efwbench s {"
		for (i = 0; i < N; i++) {
			if (shape ~ /^[abei]$/) { a = int(i / 4); p = P[i % 4 + 1] } else a = i
			if (shape == "a") e = "\"eth1\" . " ip(a) " . 192.0.2.1 . " proto " . " p
			else if (shape == "i") e = ip(a) " . \"eth1\" . 192.0.2.1 . " proto " . " p
			else if (shape == "b") e = "\"eth1\" . " ip(a) " . " proto " . " p
			else if (shape == "e") e = ip(a) " . " p
			else if (shape == "h") e = ip(a) " : jump cls1"
			else e = ip(a)
			printf "%s%s", (i ? ",\n" : "\n"), e
		}
		print " }"
	}'
}

# timed OUTFILE CMD...: runs CMD under timeout and GNU time; prints
# "real user sys maxrss_kib" (or "TIMEOUT"/"FAIL rc") to stdout
timed() {
	local out=$1 rc t
	shift
	t=$WORK/time.$$
	/usr/bin/time -f '%e %U %S %M' -o "$t" timeout "$TMO" "$@" >"$out" 2>&1
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then echo "TIMEOUT"; return 1; fi
	if [ "$rc" != 0 ]; then echo "FAIL($rc)"; sed 's/^/    /' "$out" | head -5 >&2; return 1; fi
	tail -n 1 "$t"
}

# too_slow PREV_N PREV_REAL N: true if we must not run N
too_slow() {
	awk -v pn="$1" -v pr="$2" -v n="$3" -v lim="$LIMIT" -v tmo="$TMO" \
		'BEGIN { exit !(pr > lim || pr * (n / pn) * (n / pn) > tmo) }'
}

shape_name() {
	case $1 in
	a) echo "a: if.v4.v4.proto.port interval (pipapo)" ;;
	b) echo "b: if.v4.proto.port interval (pipapo)" ;;
	c) echo "c: v4 interval (rbtree)" ;;
	d) echo "d: v4 hash" ;;
	e) echo "e: v4.port hash" ;;
	f) echo "f: split, v4 interval group + 4 rows" ;;
	g) echo "g: split, v4 hash group + 4 rows" ;;
	h) echo "h: v4 interval vmap -> class chain" ;;
	i) echo "i: v4.if.v4.proto.port (peer first; pipapo)" ;;
	0) echo "0: no set lookup (baseline)" ;;
	esac
}

run_sets() {
	local ns shape n r prev_n prev_r del
	ns_new sets; ns=$NS
	echo "## nft -f of N elements in one transaction (kernel $(uname -r), nft $(nft --version | awk '{print $2}'), counter flag: $COUNTER)"
	echo
	printf '| %-44s | %7s | %8s | %7s | %8s | %9s | %7s |\n' shape N real_s user_s sys_s maxrss_KiB del_s
	printf '|%s|%s|%s|%s|%s|%s|%s|\n' ---------------------------------------------- --------- ---------- --------- ---------- ----------- ---------
	for shape in $SHAPES; do
		prev_n= prev_r=
		for n in $NS_LIST; do
			if [ -n "$prev_n" ] && too_slow "$prev_n" "$prev_r" "$n"; then
				printf '| %-44s | %7s | %8s | %7s | %8s | %9s | %7s |\n' "$(shape_name "$shape")" "$n" skipped - - - -
				break
			fi
			gen "$shape" "$n" "$COUNTER" >"$WORK/in.nft"
			r=$(timed "$WORK/out" ip netns exec "$ns" nft -f "$WORK/in.nft") || {
				printf '| %-44s | %7s | %8s | %7s | %8s | %9s | %7s |\n' "$(shape_name "$shape")" "$n" "$r" - - - -
				ip netns exec "$ns" nft delete table inet efwbench 2>/dev/null
				break
			}
			del=$(timed "$WORK/out" ip netns exec "$ns" nft delete table inet efwbench)
			set -- $r
			printf '| %-44s | %7s | %8s | %7s | %8s | %9s | %7s |\n' "$(shape_name "$shape")" "$n" "$1" "$2" "$3" "$4" "${del%% *}"
			prev_n=$n prev_r=$1
		done
	done
	echo
}

run_edgefw() {
	local ns n m r prev_n= prev_r= site dir
	ns_new edgefw; ns=$NS
	dir=$WORK/site
	mkdir -p "$dir"
	chmod 755 "$dir"
	site=$dir/bench.site
	# the example site, with front_end read from a file and director any peer
	sed -e 's|^front_end *=.*|front_end = file "big.txt"|' -e 's|^director *=.*|director = any|' \
		"$SITE" >"$site"
	chmod 644 "$site"
	echo "## edgefwctl vs nft -f, front_end = N/4 addresses -> N elements in in4_peer (policy $(basename "$POLICY"))"
	echo
	echo "first = into an empty namespace; again = the same input once more: nft -f replaces the table (delete + add, one batch); (*) edgefwctl from c396247 on compares with the live table first and sends nothing when they match; its --replace sends the whole table (delete + add, one batch)"
	echo
	printf '| %7s | %-26s | %8s | %7s | %8s | %9s |\n' N command real_s user_s sys_s maxrss_KiB
	printf '|%s|%s|%s|%s|%s|%s|\n' --------- ---------------------------- ---------- --------- ---------- -----------
	row() { set -- "$1" "$2" $3; printf '| %7s | %-26s | %8s | %7s | %8s | %9s |\n' "$1" "$2" "$3" "${4:--}" "${5:--}" "${6:--}"; }
	for n in $NS_LIST; do
		if [ -n "$prev_n" ] && too_slow "$prev_n" "$prev_r" "$n"; then
			row "$n" "(skipped: too slow)" -
			break
		fi
		m=$(( (n + 3) / 4 ))
		awk -v M="$m" 'BEGIN { for (i = 0; i < M; i++) { a = 2 * i + 1
			print "10." int(a / 65536) % 256 "." int(a / 256) % 256 "." a % 256 } }' >"$dir/big.txt"
		chmod 644 "$dir/big.txt"
		r=$(timed "$WORK/compiled.nft" "$EDGEFWCTL" compile "$POLICY" --site "$site") || { row "$n" "compile $r" -; break; }
		row "$n" "edgefwctl compile" "$r"
		{ printf 'table inet edgefw\ndelete table inet edgefw\n'; cat "$WORK/compiled.nft"; } >"$WORK/replace.nft"
		r=$(timed "$WORK/out" ip netns exec "$ns" "$EDGEFWCTL" apply "$POLICY" --site "$site") || { row "$n" "apply $r" -; break; }
		row "$n" "edgefwctl apply first" "$r"
		prev_n=$n prev_r=${r%% *}
		r=$(timed "$WORK/out" ip netns exec "$ns" "$EDGEFWCTL" apply "$POLICY" --site "$site") || { row "$n" "apply again $r" -; break; }
		row "$n" "edgefwctl apply again (*)" "$r"
		if "$EDGEFWCTL" --help 2>&1 | grep -q -- --replace; then
			r=$(timed "$WORK/out" ip netns exec "$ns" "$EDGEFWCTL" apply --replace "$POLICY" --site "$site") ||
				{ row "$n" "apply --replace $r" -; break; }
			row "$n" "edgefwctl apply --replace" "$r"
		fi
		r=$(timed "$WORK/out" ip netns exec "$ns" nft delete table inet edgefw)
		row "$n" "nft delete table" "$r"
		r=$(timed "$WORK/out" ip netns exec "$ns" nft -f "$WORK/replace.nft") || { row "$n" "nft -f $r" -; break; }
		row "$n" "nft -f first" "$r"
		r=$(timed "$WORK/out" ip netns exec "$ns" nft -f "$WORK/replace.nft") || { row "$n" "nft -f again $r" -; break; }
		row "$n" "nft -f again" "$r"
		timed "$WORK/out" ip netns exec "$ns" nft delete table inet edgefw >/dev/null
		echo "| | (elements: $(grep -c ' comment "' "$WORK/compiled.nft") in the compiled text) | | | | |"
	done
	echo
}

# split_text ADDRFILE HASH < compiled text (front_end = 10.0.0.1 only):
# moves the in4_peer elements of 10.0.0.1 into in4_front_end (peer dropped
# from the key), adds set g_front_end4 with the addresses of ADDRFILE and
# the rule that looks both up
split_text() {
	awk -v addrs="$1" -v hash="$2" '
	BEGIN { printf "table inet edgefw\ndelete table inet edgefw\n" }
	/^\tset in4_peer \{/ { inpeer = 1 }
	inpeer && /"eth[^"]*" \. 10\.0\.0\.1 \./ {
		line = $0
		sub(/^.*elements = \{ */, "", line); sub(/^[ \t]*/, "", line); sub(/ *[,}] *$/, "", line)
		n = split(line, f, " \\. ")	# "if" . peer . local . proto . port comment "rN"
		rows[++nrows] = f[1] " . " f[3] " . " f[4] " . " f[5]
		next
	}
	inpeer && /^\t}/ {
		inpeer = 0
		print
		print "\tset in4_front_end {\n\t\ttype ifname . ipv4_addr . inet_proto . inet_service\n\t\tflags interval\n\t\tcounter"
		printf "\t\telements = { "
		for (i = 1; i <= nrows; i++) printf "%s%s", (i > 1 ? ",\n\t\t\t     " : ""), rows[i]
		print " }\n\t}\n"
		print "\tset g_front_end4 {\n\t\ttype ipv4_addr" (hash ? "" : "\n\t\tflags interval") "\n\t}"
		next
	}
	/@in4_peer accept/ { print; print "\t\tip saddr @g_front_end4 iifname . ip daddr . meta l4proto . th dport @in4_front_end accept"; next }
	{ print }
	END {
		printf "add element inet edgefw g_front_end4 {"
		i = 0
		while ((getline a < addrs) > 0) printf "%s%s", (i++ ? ",\n" : "\n"), a
		print " }"
	}'
}

run_split() {
	local ns n r site dir kind hash prev_n= prev_r=
	ns_new split; ns=$NS
	dir=$WORK/split
	mkdir -p "$dir"
	chmod 755 "$dir"
	site=$dir/one.site
	sed -e 's|^front_end *=.*|front_end = 10.0.0.1|' -e 's|^director *=.*|director = any|' "$SITE" >"$site"
	chmod 644 "$site"
	"$EDGEFWCTL" compile "$POLICY" --site "$site" >"$dir/one.nft" || exit 1
	echo "## split compilation of the edgefw ruleset, front_end = N addresses in its own set (nft -f, one batch)"
	echo
	printf '| %7s | %-30s | %8s | %7s | %8s | %9s |\n' N command real_s user_s sys_s maxrss_KiB
	printf '|%s|%s|%s|%s|%s|%s|\n' --------- -------------------------------- ---------- --------- ---------- -----------
	for n in $NS_LIST; do
		awk -v M="$n" 'BEGIN { for (i = 0; i < M; i++) { a = 2 * i + 1
			print "10." int(a / 65536) % 256 "." int(a / 256) % 256 "." a % 256 } }' >"$dir/addrs.txt"
		for hash in 0 1; do
			kind=interval; [ "$hash" = 1 ] && kind=hash
			split_text "$dir/addrs.txt" "$hash" <"$dir/one.nft" >"$dir/split.nft"
			for pass in first again; do
				r=$(timed "$WORK/out" ip netns exec "$ns" nft -f "$dir/split.nft") || { echo "| $n | $kind $pass: $r | | | | |"; break; }
				set -- $r
				printf '| %7s | %-30s | %8s | %7s | %8s | %9s |\n' "$n" "nft -f $kind group, $pass" "$1" "$2" "$3" "$4"
			done
			ip netns exec "$ns" nft delete table inet edgefw
		done
	done
	echo
}

# lookup rule of the shapes without a chain, for the packet part
lookup_rule() {
	case $1 in
	0) echo "udp dport 5061 counter drop" ;;
	a) echo "iifname . ip saddr . ip daddr . meta l4proto . th dport @s counter drop" ;;
	b) echo "iifname . ip saddr . meta l4proto . th dport @s counter drop" ;;
	i) echo "ip saddr . iifname . ip daddr . meta l4proto . th dport @s counter drop" ;;
	c|d) echo "ip saddr @s counter drop" ;;
	e) echo "ip saddr . udp dport @s counter drop" ;;
	esac
}

hits() {	# hits NS: packets counted by the `counter drop` rules of efwbench
	{ ip netns exec "$1" nft list chain inet efwbench input
	  ip netns exec "$1" nft list chain inet efwbench cls1 2>/dev/null; } |
		awk '/counter packets/ && /drop/ { for (i = 1; i <= NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}

ksoftirq_ns() {	# CPU time (ns) used so far by all ksoftirqd threads
	local f comm t=0
	for f in /proc/[0-9]*/stat; do
		read -r comm <"$f" 2>/dev/null || continue
		case $comm in
		*"(ksoftirqd/"*) t=$((t + $(awk '{ print $14 + $15 }' "$f"))) ;;
		esac
	done
	echo $((t * 1000000000 / $(getconf CLK_TCK)))
}

run_packet() {
	local tx rx shape r n blast=$WORK/udpblast best cpu i count base sent hit h0 h1 k0 k1
	cc -O2 -o "$blast" "$here/udpblast.c" || exit 1
	ns_new tx; tx=$NS
	ns_new rx; rx=$NS
	ip link add veth0 netns "$tx" type veth peer name eth1 netns "$rx" || exit 1
	ip -n "$tx" addr add 10.0.0.1/8 dev veth0
	ip -n "$rx" addr add 192.0.2.1/24 dev eth1
	ip -n "$tx" link set veth0 up
	ip -n "$rx" link set eth1 up
	ip -n "$tx" link set lo up
	ip -n "$rx" link set lo up
	ip -n "$tx" route add 192.0.2.0/24 dev veth0
	ip -n "$rx" route add 10.0.0.0/8 dev eth1
	sleep 1
	ip netns exec "$tx" "$blast" 192.0.2.1 5061 1000 >/dev/null	# ARP
	echo "## per-packet cost: CPU ns per UDP datagram over veth (sender + receiver input path), N=$PKT_N"
	echo
	echo "ns_per_pkt: CPU of the sender (its softirq runs the receiver's input path) plus CPU of ksoftirqd (work deferred to it), divided by the datagrams the lookup rule counted; best of 3 runs of about 1 s each; over_base = minus shape 0 (same chain, no set lookup); looked_up = share of the datagrams sent that reached the rule (the rest overflowed the backlog)"
	echo
	printf '| %-44s | %7s | %8s | %10s | %9s | %9s |\n' shape N load_s ns_per_pkt over_base looked_up
	printf '|%s|%s|%s|%s|%s|%s|\n' ---------------------------------------------- --------- ---------- ------------ ----------- -----------
	base=
	for shape in $PKT_SHAPES; do
		n=$PKT_N
		[ "$shape" = 0 ] && n=0
		if [ "$shape" = 0 ]; then
			printf 'table inet efwbench {\n  chain input { type filter hook input priority filter; policy accept;\n    %s\n  }\n}\n' \
				"$(lookup_rule 0)" >"$WORK/in.nft"
		else
			gen "$shape" "$n" "$COUNTER" udp "counter drop" >"$WORK/in.nft"
			case $shape in
			[f-h]) ;;
			*) printf 'add chain inet efwbench input { type filter hook input priority filter; policy accept; }\nadd rule inet efwbench input %s\n' \
				"$(lookup_rule "$shape")" >>"$WORK/in.nft" ;;
			esac
		fi
		r=$(timed "$WORK/out" ip netns exec "$rx" nft -f "$WORK/in.nft") || {
			printf '| %-44s | %7s | %8s | %8s | %9s | %9s |\n' "$(shape_name "$shape")" "$n" "$r" - - -
			ip netns exec "$rx" nft delete table inet efwbench 2>/dev/null
			continue
		}
		# size the runs to about a second each: 2000 datagrams first
		set -- $(ip netns exec "$tx" "$blast" 192.0.2.1 5061 2000)
		count=$(awk -v c="$2" 'BEGIN { n = int(1e9 / (c > 1 ? c : 1)); print (n > 200000 ? 200000 : (n < 2000 ? 2000 : n)) }')
		best= sent=0 hit=0
		for i in 1 2 3; do
			h0=$(hits "$rx") k0=$(ksoftirq_ns)
			set -- $(ip netns exec "$tx" "$blast" 192.0.2.1 5061 "$count")
			k1=$(ksoftirq_ns) h1=$(hits "$rx")
			# sender CPU + softirq work deferred to ksoftirqd, per datagram
			# that reached the lookup rule (the rest overflowed the backlog)
			cpu=$(awk -v c="$2" -v n="$count" -v k="$((k1 - k0))" -v h="$((h1 - h0))" \
				'BEGIN { printf "%d", (h > 0 ? (c * n + k) / h : 0) }')
			sent=$((sent + count)) hit=$((hit + h1 - h0))
			if [ -z "$best" ] || [ "$cpu" -lt "$best" ]; then best=$cpu; fi
		done
		[ "$shape" = 0 ] && base=$best
		printf '| %-44s | %7s | %8s | %10s | %9s | %9s |\n' "$(shape_name "$shape")" "$n" "${r%% *}" "$best" \
			"$([ -n "$base" ] && echo $((best - base)) || echo -)" "$((100 * hit / sent))%"
		ip netns exec "$rx" nft delete table inet efwbench
	done
	echo
}

echo "# measure_sets.sh $(date -u +%Y-%m-%dT%H:%MZ): $(uname -r), $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
case $WHAT in
sets) run_sets ;;
edgefw) run_edgefw ;;
split) run_split ;;
packet) run_packet ;;
all) run_sets; run_edgefw; run_split ;;
*) echo "measure_sets.sh: unknown part '$WHAT' (sets, edgefw, split, packet, all)" >&2; exit 2 ;;
esac
