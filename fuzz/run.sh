#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz/run.sh FUZZ_BUILD_DIR SECONDS NAME...: runs each libFuzzer harness
# FUZZ_BUILD_DIR/NAME for SECONDS, one after the other, from its seeds:
# fuzz/corpus/NAME (inputs made for it) and the project's own files of
# that kind (below). What it adds to the corpus stays in
# FUZZ_BUILD_DIR/corpus/NAME, where the next run starts from.
#
# A crash, a sanitizer report (ASan, UBSan, a leak), an input running
# longer than 10 s or needing more than 2 GiB fails the run: the input is
# saved under FUZZ_BUILD_DIR/artifacts/ and the command that replays it is
# printed. Quiet (one line a harness) unless V=1.
#
# By hand: FUZZ_BUILD_DIR/NAME FILE... runs those inputs once
# (EDGEFW_FUZZ_SHOW=1 prints the diagnostics). Given a directory, libFuzzer
# fuzzes and writes what it finds into the first one: never fuzz/corpus.
set -uo pipefail

if (($# < 3)); then
	echo "usage: fuzz/run.sh FUZZ_BUILD_DIR SECONDS NAME..." >&2
	exit 2
fi
fb=$1
secs=$2
shift 2
cd "$(dirname "$0")/.." || exit 2
[[ $secs =~ ^[1-9][0-9]*$ ]] || {
	echo "fuzz: SECONDS must be a positive number, not '$secs'" >&2
	exit 2
}

# seeds NAME: the project's files a harness starts from, besides
# fuzz/corpus/NAME.
seeds() {
	case $1 in
	policy)
		echo policies/*.policy tests/unit/data/*.policy \
			tests/unit/data/depth/*.policy \
			tests/unit/data/good-inc/*.policy \
			tests/unit/data/good-inc/deeper/*.policy
		;;
	site) echo policies/examples/*.site tests/unit/data/site/*.site ;;
	group) echo tests/unit/data/site/groups/* ;;
	esac
}

pid=""
interrupted=0
# The harness runs in the background (its pid names its directory), where
# SIGINT is ignored: it is told with TERM, on which libFuzzer stops.
trap 'interrupted=1; [[ -z $pid ]] || kill -TERM "$pid" 2>/dev/null' INT TERM

failed=0
for name in "$@"; do
	bin=$fb/$name
	log=$fb/$name.log
	seeddir=$fb/seeds/$name
	[[ -x $bin ]] || {
		echo "fuzz: $bin not built" >&2
		exit 2
	}
	rm -rf -- "$seeddir"
	mkdir -p "$seeddir" "$fb/corpus/$name" "$fb/artifacts"
	i=0
	# shellcheck disable=SC2046
	for f in fuzz/corpus/"$name"/* $(seeds "$name"); do
		[[ -f $f ]] || continue
		cp -- "$f" "$seeddir/$i-${f##*/}"
		i=$((i + 1))
	done
	dict=()
	[[ ! -f fuzz/$name.dict ]] || dict=(-dict="fuzz/$name.dict")

	[[ ${V:-} == 1 ]] && echo "fuzz: $name for ${secs}s, $i seeds"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$fb/artifacts/$name-" \
		"${dict[@]}" "$fb/corpus/$name" "$seeddir" >"$log" 2>&1 &
	pid=$!
	wait "$pid"
	rc=$?
	# A trapped signal ends the wait, not the harness: wait for it.
	if kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		rc=$?
	fi
	# A harness that crashed leaves its directory (fuzz/files.c) behind.
	rm -rf -- /dev/shm/edgefw-fuzz."$pid".* /tmp/edgefw-fuzz."$pid".*
	pid=""
	[[ ${V:-} == 1 ]] && cat "$log"

	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	corpus=$(find "$fb/corpus/$name" -type f | wc -l)
	if ((rc == 0)); then
		printf '  %-7s %s: %s runs in %ss, %s, corpus %s: nothing found\n' \
			FUZZ "$name" "${runs:-?}" "$secs" "${cov:-cov: ?}" "$corpus"
	elif ((!interrupted)); then
		failed=1
		printf '  %-7s %s: FAILED (exit %s) after %s runs\n' FUZZ \
			"$name" "$rc" "${runs:-?}"
		[[ ${V:-} == 1 ]] || tail -n 60 "$log" | sed 's/^/    /'
		artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' \
			"$log" | tail -n1)
		if [[ -n $artifact ]]; then
			echo "fuzz: the input: $artifact"
			echo "fuzz: replay it: $bin $artifact"
		fi
		echo "fuzz: the whole log: $log"
	fi
	((!interrupted)) || break
done
((!interrupted)) || echo "fuzz: interrupted"
exit $((failed || interrupted))
