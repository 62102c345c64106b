#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the Debian 12 container that tests/system/run.sh boots under
# systemd, as root, and does what an operator would do with the package,
# one phase at a time:
#
#   in-container.sh install | configure | after-reboot | remove
#
# Prints "ok - ..." or "not ok - ..." for every check (run.sh numbers
# them) and "# ..." lines that say why when one fails. Documentation
# addresses only; the container has a network of its own.
set -uo pipefail

here=/root/edgefw-system
site=/etc/edgefw/site.conf
good=$here/site.good
prom=/var/lib/prometheus/node-exporter/edgefw.prom
export SYSTEMD_PAGER= SYSTEMD_COLORS=0 LC_ALL=C.UTF-8

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
diag() { sed 's/^/# /'; }
# check DESCRIPTION COMMAND...: ok if the command succeeds, else its output.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		notok "$desc"
		printf '%s\n' "$out" | tail -n 20 | diag
	fi
}
# Polls COMMAND... for up to SECONDS; 0 as soon as it succeeds.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
# What edgefwd logged after CURSOR (from cursor).
journal_since() { journalctl -q -u edgefwd --after-cursor="$1" -o cat; }
cursor() { journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p'; }
status_of() { edgefwctl status | awk -v k="$1" '$1 == k { print $2; exit }'; }
unit_prop() { systemctl show -P "$2" "$1"; }

# The site of this machine: the roles of edge-single-public and
# edge-single-nat on two veth interfaces made by lab-net.service.
write_site() {
	cat >"$site" <<'EOF'
# This container: an Edge Server with its public addresses on ext0 and
# its internal interface int0.
policy = edge-single-public
mode = host
zone external = ext0
zone internal = int0

access_edge   = 198.51.100.10, 2001:db8:100::10
webconf_edge  = 198.51.100.11, 2001:db8:100::11
av_edge       = 198.51.100.12, 2001:db8:100::12
edge_internal = iface int0

front_end = 192.0.2.10, 192.0.2.11
director  = file "directors.txt"
# The Internet's peers of the tables: every peer, said out loud.
pic_partners   = any
remote_clients = any
msn_clients    = any

management = 203.0.113.0/24
EOF
	printf '# the Director pool\n192.0.2.20\n192.0.2.21\n' \
		>/etc/edgefw/directors.txt
	# The copy kept as the last good site reads its group file beside it.
	cp /etc/edgefw/directors.txt "$here/"
}

phase_install() {
	local out deb

	deb=$(ls "$here"/edgefw_*.deb)
	if out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$deb" 2>&1); then
		ok "apt-get install ./${deb##*/} (its dependencies are in the root)"
	else
		notok "apt-get install ./${deb##*/}"
		printf '%s\n' "$out" | tail -n 20 | diag
		return
	fi
	out="$(systemctl is-enabled edgefwd.service) $(systemctl is-active edgefwd.service)"
	check "edgefwd.service installed disabled and not started ($out)" \
		test "$out" = "disabled inactive"
	check "no table inet edgefw before edgefwd is enabled" \
		bash -c '! nft list table inet edgefw'
	out="$(systemctl is-enabled edgefw-metrics.timer) $(systemctl is-active edgefw-metrics.timer) $(systemctl is-enabled edgefw-metrics.service)"
	check "edgefw-metrics.timer and .service installed, disabled ($out)" \
		test "$out" = "disabled inactive static"
	check "user edgefw and groups edgefw, edgefw-read made by sysusers" \
		bash -c 'getent passwd edgefw && getent group edgefw && getent group edgefw-read'
	check "man pages edgefw.policy(5), edgefw.site(5), edgefwctl(8), edgefwd(8) and the role guide installed" \
		ls /usr/share/man/man5/edgefw.policy.5.gz \
		/usr/share/man/man5/edgefw.site.5.gz \
		/usr/share/man/man8/edgefwctl.8.gz \
		/usr/share/man/man8/edgefwd.8.gz \
		/usr/share/doc/edgefw/policies.md.gz
	check "README.Debian installed" bash -c \
		'ls /usr/share/doc/edgefw/README.Debian || ls /usr/share/doc/edgefw/README.Debian.gz'
}

phase_configure() {
	local out pid uid gid c c2 id i mode

	# The interfaces exist before edgefwd starts, at every boot (a role
	# bound to `iface int0` would otherwise wait for its addresses).
	cat >/etc/systemd/system/lab-net.service <<'EOF'
[Unit]
Description=Lab network: veth interfaces ext0 and int0
DefaultDependencies=no
Before=edgefwd.service network-pre.target
After=systemd-sysctl.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link add ext0 type veth peer name ext0-peer
ExecStart=/sbin/ip link add int0 type veth peer name int0-peer
ExecStart=/sbin/ip link set ext0 up
ExecStart=/sbin/ip link set int0 up
ExecStart=/sbin/ip link set ext0-peer up
ExecStart=/sbin/ip link set int0-peer up
ExecStart=/sbin/ip addr add 198.51.100.10/24 dev ext0
ExecStart=/sbin/ip addr add 198.51.100.11/24 dev ext0
ExecStart=/sbin/ip addr add 198.51.100.12/24 dev ext0
ExecStart=/sbin/ip addr add 2001:db8:100::10/64 dev ext0 nodad
ExecStart=/sbin/ip addr add 2001:db8:100::11/64 dev ext0 nodad
ExecStart=/sbin/ip addr add 2001:db8:100::12/64 dev ext0 nodad
ExecStart=/sbin/ip addr add 192.0.2.1/24 dev int0

[Install]
WantedBy=multi-user.target
EOF
	check "veth interfaces ext0 and int0 with documentation addresses (lab-net.service, before edgefwd)" \
		bash -c 'systemctl enable --now lab-net.service && ip -br addr show int0 | grep -q 192.0.2.1/24'

	write_site
	cp "$site" "$good"
	# The operator's own copy of a shipped policy shadows it.
	sed '1i # Our own copy, from /usr/share/edgefw/policies.' \
		/usr/share/edgefw/policies/edge-single-nat.policy \
		>/etc/edgefw/policies/edge-single-nat.policy
	check "edgefwctl check edge-single-public --site $site" \
		edgefwctl check edge-single-public --site "$site"

	check "systemctl enable --now edgefwd" \
		timeout 60 systemctl enable --now edgefwd
	out="$(unit_prop edgefwd ActiveState)/$(unit_prop edgefwd SubState) $(unit_prop edgefwd Type) restarts=$(unit_prop edgefwd NRestarts)"
	# Type=notify: "Started" is logged when READY=1 came, and edgefwd sends
	# it once the policy is in force.
	if [[ $out == "active/running notify restarts=0" ]] &&
		journalctl -u edgefwd -o cat | grep -A3 'in force' | grep -q '^Started '; then
		ok "edgefwd active ($out): READY=1 once the policy was in force"
	else
		notok "edgefwd active, Type=notify reached ready ($out)"
		journalctl -u edgefwd -o cat | tail -n 15 | diag
	fi

	pid=$(unit_prop edgefwd MainPID)
	uid=$(id -u edgefw)
	gid=$(id -g edgefw)
	out=$(grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]*|NoNewPrivs):' "/proc/$pid/status" | tr -s '\t ' ' ')
	if grep -qx "Uid: $uid $uid $uid $uid" <<<"$out" &&
		grep -qx "Gid: $gid $gid $gid $gid" <<<"$out" &&
		grep -qx 'Groups: \?' <<<"$out" &&
		grep -qx 'CapInh: 0000000000000000' <<<"$out" &&
		grep -qx 'CapPrm: 0000000000001000' <<<"$out" &&
		grep -qx 'CapEff: 0000000000001000' <<<"$out" &&
		grep -qx 'CapBnd: 0000000000001000' <<<"$out" &&
		grep -qx 'CapAmb: 0000000000000000' <<<"$out" &&
		grep -qx 'NoNewPrivs: 1' <<<"$out"; then
		ok "edgefwd runs as user edgefw with only CAP_NET_ADMIN (CapEff = CapPrm = CapBnd = 0x1000, no_new_privs)"
	else
		notok "edgefwd runs as user edgefw with only CAP_NET_ADMIN"
		diag <<<"$out"
	fi

	# The unit's sandbox, as systemd scores it: 2.0 or lower.
	out=$(systemd-analyze security edgefwd.service 2>&1 | tail -n 1)
	if awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) { exit !($i <= 2.0) } exit 1 }' <<<"$out"; then
		ok "systemd-analyze security: $out"
	else
		notok "systemd-analyze security edgefwd.service: 2.0 or lower"
		diag <<<"$out"
	fi

	check "table inet edgefw in place, equal to the policy (edgefwctl verify)" \
		edgefwctl verify edge-single-public --site "$site"
	out=$(nft add element inet edgefw mgmt4 '{ 192.0.2.99 . tcp . 22 }' 2>&1;
	      nft delete table inet edgefw 2>&1)
	if [[ $(grep -c 'Operation not permitted' <<<"$out") == 2 ]] &&
		[[ $(status_of locked) == true ]] &&
		! nft list set inet edgefw mgmt4 | grep -q 192.0.2.99; then
		ok "the table is locked: nft add element and nft delete table refused (EPERM)"
	else
		notok "the table is locked"
		diag <<<"$out"
	fi
	# What the chains drop, per family; the container has a network
	# namespace of its own, which the kernel does not log drops from.
	out=$(edgefwctl status 2>&1)
	if grep -qE '^  input +ip6 +[0-9]+ +[0-9]+$' <<<"$out" &&
		grep -q '^drop_log  *not visible unless net.netfilter.nf_log_all_netns is 1 ' <<<"$out"; then
		ok "status: drops per chain and family; the drop log not visible from the container's network namespace"
	else
		notok "status shows the drops and where the drop log goes"
		diag <<<"$out"
	fi

	# Monitoring: a user in group edgefw-read only. edgefwctl finds the
	# read-only socket by itself; a change stays refused.
	useradd --system --no-create-home --groups edgefw-read edgefw-mon
	out=$(runuser -u edgefw-mon -- edgefwctl status 2>&1)
	if grep -q '^policy  *edge-single-public' <<<"$out" &&
		! runuser -u edgefw-mon -- edgefwctl switch edge-single-nat >/dev/null 2>&1; then
		ok "a user in group edgefw-read: edgefwctl status answers (the read-only socket, found by itself); switch refused"
	else
		notok "a user in group edgefw-read reads status by itself"
		diag <<<"$out"
	fi
	userdel edgefw-mon

	# A changed site: one more management network.
	pid=$(unit_prop edgefwd MainPID)
	c=$(cursor)
	sed -i 's|^management = .*|management = 203.0.113.0/24, 192.0.2.128/25|' "$site"
	cp "$site" "$good"
	if systemctl reload edgefwd &&
		wait_for 10 bash -c 'nft list set inet edgefw mgmt4 | grep -q 192.0.2.128/25' &&
		journal_since "$c" | grep -q '^SIGHUP: reading the site' &&
		[[ $(unit_prop edgefwd MainPID) == "$pid" ]]; then
		ok "systemctl reload applies a changed site (management 192.0.2.128/25 added, same process)"
	else
		notok "systemctl reload applies a changed site"
		{ systemctl status edgefwd; journal_since "$c"; } 2>&1 | tail -n 20 | diag
	fi

	# The operator turns a feature off; explain (on the read-only socket,
	# as monitoring would) says why 5269 is now dropped, and what admits
	# 443.
	echo 'feature xmpp-federation = off' >>"$site"
	useradd --system --no-create-home --groups edgefw-read edgefw-mon
	if systemctl reload edgefwd &&
		wait_for 10 bash -c '! nft list table inet edgefw | grep -q "tcp . 5269"' &&
		out=$(runuser -u edgefw-mon -- edgefwctl explain --to 198.51.100.10 tcp 5269 --in ext0 2>&1) &&
		grep -q 'DROPPED by chain input' <<<"$out" &&
		grep -q 'feature xmpp-federation: off' <<<"$out" &&
		out=$(runuser -u edgefw-mon -- edgefwctl explain --to 198.51.100.10 tcp 443 --in ext0 2>&1) &&
		grep -q 'ADMITTED by chain input, row' <<<"$out"; then
		ok "feature xmpp-federation = off: reloaded, 5269 gone; explain on the read-only socket names the rows turned off, and the row admitting 443"
	else
		notok "a feature turned off, and explain says so"
		{ echo "$out"; journalctl -q -u edgefwd -n 10 -o cat; } 2>&1 | diag
	fi
	userdel edgefw-mon
	cp "$good" "$site"
	systemctl reload edgefwd >/dev/null 2>&1

	# A broken site: the running policy stays, the journal says why.
	c=$(cursor)
	sed -i 's|^access_edge .*|access_edge   = 198.51.100.10/24|' "$site"
	if systemctl reload edgefwd &&
		wait_for 10 bash -c "journalctl -q -u edgefwd --after-cursor='$c' -o cat | grep -q 'no longer compiles; the running rules stay'" &&
		journal_since "$c" | grep -q "^$site:8:17: '198.51.100.10/24': host bits set under the prefix length" &&
		edgefwctl verify edge-single-public --site "$good" >/dev/null &&
		[[ $(unit_prop edgefwd ActiveState) == active ]] &&
		[[ $(unit_prop edgefwd MainPID) == "$pid" ]]; then
		ok "a reload with a broken site keeps the running policy; the journal says why ($site:8:17)"
	else
		notok "a reload with a broken site keeps the running policy and says why"
		journal_since "$c" | tail -n 20 | diag
	fi
	cp "$good" "$site"
	systemctl reload edgefwd >/dev/null 2>&1

	# switch --confirm 5, never confirmed: back by itself.
	c=$(cursor)
	if out=$(edgefwctl switch edge-single-nat --confirm 5 2>&1) &&
		[[ $(status_of policy) == edge-single-nat ]] &&
		[[ $(status_of unconfirmed) == true ]] &&
		[[ $(status_of policy_file) == /etc/edgefw/policies/edge-single-nat.policy ]]; then
		ok "edgefwctl switch edge-single-nat --confirm 5: applied (the operator's copy in /etc/edgefw/policies), waiting"
	else
		notok "edgefwctl switch edge-single-nat --confirm 5"
		{ echo "$out"; edgefwctl status; } 2>&1 | diag
	fi
	if wait_for 15 bash -c '[[ $(edgefwctl status | awk "\$1 == \"policy\" { print \$2 }") == edge-single-public ]]' &&
		[[ -z $(status_of unconfirmed) ]] &&
		journal_since "$c" | grep -q 'was not confirmed in time: going back to edge-single-public' &&
		edgefwctl verify edge-single-public --site "$site" >/dev/null; then
		ok "unconfirmed, it went back to edge-single-public by itself"
	else
		notok "switch --confirm 5 goes back by itself"
		{ edgefwctl status; journal_since "$c"; } 2>&1 | tail -n 20 | diag
	fi

	# switch --confirm, then confirm ID: recorded.
	out=$(edgefwctl --json switch edge-single-nat --confirm 120 2>&1)
	id=$(grep -o '"switch_id":[0-9]*' <<<"$out" | cut -d: -f2)
	if [[ -n $id ]] && edgefwctl confirm "$id" >/dev/null &&
		grep -qx 'policy edge-single-nat' /var/lib/edgefw/state &&
		grep -qx 'previous edge-single-public' /var/lib/edgefw/state; then
		ok "switch edge-single-nat --confirm 120, confirm $id: recorded in /var/lib/edgefw/state"
	else
		notok "switch --confirm, then confirm ID, records the policy"
		{ echo "$out"; cat /var/lib/edgefw/state; } 2>&1 | diag
	fi

	# Metrics: the node exporter's textfile directory (what
	# prometheus-node-exporter would make), then the timer.
	install -d -m 0755 /var/lib/prometheus/node-exporter
	if systemctl enable --now edgefw-metrics.timer >/dev/null 2>&1 &&
		wait_for 15 grep -q '^edgefw_info{policy="edge-single-nat"' "$prom" &&
		grep -qx 'edgefw_up 1' "$prom" &&
		grep -qx 'edgefw_table_locked 1' "$prom" &&
		[[ $(stat -c '%U %a' "$prom") == "root 644" ]]; then
		ok "edgefw-metrics.timer publishes $prom (edgefw_up 1, policy edge-single-nat)"
	else
		notok "edgefw-metrics.timer writes its file"
		{ systemctl status edgefw-metrics.service; ls -la "${prom%/*}"; } 2>&1 | tail -n 20 | diag
	fi
	check "and the drop counters" grep -qE \
		'^edgefw_dropped_packets_total\{chain="input",family="ip"\} [0-9]+$' "$prom"

	# A timed exception, as an operator opens one: the sandboxed unit
	# records it in /var/lib/edgefw and logs who opened what, and why.
	check "edgefwctl allow tcp 8443 --for 10m: a timed exception opened" \
		edgefwctl allow tcp 8443 --for 10m "system test, ticket 4711"
	id=$(sed -n 's/^x \([0-9]*\) .* tcp 8443-8443 any local - system test, ticket 4711$/\1/p' \
		/var/lib/edgefw/exceptions 2>/dev/null)
	check "recorded in /var/lib/edgefw/exceptions (id ${id:-none})" test -n "$id"
	check "in set ex4 with its timeout" bash -c \
		"nft list set inet edgefw ex4 | grep -q 'timeout .*comment \"exception $id\"'"
	check "logged with the uid and the note" wait_for 5 bash -c \
		"journalctl -q -u edgefwd -o cat | grep -qF 'exception $id added by uid 0 for 10m: tcp 8443 from any to this machine: \"system test, ticket 4711\"'"

	# Restart: the new edgefwd finds the rules in place and keeps them
	# (it may take the table over, but sends no element and no rule).
	pid=$(unit_prop edgefwd MainPID)
	c=$(cursor)
	if timeout 60 systemctl restart edgefwd &&
		[[ $(unit_prop edgefwd MainPID) != "$pid" ]] &&
		[[ $(unit_prop edgefwd ActiveState) == active ]] &&
		[[ $(status_of policy) == edge-single-nat ]] &&
		[[ $(status_of locked) == true ]] &&
		journal_since "$c" | grep -q '^policy edge-single-nat (.*) in force' &&
		! journal_since "$c" | grep '^applied policy' |
			grep -vq ': +0 -0 elements, +0 -0 rules' &&
		edgefwctl verify edge-single-nat --site "$site" >/dev/null; then
		ok "systemctl restart: the recorded policy edge-single-nat, the rules kept (the new edgefwd sent no element or rule), locked again"
	else
		notok "systemctl restart keeps the rules and the recorded policy"
		{ edgefwctl status; journal_since "$c"; } 2>&1 | tail -n 20 | diag
	fi
}

phase_after_reboot() {
	local out boot id

	out="$(unit_prop edgefwd ActiveState)/$(unit_prop edgefwd SubState) restarts=$(unit_prop edgefwd NRestarts)"
	if [[ $out == "active/running restarts=0" ]] &&
		[[ $(status_of policy) == edge-single-nat ]] &&
		[[ $(status_of locked) == true ]] &&
		grep -qx 'policy edge-single-nat' /var/lib/edgefw/state &&
		edgefwctl verify edge-single-nat --site "$site" >/dev/null; then
		ok "after the reboot edgefwd is up ($out) with the recorded policy edge-single-nat, its table in place and locked"
	else
		notok "a reboot keeps the rules and the recorded policy ($out)"
		{ edgefwctl status; journalctl -b -u edgefwd -o cat; } 2>&1 | tail -n 20 | diag
	fi
	# The timed exception opened before the reboot, for the time it had
	# left; revoked, it is gone from the kernel and the record.
	id=$(sed -n 's/^x \([0-9]*\) .* system test, ticket 4711$/\1/p' /var/lib/edgefw/exceptions)
	check "after the reboot timed exception ${id:-none} is open again for the time it had left" \
		bash -c "journalctl -b -u edgefwd -o cat | grep -q 'exception $id opened again for the .* it has left' &&
			 nft list set inet edgefw ex4 | grep -q 'timeout .*comment \"exception $id\"'"
	check "edgefwctl exceptions lists it" bash -c \
		"edgefwctl --json exceptions | grep -q '\"note\":\"system test, ticket 4711\"'"
	check "edgefwctl revoke $id" edgefwctl revoke "$id"
	check "closed: gone from the kernel and the record" bash -c \
		"! nft list set inet edgefw ex4 | grep -q 'exception $id' && ! grep -q '^x ' /var/lib/edgefw/exceptions"
	# The timer starts at boot (OnBootSec=0): a file of this boot.
	boot=$(date -d "$(systemctl show -P UserspaceTimestamp)" +%s)
	if wait_for 15 bash -c "(( \$(stat -c %Y $prom) >= $boot ))" &&
		grep -q '^edgefw_info{policy="edge-single-nat"' "$prom" &&
		grep -qx 'edgefw_up 1' "$prom"; then
		ok "after the reboot edgefw-metrics.timer published $prom again"
	else
		notok "the metrics timer runs after the reboot"
		{ systemctl status edgefw-metrics.timer edgefw-metrics.service; ls -la --time-style=full-iso "$prom"; echo "boot $boot"; } 2>&1 | tail -n 20 | diag
	fi
}

# apt remove, then apt purge: what README.Debian says stays and goes.
phase_remove() {
	local out

	if out=$(DEBIAN_FRONTEND=noninteractive apt-get remove -y -q edgefw 2>&1) &&
		! pgrep -x edgefwd >/dev/null &&
		[[ $(unit_prop edgefwd LoadState) == not-found ]] &&
		[[ $(unit_prop edgefw-metrics.timer LoadState) == not-found ]] &&
		[[ ! -e /usr/sbin/edgefwd && ! -e /usr/share/edgefw ]]; then
		ok "apt-get remove edgefw: edgefwd and the metrics timer stopped, programs and units gone"
	else
		notok "apt-get remove edgefw"
		{ echo "$out"; pgrep -a edgefwd; ls /usr/share/edgefw; } 2>&1 | tail -n 20 | diag
	fi
	check "after remove: site.conf, our policy, /var/lib/edgefw/state, the table kept; edgefw.prom removed" \
		bash -c "test -f $site && test -f /etc/edgefw/policies/edge-single-nat.policy &&
			test -f /var/lib/edgefw/state && ! test -e $prom &&
			nft list table inet edgefw >/dev/null"

	if out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y -q edgefw 2>&1) &&
		! dpkg-query -W -f='${Status}' edgefw 2>/dev/null | grep -q ' installed$' &&
		! dpkg-query -W -f='${Status}' edgefw 2>/dev/null | grep -q config-files &&
		[[ ! -e $site && ! -e /var/lib/edgefw ]] &&
		[[ -z $(find /etc/systemd /lib/systemd -name '*edgefw*' 2>/dev/null) ]]; then
		ok "apt-get purge edgefw: site.conf, /var/lib/edgefw and the units' links gone"
	else
		notok "apt-get purge edgefw"
		{ echo "$out"; ls -la /etc/edgefw /var/lib/edgefw; find /etc/systemd /lib/systemd -name '*edgefw*'; } 2>&1 | tail -n 20 | diag
	fi
	check "after purge: our own /etc/edgefw/policies/edge-single-nat.policy kept, user edgefw and groups edgefw, edgefw-read kept" \
		bash -c 'test -f /etc/edgefw/policies/edge-single-nat.policy &&
			getent passwd edgefw && getent group edgefw && getent group edgefw-read'
	check "after purge: table inet edgefw still in force, ownerless: nft delete table inet edgefw drops it" \
		bash -c 'nft list table inet edgefw >/dev/null && nft delete table inet edgefw &&
			! nft list table inet edgefw'
}

case ${1:-} in
install) phase_install ;;
configure) phase_configure ;;
after-reboot) phase_after_reboot ;;
remove) phase_remove ;;
*)
	echo "usage: $0 install|configure|after-reboot|remove" >&2
	exit 2
	;;
esac
