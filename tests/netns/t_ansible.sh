#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t_ansible.sh BUILD_DIR: the Ansible collection edgefw.edgefw
# (contrib/ansible) with ansible-playbook, against three "hosts": three
# namespaces, each running its own edgefwd (own socket, state, site and
# two policy directories: etc/policies, the operator's, then a copy of the
# shipped ones). The inventory's hosts use the local connection; each
# host's edgefwctl is a wrapper that runs the build's edgefwctl inside its
# namespace (and logs its arguments). Ansible keeps everything in the
# test's temp dir (ANSIBLE_HOME, HOME, temp dirs, a fixed ANSIBLE_CONFIG).
# What each daemon runs is read from the daemons (status, state file) and
# the kernel (verify, nft list in the namespace), not only from Ansible:
#   the collection builds and installs (ansible-galaxy), its docs load from
#   the checkout; the role places policies and a site (checked: a bad
#   site is refused and the old one stays; the active policy's file is
#   not replaced), idempotent; rollout.yml in check mode changes nothing
#   and shows what would change (a shipped policy, from the second
#   directory); a roll-out (a canary, then a batch of two) switches all
#   three, confirmed by id; run again it changes nothing; a failing health
#   check on the second host rolls it back by id and leaves the third
#   untouched; a daemon killed after its switch is reported failed, its
#   rules stay, and restarted it goes back to the recorded policy; a host
#   cut off after its switch is failed, stops the roll-out and goes back
#   by itself at its deadline; an edgefwd too slow to answer its switch is
#   failed as "may have switched"; a switch that waits (someone else's) is
#   refused, a confirm naming another switch too, a rollback by id twice
#   changes once; a policy that does not compile fails with
#   file:line:col; ansible-lint passes.

# Functions below are called through check, which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh

daemon_test_init "${1:-build}"
command -v ansible-playbook >/dev/null ||
	skip "ansible-playbook not installed (ansible-core; see tests/deps.sh)"
SRC=$PWD/contrib/ansible
COLL=$SRC/ansible_collections/edgefw/edgefw
[[ -f $COLL/galaxy.yml ]] || bail_out "$COLL/galaxy.yml missing"

T=$EFW_TMP
chmod 0755 "$T"
ROOT_HAD_ANSIBLE=0
[[ ! -e /root/.ansible ]] || ROOT_HAD_ANSIBLE=1

# ---- Ansible, kept in the temp dir ------------------------------------------

export HOME=$T/home XDG_CACHE_HOME=$T/home/.cache XDG_CONFIG_HOME=$T/home/.config
export ANSIBLE_HOME=$T/ansible ANSIBLE_CONFIG=$T/ansible.cfg ANSIBLE_NOCOLOR=1
export ANSIBLE_LOCAL_TEMP=$T/ansible/tmp ANSIBLE_REMOTE_TEMP=$T/ansible/remote-tmp
mkdir -p "$HOME" "$ANSIBLE_HOME" "$T/collections" "$T/connection_plugins"
cat >"$ANSIBLE_CONFIG" <<EOF
[defaults]
nocolor = true
retry_files_enabled = false
interpreter_python = /usr/bin/python3
local_tmp = $ANSIBLE_LOCAL_TEMP
remote_tmp = $ANSIBLE_REMOTE_TEMP
collections_path = $T/collections
connection_plugins = $T/connection_plugins
forks = 5
deprecation_warnings = false
[galaxy]
server_list =
EOF

# A connection for "the host is cut off": local, except that every use
# fails as an unreachable host does once \$T/down-HOST exists.
cat >"$T/connection_plugins/efw_flaky.py" <<EOF
from __future__ import absolute_import, division, print_function
__metaclass__ = type
DOCUMENTATION = '''
name: efw_flaky
short_description: local, unless the test has cut the host off
description: The local connection; fails as unreachable while $T/down-HOST exists.
author: edgefw tests
extends_documentation_fragment:
  - connection_pipelining
'''
import os
from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.connection.local import Connection as Local


class Connection(Local):
    transport = 'efw_flaky'

    def _cut(self):
        host = self._play_context.remote_addr
        if os.path.exists(os.path.join('$T', 'down-' + str(host))):
            raise AnsibleConnectionFailure('efw_flaky: %s is cut off (the test)' % host)

    def exec_command(self, *args, **kwargs):
        self._cut()
        return super(Connection, self).exec_command(*args, **kwargs)

    def put_file(self, *args, **kwargs):
        self._cut()
        return super(Connection, self).put_file(*args, **kwargs)
EOF

# ---- three hosts -------------------------------------------------------------

HOSTS=(h1 h2 h3)
# dir NAME: the host's own directory (etc/, policies/, state/, socket, logs).
dir() { echo "$T/$1"; }

for n in "${HOSTS[@]}"; do
	ns_add "$n" || bail_out "cannot make namespace $n"
	d=$(dir "$n")
	mkdir -p "$d/etc/policies" "$d/policies" "$d/state"
	chown nobody "$d/state"
	cp policies/*.policy "$d/policies/"
	cp policies/examples/edge-single-public.site "$d/etc/site.conf"
	chmod 0644 "$d/etc/site.conf" "$d/policies"/*.policy
	# edgefwctl "on the host": in its namespace, every call logged.
	# \$T/stall-NAME (a pid) stops that edgefwd before a switch --confirm.
	cat >"$d/edgefwctl" <<EOF
#!/bin/sh
echo "\$*" >>'$d/calls.log'
case "\$1 \$*" in
"switch "*--confirm*)
	[ ! -e '$T/stall-$n' ] || kill -STOP "\$(cat '$T/stall-$n')" ;;
esac
exec ip netns exec '$(ns_name "$n")' '$CTL' "\$@"
EOF
	chmod 0755 "$d/edgefwctl"
done

declare -A DPIDS=()
start_daemon() {
	local n=$1 d
	d=$(dir "$n")
	start_edgefwd "$n" "$d/control" "$d/edgefwd.log" --site "$d/etc/site.conf" \
		--policy-dir "$d/etc/policies" --policy-dir "$d/policies" \
		--state-dir "$d/state" \
		--user nobody --group nogroup --interval 30 || return 1
	DPIDS[$n]=$DPID
}
for n in "${HOSTS[@]}"; do
	start_daemon "$n" || bail_out "edgefwd did not start in $n"
done

# The inventory: the example site's bindings as role variables.
{
	echo "edgefw:"
	echo "  hosts:"
	for n in "${HOSTS[@]}"; do
		d=$(dir "$n")
		echo "    $n:"
		echo "      edgefw_socket: $d/control"
		echo "      edgefw_edgefwctl: $d/edgefwctl"
		echo "      edgefw_config_dir: $d/etc"
	done
	cat <<EOF
  vars:
    ansible_connection: local
    edgefw_manage_package: false
    edgefw_manage_service: false
    edgefw_timeout: 10
    edgefw_policy_files:
      - $T/edge-v2.policy
      - $T/edge-v3.policy
    edgefw_site_zones:
      external: eth0
      internal: eth1
    edgefw_site_roles:
      access_edge: [198.51.100.10, "2001:db8:100::10"]
      webconf_edge: [198.51.100.11, "2001:db8:100::11"]
      av_edge: [198.51.100.12, "2001:db8:100::12"]
      edge_internal: [192.0.2.1, "2001:db8:200::1"]
      front_end: [192.0.2.10, 192.0.2.11, "2001:db8:200::10"]
      director: [192.0.2.10, 192.0.2.11, "2001:db8:200::10"]
      pic_partners: any
      remote_clients: any
      msn_clients: any
    edgefw_site_management: [203.0.113.0/24, "2001:db8:ffff::/48"]
EOF
} >"$T/inventory.yml"

# The health check: logs its host; fails for a host with a file
# $T/unhealthy-HOST; kills (-9) the pid in $T/kill-HOST; cuts the host off
# (down-HOST) once $T/cut-HOST exists. Those two act once.
cat >"$T/health" <<EOF
#!/bin/sh
echo "\$1" >>'$T/health.log'
if [ -e '$T/kill-'"\$1" ]; then
	kill -9 "\$(cat '$T/kill-'"\$1")"
	rm -f '$T/kill-'"\$1"
fi
if [ -e '$T/cut-'"\$1" ]; then
	rm -f '$T/cut-'"\$1"
	touch '$T/down-'"\$1"
fi
[ ! -e '$T/unhealthy-'"\$1" ] || { echo "\$1: 503 from the front end"; exit 1; }
echo "\$1: fine"
EOF
chmod 0755 "$T/health"

# Policies: two real scenarios under new names, a broken one, and a new
# version of the shipped policy the hosts run.
sed 's/^policy public-im-connectivity /policy edge-v2 /' \
	policies/public-im-connectivity.policy >"$T/edge-v2.policy"
sed 's/^policy edge-single-public /policy edge-v3 /' \
	policies/edge-single-public.policy >"$T/edge-v3.policy"
sed -e 's/^policy edge-v3 /policy edge-bad /' \
	-e '0,/^zone external {/s//zone external {\n\ttcp 99999 any access_edge "no such port"/' \
	"$T/edge-v3.policy" >"$T/edge-bad.policy"
grep -q 99999 "$T/edge-bad.policy" || bail_out "could not make the broken policy"
mkdir -p "$T/mine"
{ cat policies/edge-single-public.policy; echo "# mine"; } \
	>"$T/mine/edge-single-public.policy"

# ---- reading the hosts --------------------------------------------------------

ctl_of() {
	local n=$1
	shift
	"$CTL" --socket "$(dir "$n")/control" "$@"
}
# field_of NAME KEY: a field of the daemon's status ("" if absent).
field_of() {
	ctl_of "$1" status 2>/dev/null | awk -v k="$2" '$1 == k { v = $2 } END { print v }'
}
# pfile NAME POLICY: the file the daemon takes POLICY from.
pfile() {
	local d
	d=$(dir "$1")
	if [[ -e $d/etc/policies/$2.policy ]]; then
		echo "$d/etc/policies/$2.policy"
	else
		echo "$d/policies/$2.policy"
	fi
}
# live_is NAME POLICY: the live table in the namespace is POLICY compiled.
live_is() {
	in_ns "$1" "$CTL" verify "$(pfile "$1" "$2")" \
		--site "$(dir "$1")/etc/site.conf" >/dev/null 2>&1
}
# runs NAME POLICY: the daemon runs POLICY with nothing pending, and the
# live table is POLICY compiled.
runs() {
	[[ $(field_of "$1" policy) == "$2" ]] &&
		[[ -z $(field_of "$1" reverts_to) ]] &&
		live_is "$1" "$2"
}
# on NAME POLICY: runs POLICY, and the state records it (confirmed).
on() {
	runs "$1" "$2" && grep -qx "policy $2" "$(dir "$1")/state/state"
}
# snap NAME: what must not change: policy, pending switch, ruleset
# generation, the live table, the files.
snap() {
	local n=$1
	field_of "$n" policy
	field_of "$n" reverts_to
	field_of "$n" generation
	in_ns "$n" nft -s list table inet edgefw
	(cd "$(dir "$n")" && find etc state -type f -print0 | sort -z |
		xargs -0r md5sum --)
}
snap_all() {
	local n
	for n in "${HOSTS[@]}"; do snap "$n" >"$T/snap.$1.$n"; done
}
# same_as TAG NAME: NAME is as it was at snap_all TAG.
same_as() {
	snap "$2" >"$T/snap.now.$2" && cmp -s "$T/snap.$1.$2" "$T/snap.now.$2"
}
# calls_of NAME: the edgefwctl commands run on NAME since the last play.
calls_of() {
	cat "$(dir "$1")/calls.log" 2>/dev/null || true
}
# no_call NAME RE: no edgefwctl command on NAME matched RE.
no_call() {
	! grep -qE -- "$2" "$(dir "$1")/calls.log"
}
# only_dry_runs NAME: every switch asked on NAME was a dry run.
only_dry_runs() {
	! grep -E '^switch ' "$(dir "$1")/calls.log" | grep -qv -- '--dry-run'
}
# installed NAME: the role put edge-v2 and edge-v3 in NAME's policy dir.
installed() {
	local p
	p=$(dir "$1")/etc/policies
	cmp -s "$T/edge-v2.policy" "$p/edge-v2.policy" &&
		cmp -s "$T/edge-v3.policy" "$p/edge-v3.policy" &&
		[[ $(stat -c %a "$p/edge-v3.policy") == 644 ]]
}

# ---- running Ansible ----------------------------------------------------------

RC=0
OUT=""
# ans CMD ARGS...: an Ansible command; RC is its exit status, OUT its
# output, shown as comments. The hosts' call logs start afresh.
ans() {
	local n
	for n in "${HOSTS[@]}"; do : >"$(dir "$n")/calls.log"; done
	RC=0
	"$@" >"$T/out" 2>&1 || RC=$?
	OUT=$(<"$T/out")
	sed 's/^/#   /' "$T/out"
}
play() {
	ans ansible-playbook -i "$T/inventory.yml" "$@"
}
rollout() {
	play edgefw.edgefw.rollout "$@"
}
out_has() {
	grep -qE -- "$1" <<<"$OUT"
}
# recap HOST: HOST's line of the PLAY RECAP ("" if it is not there).
recap() {
	grep -E "^$1 +: ok=" <<<"$OUT" || true
}
# recap_has HOST WORDS...: HOST's recap line has each of WORDS (changed=1).
recap_has() {
	local h=$1 line w
	shift
	line=$(recap "$h")
	[[ -n $line ]] || return 1
	for w in "$@"; do
		[[ " $line " == *" $w "* ]] || return 1
	done
}

# quiet_run NAME RE: NAME changed nothing (recap) and was not asked RE.
quiet_run() {
	recap_has "$1" changed=0 failed=0 && no_call "$1" "$2"
}
# task_lines TITLE: the result lines of the tasks called TITLE.
task_lines() {
	awk -v t="TASK [$1] " 'index($0, t) == 1 { on = 1; next } /^(TASK|PLAY|RUNNING) / { on = 0 } on && NF' <<<"$OUT"
}
# only_canary_soaked: the soak ran for h1 and no other host.
only_canary_soaked() {
	local lines
	lines=$(task_lines 'Let the canaries run unconfirmed for a while')
	grep -q '^ok: \[h1 ' <<<"$lines" && ! grep -q '^ok: \[h[23] ' <<<"$lines"
}
# changed_ok NAME: NAME changed something and did not fail (recap).
changed_ok() {
	[[ $(recap "$1") =~ \ changed=[1-9] ]] && recap_has "$1" failed=0
}
# untouched NAME: no edgefwctl command ran on NAME, and the play never
# reached it (it is not in the recap).
untouched() {
	[[ ! -s $(dir "$1")/calls.log && -z $(recap "$1") ]]
}

for n in "${HOSTS[@]}"; do
	check "$n starts on edge-single-public" runs "$n" edge-single-public
done

# ---- the collection: build, install, docs --------------------------------------

ans ansible-galaxy collection build "$COLL" --output-path "$T/dist"
check "ansible-galaxy collection build (exit $RC)" test "$RC" -eq 0
ans ansible-galaxy collection install --offline -p "$T/collections" \
	"$T"/dist/edgefw-edgefw-*.tar.gz
check "ansible-galaxy collection install of the tarball (exit $RC)" test "$RC" -eq 0
check "installed as ansible_collections/edgefw/edgefw" \
	test -f "$T/collections/ansible_collections/edgefw/edgefw/MANIFEST.json"
ans env ANSIBLE_COLLECTIONS_PATH="$SRC" ansible-doc --json \
	edgefw.edgefw.edgefw_policy edgefw.edgefw.edgefw_check edgefw.edgefw.edgefw_info
check "from the checkout (ANSIBLE_COLLECTIONS_PATH): the modules' docs load (exit $RC)" \
	bash -c "test '$RC' -eq 0 && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sorted(d) == [\"edgefw.edgefw.edgefw_check\", \"edgefw.edgefw.edgefw_info\", \"edgefw.edgefw.edgefw_policy\"]; assert all(d[k][\"examples\"] and d[k][\"return\"] for k in d)' '$T/out'"
ans env ANSIBLE_COLLECTIONS_PATH="$SRC" ansible-doc -t role edgefw.edgefw.edgefw
check "and the role's argument spec (exit $RC)" \
	bash -c "test '$RC' -eq 0 && grep -q 'edgefw_site_management' '$T/out'"

# ---- the role -------------------------------------------------------------------

cat >"$T/role.yml" <<EOF
- name: The edgefw role
  hosts: edgefw
  gather_facts: false
  roles:
    - role: edgefw.edgefw.edgefw
EOF
snap_all role
play "$T/role.yml"
check "role: exit 0 (exit $RC)" test "$RC" -eq 0
for n in "${HOSTS[@]}"; do
	d=$(dir "$n")
	check "role: $n: edge-v2 and edge-v3 installed, 0644" installed "$n"
	check "role: $n: site.conf written from the inventory" \
		grep -qx 'access_edge = 198.51.100.10, 2001:db8:100::10' "$d/etc/site.conf"
	check "role: $n: the site was checked with edgefwd's policy and directories" \
		grep -q "^check edge-single-public --policy-dir $d/etc/policies --policy-dir $d/policies --site " "$d/calls.log"
	check "role: $n: edgefwd was asked to reload" grep -q " reload$" "$d/calls.log"
	check "role: $n: still on edge-single-public, the same table" \
		runs "$n" edge-single-public
done
play "$T/role.yml"
check "role: run again: exit 0 (exit $RC)" test "$RC" -eq 0
for n in "${HOSTS[@]}"; do
	check "role: run again: $n changed=0, no reload" quiet_run "$n" reload
done

# A site that does not compile is refused; the old one stays.
cat >"$T/bad-site.yml" <<EOF
edgefw_site_roles:
  access_edge: 198.51.100.10/24
  webconf_edge: 198.51.100.11
  av_edge: 198.51.100.12
  edge_internal: 192.0.2.1
EOF
snap_all badsite
play "$T/role.yml" --limit h1 -e "@$T/bad-site.yml"
check "role: a site that does not compile: the play fails (exit $RC)" test "$RC" -ne 0
check "role: with edgefwctl's file:line:col message" \
	out_has ":[0-9]+:[0-9]+: '198\.51\.100\.10/24': host bits set"
check "role: h1's site, table and state unchanged" same_as badsite h1
check "role: and no reload" no_call h1 ' reload$'

# The file of the active policy is not replaced (nor shadowed).
play "$T/role.yml" --limit h2 -e "{\"edgefw_policy_files\": [\"$T/mine/edge-single-public.policy\"]}"
check "role: a new file for the ACTIVE policy is refused (exit $RC)" test "$RC" -ne 0
check "role: and says why" out_has "edge-single-public.policy is the file of policy edge-single-public, which edgefwd"
check "role: nothing installed" test ! -e "$(dir h2)/etc/policies/edge-single-public.policy"

# ---- rollout.yml in check mode ----------------------------------------------------

# A shipped policy: edgefwd (and the diff) take it from the second
# directory.
snap_all dry
rollout --check --diff -e edgefw_rollout_policy=public-im-connectivity
check "check mode: exit 0 (exit $RC)" test "$RC" -eq 0
for n in "${HOSTS[@]}"; do
	check "check mode: $n reported as would change (changed=1)" recap_has "$n" changed=1 failed=0
	check "check mode: $n: status, generation, table, files unchanged" same_as dry "$n"
	check "check mode: $n: edgefwd's dry run was asked" \
		grep -q '^switch public-im-connectivity --dry-run ' "$(dir "$n")/calls.log"
	check "check mode: $n: and no switch" only_dry_runs "$n"
done
check "check mode: the diff shows the policies before and after" \
	bash -c "grep -qx -- '-edge-single-public' '$T/out' && grep -qx -- '+public-im-connectivity' '$T/out'"
check "check mode: and what the kernel would get" \
	out_has '^\+ element in4 \{ "eth0" \. 198\.51\.100\.10 \. tcp \. 443 comment "r3" \}'

# ---- a roll-out: a canary, then a batch of two -------------------------------------

cat >"$T/vars-a.yml" <<EOF
edgefw_rollout_policy: edge-v2
edgefw_rollout_confirm_timeout: 30
edgefw_rollout_health_command: "$T/health {{ inventory_hostname }}"
edgefw_rollout_canaries: 1
edgefw_rollout_canary_soak: 1
edgefw_rollout_serial: 2
EOF
rm -f "$T/health.log"
rollout -e "@$T/vars-a.yml"
check "roll-out of edge-v2: exit 0 (exit $RC)" test "$RC" -eq 0
for n in "${HOSTS[@]}"; do
	check "roll-out: $n runs edge-v2, confirmed, recorded, live table = edge-v2" on "$n" edge-v2
	check "roll-out: $n: changed, not failed" changed_ok "$n"
	# The canary's deadline is longer by its soak.
	secs=30
	[[ $n != h1 ]] || secs=31
	check "roll-out: $n: switched with a deadline of $secs s, confirmed by its id" bash -c \
		"grep -qE '^switch edge-v2 --confirm $secs ' '$(dir "$n")/calls.log' && grep -qE '^confirm [0-9]+ ' '$(dir "$n")/calls.log'"
done
check "roll-out: the canary h1 first, alone, then h2 and h3" \
	bash -c "test \"\$(head -n1 '$T/health.log')\" = h1 && test \"\$(tail -n +2 '$T/health.log' | sort | paste -sd' ')\" = 'h2 h3'"
check "roll-out: batches of 1, then 2 (serial)" \
	test "$(grep -c '^PLAY \[' <<<"$OUT")" -eq 2
check "roll-out: only the canary soaked" only_canary_soaked
check "roll-out: it said when edgefwd would go back by itself" \
	out_has "edgefwd goes back to edge-single-public by itself at"
check "roll-out: h2's edgefwd logged the confirm" \
	grep -q "switch to policy edge-v2 confirmed" "$(dir h2)/edgefwd.log"

snap_all again
rollout -e "@$T/vars-a.yml"
check "run again: exit 0 (exit $RC)" test "$RC" -eq 0
for n in "${HOSTS[@]}"; do
	check "run again: $n changed=0" recap_has "$n" changed=0 failed=0
	check "run again: $n unchanged (generation, table, files)" same_as again "$n"
	check "run again: $n: no switch asked, not even a dry run" no_call "$n" '^switch '
done

# ---- a failing health check on the second host -------------------------------------

cat >"$T/vars-b.yml" <<EOF
edgefw_rollout_policy: edge-v3
edgefw_rollout_confirm_timeout: 30
edgefw_rollout_health_command: "$T/health {{ inventory_hostname }}"
EOF
snap_all b
touch "$T/unhealthy-h2"
rm -f "$T/health.log"
rollout -e "@$T/vars-b.yml"
rm -f "$T/unhealthy-h2"
check "unhealthy h2: the play fails (exit $RC)" test "$RC" -ne 0
check "unhealthy h2: h1 keeps edge-v3 (status, state, live table)" on h1 edge-v3
check "unhealthy h2: h2 is back on edge-v2 (status, state, live table)" on h2 edge-v2
check "unhealthy h2: rolled back by the switch's id" \
	grep -qE '^rollback [0-9]+ ' "$(dir h2)/calls.log"
check "unhealthy h2: h2's edgefwd logged the rollback" \
	grep -q "rolled back to policy edge-v2" "$(dir h2)/edgefwd.log"
check "unhealthy h2: h2 failed" recap_has h2 failed=1
check "unhealthy h2: h1 changed, not failed" changed_ok h1
check "unhealthy h2: the play says why, that it rolled back and stopped" \
	out_has "Run the health check: non-zero return code \(h2: 503 from the front end\)\. Rolled back: edgefwd runs edge-v2 again\. The roll-out stops after this batch"
check "unhealthy h2: h3 untouched: generation, table and files as before" same_as b h3
check "unhealthy h2: h3 untouched: never contacted, not in the recap" untouched h3
check "unhealthy h2: the health check ran on h1 and h2 only" \
	test "$(cat "$T/health.log")" = "$(printf '%s\n' h1 h2)"

# ---- a daemon killed after its switch ------------------------------------------------

# h2's edgefwd is killed (-9) by the health check: nothing answers the
# confirm nor the rollback. The table keeps edge-v3 (the kernel keeps the
# rules of a daemon that is gone); the state still records edge-v2, so a
# restarted edgefwd goes back to it.
echo "${DPIDS[h2]}" >"$T/kill-h2"
snap_all kill
rollout -e "@$T/vars-b.yml" --limit h2,h3
check "killed h2: the play fails (exit $RC)" test "$RC" -ne 0
check "killed h2: h2 failed" recap_has h2 failed=1
check "killed h2: not rolled back; it says why, and that edgefwd goes back by itself" \
	out_has "Confirm the switch by its id: .*edgefwd is not running.*\. Not rolled back.*: edgefwd goes back to edge-v2 by itself at"
check "killed h2: h3 untouched (generation, table, files)" same_as kill h3
check "killed h2: h3 never contacted, not in the recap" untouched h3
check "killed h2: its rules stay: the live table is edge-v3" live_is h2 edge-v3
check "killed h2: the state still records edge-v2" grep -qx "policy edge-v2" "$(dir h2)/state/state"
start_daemon h2 || bail_out "edgefwd did not start again in h2"
check "killed h2: restarted, edgefwd goes back to edge-v2 (status, state, live table)" on h2 edge-v2

# ---- a host cut off after its switch ------------------------------------------------

# Batches of two: h1 (already on edge-v3: left alone) and h2, then h3.
# h2 is cut off by its health check: the confirm cannot reach it. It is
# failed (not only unreachable, which max_fail_percentage would not count),
# the roll-out stops before h3, and h2's edgefwd goes back by itself.
touch "$T/cut-h2"
rm -f "$T/down-h2"
snap_all cut
rollout -e "@$T/vars-b.yml" -e edgefw_rollout_confirm_timeout=4 -e edgefw_rollout_serial=2 \
	-e ansible_connection=efw_flaky
check "cut-off h2: the play fails (exit $RC)" test "$RC" -ne 0
check "cut-off h2: h2 failed" recap_has h2 failed=1
check "cut-off h2: it says why and that edgefwd goes back by itself" \
	out_has "h2 could not be reached over a new connection after its switch \(.*cut off.*\): not confirmed\. Not rolled back: edgefwd goes back to edge-v2 by itself at"
check "cut-off h2: no confirm and no rollback were sent" \
	no_call h2 '^(confirm|rollback) '
check "cut-off h2: h1, already on edge-v3, left alone" recap_has h1 changed=0 failed=0
check "cut-off h2: h3 untouched (generation, table, files)" same_as cut h3
check "cut-off h2: h3 never contacted, not in the recap" untouched h3
# (From the log: on a busy machine the 4 s may be over by the time the
# play has ended.)
check "cut-off h2: h2 had switched to edge-v3 with its deadline" \
	grep -q "switched to policy edge-v3 (switch [0-9]*); back to edge-v2 in 4 s unless confirmed" \
	"$(dir h2)/edgefwd.log"
for ((i = 0; i < 80; i++)); do
	[[ -n $(field_of h2 reverts_to) ]] || break
	sleep 0.1
done
check "cut-off h2: at its deadline edgefwd went back to edge-v2 by itself" on h2 edge-v2
check "cut-off h2: and logged it" grep -q "was not confirmed in time: going back to edge-v2" \
	"$(dir h2)/edgefwd.log"
rm -f "$T/down-h2"

# ---- edgefwd too slow to answer the switch -------------------------------------------

# h3's edgefwd is stopped just before the switch --confirm reaches it
# (the wrapper does it, $T/stall-h3 holding the pid): edgefwctl gives up
# after edgefw_timeout. The switch may have been made: the host is failed
# with the deadline it would go back at, not as "not switched".
echo "${DPIDS[h3]}" >"$T/stall-h3"
at_exit "kill -CONT ${DPIDS[h3]} 2>/dev/null"
rollout -e "@$T/vars-b.yml" -e edgefw_rollout_confirm_timeout=3 -e edgefw_timeout=2 --limit h3
rm -f "$T/stall-h3"
kill -CONT "${DPIDS[h3]}"
check "silent h3: the play fails (exit $RC)" test "$RC" -ne 0
check "silent h3: h3 failed" recap_has h3 failed=1
check "silent h3: it was edgefwctl's --timeout that ended the wait" \
	out_has "switch edge-v2 -> edge-v3 sent, no answer: edgefwctl: edgefwd did not answer within 2 seconds"
check "silent h3: it says edgefwd goes back by itself if it switched" \
	out_has "edgefwd may have switched; if so, it goes back to edge-v2 by itself at about"
check "silent h3: and not that it was not switched" \
	bash -c "! grep -q 'The host was not switched' '$T/out'"
sleep 1
for ((i = 0; i < 60; i++)); do
	[[ -n $(field_of h3 reverts_to) ]] || break
	sleep 0.1
done
check "silent h3: h3 is on edge-v2 again (not switched, or gone back)" on h3 edge-v2

# ---- a switch that waits is someone else's ------------------------------------------

ctl_of h3 switch edge-single-public --confirm 60 >/dev/null
snap_all pending
adhoc() {
	ans ansible -i "$T/inventory.yml" "$1" -m edgefw.edgefw.edgefw_policy \
		-a "$2 socket={{ edgefw_socket }} edgefwctl={{ edgefw_edgefwctl }}"
}
adhoc h3 "name=edge-v3 confirm_timeout=30"
check "pending: a host with a switch waiting is refused (exit $RC)" test "$RC" -ne 0
check "pending: and says why" out_has "not switched: switch [0-9]+ to edge-single-public is waiting for its confirmation \(back to edge-v2"
check "pending: h3 unchanged, its switch still waits" same_as pending h3
PENDING=$(field_of h3 switch_id)
adhoc h3 "state=confirmed switch_id=$((PENDING + 1))"
check "pending: confirm of another switch id is refused (exit $RC)" test "$RC" -ne 0
check "pending: with edgefwd's own words" \
	out_has "switch $((PENDING + 1)) is not the one waiting \(switch $PENDING is\): nothing done"
check "pending: h3 unchanged" same_as pending h3
adhoc h3 "state=rolled_back switch_id=$PENDING name=edge-single-public"
check "pending: rollback by its id (exit $RC)" test "$RC" -eq 0
check "pending: h3 back on edge-v2" on h3 edge-v2
adhoc h3 "state=rolled_back switch_id=$PENDING name=edge-single-public"
check "pending: the same rollback again changes nothing (exit $RC)" \
	bash -c "test '$RC' -eq 0 && grep -q 'h3 | SUCCESS' '$T/out'"

# ---- a policy that does not compile ---------------------------------------------------

ans ansible -i "$T/inventory.yml" h1 -m edgefw.edgefw.edgefw_check \
	-a "policy=$T/edge-bad.policy site=$(dir h1)/etc/site.conf edgefwctl={{ edgefw_edgefwctl }}"
check "edgefw_check: the broken policy fails (exit $RC)" test "$RC" -ne 0
check "edgefw_check: with file:line:col" out_has "edge-bad\.policy:[0-9]+:[0-9]+: port out of range"
ans ansible -i "$T/inventory.yml" h1 -m edgefw.edgefw.edgefw_check \
	-a "policy=edge-v3 policy_dirs=$(dir h1)/etc/policies site=$(dir h1)/etc/site.conf edgefwctl={{ edgefw_edgefwctl }}"
check "edgefw_check: edge-v3 by name passes (exit $RC)" \
	bash -c "test '$RC' -eq 0 && grep -q '\"elements\": [1-9]' '$T/out'"

install -m 0644 "$T/edge-bad.policy" "$(dir h1)/etc/policies/edge-bad.policy"
snap_all bad
ans ansible -i "$T/inventory.yml" h1 -m edgefw.edgefw.edgefw_policy \
	-a "name=edge-bad confirm_timeout=30 socket={{ edgefw_socket }} edgefwctl={{ edgefw_edgefwctl }}"
check "edgefw_policy: a policy that does not compile fails (exit $RC)" test "$RC" -ne 0
check "edgefw_policy: with edgefwd's file:line:col message" \
	out_has "edgefwd refuses policy edge-bad: the policy does not compile: .*/etc/policies/edge-bad\.policy:[0-9]+:[0-9]+: port out of range"
check "edgefw_policy: h1 unchanged" same_as bad h1
check "edgefw_policy: only the dry run was asked" only_dry_runs h1
rm -f "$(dir h1)/etc/policies/edge-bad.policy"

# ---- ansible-lint -----------------------------------------------------------------------

if command -v ansible-lint >/dev/null; then
	# The collection from the checkout (ansible-lint's syntax check
	# resolves its modules).
	# A checkout being worked on has changes of its own: only what the
	# lint run adds counts.
	tree_before=$(git -C "$COLL" status --porcelain --ignored -- . 2>/dev/null || true)
	ans env -C "$COLL" ANSIBLE_COLLECTIONS_PATH="$SRC" ansible-lint --offline --nocolor
	check "ansible-lint passes on the collection (exit $RC)" test "$RC" -eq 0
	check "and left nothing in the source tree" \
		test "$(git -C "$COLL" status --porcelain --ignored -- . 2>/dev/null || true)" = "$tree_before"
else
	echo "# ansible-lint not installed: not run (see tests/deps.sh)"
fi

check "nothing was left in /root/.ansible" \
	bash -c "test $ROOT_HAD_ANSIBLE -eq 1 || test ! -e /root/.ansible"

finish
