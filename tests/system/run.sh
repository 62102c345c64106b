#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-system: the package as an operator gets it. Builds the .deb
# (source and binary) from this tree and checks it with lintian, makes a
# Debian 12 root with mmdebstrap (cached), boots it under systemd with
# systemd-nspawn on a private network, installs the package and goes
# through tests/system/in-container.sh: enable, reload, switch, restart,
# reboot, the metrics timer, remove and purge (tests/system/README.md).
#
# Root only. Every step prints "ok N - ..." or "not ok N - ..."; the last
# line is "system: N passed, N failed", and the exit status 0 only if
# none failed. The container, its namespaces and the work directory are
# removed whatever happens. Environment: EDGEFW_SYSTEM_CACHE (the cache
# directory), EDGEFW_SYSTEM_KEEP=1 (keep the work directory, for a look
# after a failure).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/system
suite=bookworm
cache=${EDGEFW_SYSTEM_CACHE:-/var/cache/edgefw-check-system}
cache_days=7
t0=$SECONDS

if ((EUID != 0)); then
	echo "system: needs root (mmdebstrap, systemd-nspawn)" >&2
	exit 1
fi

# What this needs on the machine, installed when missing (as tests/deps.sh
# does for the build): the builder, lintian, hardening-check (devscripts),
# mmdebstrap and systemd-nspawn.
host_packages=(debhelper dpkg-dev lintian devscripts mmdebstrap
	systemd-container util-linux xz-utils)
missing=()
for p in "${host_packages[@]}"; do
	[[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "system: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -q && apt-get install -y -q --no-install-recommends \
		"${missing[@]}"; } >/dev/null || {
		echo "system: cannot install ${missing[*]}" >&2
		exit 1
	}
fi

W=$(mktemp -d /var/tmp/edgefw-system.XXXXXX)
chmod 0755 "$W"
# What the tools leave in TMPDIR (lintian does) goes with the rest.
mkdir "$W/tmp"
export TMPDIR=$W/tmp
machine=edgefw-sys-$$
root=$W/root
loop_pid=
n=0 passed=0 failed=0
finished=false

ok() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $*"
}
notok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $*"
}
diag() { sed 's/^/# /'; }
# The last lines of a log, as diagnostics.
show() { tail -n "${2:-25}" "$1" 2>/dev/null | diag; }

nspawn_pid() { pgrep -f -- "--machine=$machine( |$)" | head -n 1; }
# The container's PID 1: the systemd that nspawn started.
init_pid() {
	local p

	p=$(nspawn_pid)
	[[ -n $p ]] && pgrep -P "$p" -x systemd | head -n 1
}
# Runs a command in the container, in all its namespaces, as root.
cexec() {
	local pid

	pid=$(init_pid)
	[[ -n $pid ]] || return 125
	timeout "${CEXEC_TIMEOUT:-180}" nsenter -t "$pid" -m -u -i -n -p -C -r -w -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
		LC_ALL=C.UTF-8 "$@"
}

# Boots the root; with --keep-unit, nspawn exits 133 when the container
# reboots, and this loop starts it again, as systemd-nspawn@.service
# (RestartForceExitStatus=133) would.
boot() {
	(
		while :; do
			systemd-nspawn --quiet --register=no --keep-unit --boot \
				--private-network --directory="$root" \
				--machine="$machine" --console=passive \
				</dev/null >>"$W/console.log" 2>&1
			rc=$?
			echo "$rc" >>"$W/nspawn.rc"
			[[ $rc == 133 && ! -e $W/stop ]] || break
		done
	) &
	loop_pid=$!
}

# Waits for a PID 1 other than $1 and for it to finish booting.
wait_booted() {
	local old=$1 i pid state

	for ((i = 0; i < 300; i++)); do
		pid=$(init_pid)
		[[ -n $pid && $pid != "$old" ]] && break
		kill -0 "$loop_pid" 2>/dev/null || return 1
		sleep 0.2
	done
	[[ -n $pid && $pid != "$old" ]] || return 1
	# Its namespaces, to make sure at the end that nothing holds them.
	readlink /proc/"$pid"/ns/{net,pid,mnt,ipc,uts} >>"$W/namespaces"
	# Until systemd listens, systemctl cannot ask it (and says nothing).
	for ((i = 0; i < 120; i++)); do
		state=$(CEXEC_TIMEOUT=90 cexec systemctl is-system-running --wait 2>/dev/null)
		[[ -n $state && $state != offline && $state != unknown ]] && break
		sleep 0.5
	done
	echo "$state"
	[[ $state == running ]]
}

# Runs a phase of in-container.sh, numbering its checks here.
phase() {
	local line before=$n

	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) notok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < <(cexec /bin/bash /root/edgefw-system/in-container.sh "$1" 2>&1)
	((n > before)) || notok "phase $1 ran no check (no container?)"
}

teardown() {
	local i p pid

	touch "$W/stop" 2>/dev/null
	p=$(nspawn_pid)
	pid=$(init_pid)
	if [[ -n $p ]]; then
		if $finished; then
			# As machinectl poweroff would: a clean shutdown.
			kill -TERM "$p" 2>/dev/null
		elif [[ -n $pid ]]; then
			# Cut short: its PID 1 killed, every process in it goes,
			# ours in the middle of a step too.
			kill -KILL "$pid" 2>/dev/null
		fi
		for ((i = 0; i < 150; i++)); do
			[[ -z $(nspawn_pid) ]] && break
			sleep 0.2
		done
		pid=$(init_pid)
		p=$(nspawn_pid)
		[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
		[[ -n $p ]] && kill -KILL "$p" 2>/dev/null
	fi
	if [[ -n $loop_pid ]]; then
		wait "$loop_pid" 2>/dev/null
		loop_pid=
	fi
	# nspawn leaves this behind where /run is not a tmpfs.
	[[ -d /run/systemd/nspawn/propagate/$machine ]] &&
		rm -rf "/run/systemd/nspawn/propagate/$machine"
	if [[ ${EDGEFW_SYSTEM_KEEP:-} == 1 ]]; then
		echo "# kept $W"
	else
		rm -rf --one-file-system "$W"
	fi
	export TMPDIR=/tmp
}

# Processes still in one of the container's namespaces (every boot's),
# given one a line.
in_namespaces() {
	[[ -n $1 ]] || return 1
	find /proc/[0-9]*/ns -maxdepth 1 -type l -printf '%l %h\n' 2>/dev/null |
		grep -F -f <(printf '%s\n' "$1")
}

finish() {
	local gone ns

	trap - EXIT INT TERM HUP
	$finished || notok "stopped before the end"
	ns=$(cat "$W/namespaces" 2>/dev/null)
	teardown
	gone=true
	[[ -n $(nspawn_pid) ]] && gone=false
	in_namespaces "$ns" >/dev/null && gone=false
	[[ ${EDGEFW_SYSTEM_KEEP:-} != 1 && -e $W ]] && gone=false
	if $gone; then
		ok "container $machine stopped, no process left in its namespaces ($(grep -c . <<<"$ns")), $W removed"
	else
		notok "container $machine and $W removed"
		pgrep -af -- "--machine=$machine" | diag
		in_namespaces "$ns" | diag
	fi
	echo "# $((SECONDS - t0)) s"
	echo "system: $passed passed, $failed failed"
	# In an EXIT trap a bare `exit` keeps the status from before the
	# trap: say it.
	((failed == 0)) && exit 0
	exit 1
}
trap finish EXIT
trap 'exit 1' INT TERM HUP

# ---- the package ---------------------------------------------------------

version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
upstream=${version%-*}
src=$W/build/edgefw-$upstream
mkdir -p "$src"
# This tree as it is (uncommitted changes too), without build products.
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[[ -e $f ]] && printf '%s\0' "$f"
		done | tar --null -T - -cf -) | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./debian -cf - . |
		tar -C "$src" -xf -
fi
t=$SECONDS
# The unit tests are make check's: not again here (nocheck).
if (cd "$W/build" && tar -czf "edgefw_$upstream.orig.tar.gz" "edgefw-$upstream" &&
	cp -r "$src/packaging/debian" "$src/debian" && cd "$src" &&
	DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dpkg-buildpackage -us -uc) >"$W/build.log" 2>&1; then
	deb=$(ls "$W"/build/edgefw_"$version"_*.deb)
	ok "dpkg-buildpackage: edgefw $version, source and ${deb##*/} ($((SECONDS - t)) s)"
else
	notok "dpkg-buildpackage"
	show "$W/build.log"
	exit 1
fi

# Clean at --pedantic: what is overridden says why in the override file.
# The verdict is read from the tags shown: with --show-overrides, lintian
# 2.116 counts overridden tags for --fail-on too.
lintian --pedantic --display-info --show-overrides --fail-on none \
	"$W"/build/edgefw_"$version"_*.changes >"$W/lintian.log" 2>&1
lintian_rc=$?
if ((lintian_rc == 0)) && ! grep -q '^[EWIP]: ' "$W/lintian.log"; then
	ok "lintian --pedantic: clean ($(grep -c '^O: ' "$W/lintian.log") tags overridden, each with its reason)"
else
	notok "lintian --pedantic (exit $lintian_rc)"
	grep -v 'running with root privileges' "$W/lintian.log" | diag
fi

# ---- the Debian 12 root --------------------------------------------------

# Enough to boot and administer it, and the package's dependencies, so
# that it installs without a network.
mapfile -t packages < <({
	printf '%s\n' systemd systemd-sysv dbus nftables iproute2 procps
	dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g'
} | grep . | sort -u)
key=$(printf '%s\n' "$suite" minbase "${packages[@]}" | sha256sum | cut -c1-16)
tarball=$cache/root-$suite-$key.tar
t=$SECONDS
mkdir -p "$cache"
if [[ -f $tarball && -z $(find "$tarball" -mtime +"$cache_days") ]]; then
	how="cached $tarball"
else
	# A week old at most: security updates come in.
	rm -f "$tarball"
	tmp=$(mktemp "$cache/.root-$key.XXXXXX")
	if mmdebstrap --variant=minbase --format=tar \
		--include="$(IFS=,; echo "${packages[*]}")" \
		"$suite" "$tmp" >"$W/mmdebstrap.log" 2>&1; then
		mv -f "$tmp" "$tarball"
		how="mmdebstrap $suite, now cached as $tarball"
	else
		rm -f "$tmp"
		notok "mmdebstrap $suite"
		show "$W/mmdebstrap.log"
		exit 1
	fi
fi
# Old keys (another package list) go after a while.
find "$cache" -maxdepth 1 -name 'root-*.tar' -mtime +"$cache_days" -delete
mkdir "$root"
if tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$tarball"; then
	ok "Debian 12 root ($how; $((SECONDS - t)) s)"
else
	notok "Debian 12 root from $tarball"
	exit 1
fi
mkdir -p "$root/root/edgefw-system"
cp "$deb" "$here/in-container.sh" "$root/root/edgefw-system/"

# ---- boot, install, use --------------------------------------------------

t=$SECONDS
boot
if state=$(wait_booted ""); then
	ok "the container boots under systemd with systemd-nspawn, private network ($state, $((SECONDS - t)) s)"
else
	notok "the container boots under systemd ($state)"
	cexec systemctl --failed 2>&1 | diag
	show "$W/console.log"
	exit 1
fi

phase install

# The installed binaries, as the package built them. Control flow
# protection (CET) cannot be had on Debian 12: its glibc start files are
# not built with it, so no binary of the distribution has it either.
if out=$(hardening-check --nocfprotection "$root/usr/sbin/edgefwd" \
	"$root/usr/sbin/edgefwctl" 2>&1); then
	ok "hardening-check: PIE, stack protector, fortify, RELRO, bind now on /usr/sbin/edgefwd and edgefwctl"
else
	notok "hardening-check on the installed binaries"
	diag <<<"$out"
fi

phase configure

t=$SECONDS
old=$(init_pid)
cexec systemctl reboot >/dev/null 2>&1
if state=$(wait_booted "$old") && [[ $(tail -n 1 "$W/nspawn.rc") == 133 ]]; then
	ok "the container rebooted (systemctl reboot; $state, $((SECONDS - t)) s)"
	phase after-reboot
else
	notok "the container reboots ($state)"
	show "$W/console.log"
fi

phase remove
finished=true
