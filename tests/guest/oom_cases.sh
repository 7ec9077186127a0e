# oom_cases.sh - the cases of tests/guest/t_oom.c (sourced by
# tests/guest/run.sh, which sets keel, bin, logs and the guest, check, ref
# and result functions; `run.sh oom` runs only these, 20 times each).
# oom_cases RUNS: 13 cases.
# - t_oom-static/-dynamic: oom_score_adj, meminfo, overcommit's heuristic,
#   MAP_NORESERVE, RLIMIT_AS/DATA, against the host's run (-m 48M);
# - oom-kill: RUNS children (every other one with 4 threads) touch memory
#   until the OOM killer ends each:
#   SIGKILL every time, never SIGSEGV, the parent (pid 1) goes on;
# - oom-exempt: RUNS times, a child at oom_score_adj 0 is killed before
#   one at -1000 that eats memory; the exempt one goes last, and the
#   kernel's line says it was chosen only because nobody else could be;
#   oom-exempt-sizes the same with -m 30M, 31M and 33M;
# - oom-commit: RUNS times with overcommit 2, allocation ends in ENOMEM;
# - oom-init: pid 1 touches memory until killed, RUNS boots: status 137,
#   the kernel's line and keel run's reason, never 139;
# - oom-tmpfs: RUNS times /tmp filled to ENOSPC (data, then inodes), the
#   files unlinked and the program goes on; oom-tmpfs-inside the same with
#   the program itself packed under /tmp (in /tmp's tmpfs in the guest):
#   the text pages it faults in while it runs are the initrd's, not
#   charged to /tmp, so the free blocks come back to where they were;
# - oom-sockets: RUNS times socket pairs until a clean error (ENOMEM,
#   EMFILE...), stdio still works, as far each time; oom-pipes the same
#   with pipes; oom-maps: a mapping split into areas until ENOMEM;
# - oom-threads: RUNS times threads with 16 KiB stacks until EAGAIN.
# Each ends with status 0 (or 137 for oom-init), never 139.
oom_cases() {
	local runs=$1 kind want i bad
	gcc -O1 -static -pthread -o "$bin/t_oom-static" tests/guest/t_oom.c &&
		gcc -O1 -pthread -o "$bin/t_oom-dynamic" tests/guest/t_oom.c ||
		echo "guest tests: cannot compile t_oom.c"
	for kind in static dynamic; do
		want=$(cd /tmp && ref "$bin/t_oom-$kind" 2>&1)
		check "t_oom-$kind" 0 "$want" -m 48M -- "$bin/t_oom-$kind"
	done
	guest oom-kill -m 32M -- "$bin/t_oom-static" kill "$runs"
	if [ "$rc" = 0 ] && grep -qx "oom kill: $runs of $runs children killed by SIGKILL" <<<"$out" &&
		[ "$(kernel_said oom-kill | grep -ac '^keel: Out of memory: Killed process')" -ge "$runs" ] &&
		! cat "$logs/oom-kill.log" "$logs/oom-kill.err" | grep -aq SIGSEGV; then
		result oom-kill 1
	else
		result oom-kill 0 "status $rc: $(grep -av '^ok ' <<<"$out" | head -4 | tr '\n' ' ')"
	fi
	guest oom-commit -m 32M -- "$bin/t_oom-static" commit "$runs"
	if [ "$rc" = 0 ] && grep -qx "oom commit: $runs of $runs ended in ENOMEM" <<<"$out" &&
		! kernel_said oom-commit | grep -aq "Out of memory: Killed"; then
		result oom-commit 1
	else
		result oom-commit 0 "status $rc: $(grep -av '^ok ' <<<"$out" | head -4 | tr '\n' ' ')"
	fi
	guest oom-exempt -m 32M -- "$bin/t_oom-static" exempt "$runs"
	# The kernel chose A only with nobody else left: its line says so.
	if [ "$rc" = 0 ] && grep -qx "oom exempt: $runs of $runs killed B (adj 0) before A (-1000)" <<<"$out" &&
		[ "$(kernel_said oom-exempt | grep -ac 'oom_score_adj:-1000 (no other to kill)$')" = "$runs" ] &&
		! kernel_said oom-exempt | grep -aq 'oom_score_adj:-1000$' &&
		! cat "$logs/oom-exempt.log" "$logs/oom-exempt.err" | grep -aq SIGSEGV; then
		result oom-exempt 1
	else
		result oom-exempt 0 "status $rc: $(grep -av '^ok ' <<<"$out" | head -4 | tr '\n' ' ')"
	fi
	# The same at sizes where it once hung: A's mmap was refused for ever
	# at the reserve (its area), so no fault ever reached the killer.
	local m hung=""
	for m in 30M 31M 33M; do
		guest "oom-exempt-$m" -m "$m" -- "$bin/t_oom-static" exempt "$runs"
		grep -qx "oom exempt: $runs of $runs killed B (adj 0) before A (-1000)" <<<"$out" ||
			hung+="$m: status $rc; "
	done
	[ -z "$hung" ]
	result oom-exempt-sizes $((!$?)) "$hung"
	oom_exhaust tmpfs "$runs" "filled /tmp to ENOSPC (data and inodes), unlinked and went on"
	# Whatever the checkout's path, once from /tmp (fresh-clone CI runs
	# from there and once found the charge above off by the text's pages).
	local tdir
	tdir=$(mktemp -d /tmp/keel-oom.XXXXXX)
	cp "$bin/t_oom-static" "$tdir/"
	oom_exhaust tmpfs "$runs" "filled /tmp to ENOSPC (data and inodes), unlinked and went on" \
		"$tdir/t_oom-static" tmpfs-inside
	rm -rf "$tdir"
	oom_exhaust sockets "$runs" "made pairs until a clean error"
	oom_exhaust pipes "$runs" "made pairs until a clean error"
	oom_exhaust maps "$runs" "split a mapping until ENOMEM"
	oom_exhaust threads "$runs" "made threads until EAGAIN"
	bad=0
	for i in $(seq "$runs"); do
		guest oom-init -m 32M -- "$bin/t_oom-static" init
		if [ "$rc" != 137 ] || ! kernel_said oom-init | grep -aq "^keel: out of memory: the first process (pid 1) was killed" ||
			! grep -q "ran out of memory" "$logs/oom-init.err"; then
			bad=$i
			break
		fi
	done
	if [ "$bad" = 0 ]; then
		result oom-init 1
	else
		result oom-init 0 "boot $bad of $runs: status $rc (want 137), or no kernel line or reason"
	fi
}

# oom_exhaust CASE RUNS WHAT [PROGRAM NAME]: t_oom's CASE, RUNS rounds in
# one boot: each ends in a clean error, the program goes on (status 0),
# never SIGSEGV. PROGRAM (t_oom-static) and the result's NAME (oom-CASE).
oom_exhaust() {
	local c=$1 runs=$2 what=$3 prog=${4:-$bin/t_oom-static} name=oom-${5:-$1}
	guest "$name" -m 32M -- "$prog" "$c" "$runs"
	if [ "$rc" = 0 ] && grep -qx "oom $c: $runs of $runs $what" <<<"$out" &&
		! kernel_said "$name" | grep -aq "Out of memory: Killed" &&
		! cat "$logs/$name.log" "$logs/$name.err" | grep -aq SIGSEGV; then
		result "$name" 1
	else
		result "$name" 0 "status $rc: $(grep -av '^ok ' <<<"$out" | grep -v "^$c-" | head -4 | tr '\n' ' ')"
	fi
}
