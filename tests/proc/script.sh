# script.sh - a busybox sh script that needs processes (issue 15), run by
# tests/proc/run.sh with busybox sh in keel and on the host: the outputs
# must be the same. Pipelines, command substitution, a for loop of 200
# iterations each forking, background jobs and wait, trap, redirections,
# subshells, exit statuses. Deterministic: no pids, no times. It works
# in the current directory (an empty one).
set -u
echo "start"

# Pipelines: three processes; the status is the last one's.
printf 'pear\napple\nfig\napple\n' | sort | uniq -c | sed 's/^ *//'
echo "pipeline of 5: $(seq 1 1000 | grep 7 | sort -r | head -3 | tr '\n' ' ')"
false | true; echo "status of false|true: $?"
true | false; echo "status of true|false: $?"

# Command substitution, nested, and with a subshell's exit status.
x=$(echo outer $(echo inner))
echo "subst: $x"
n=$(ls / | wc -l)
[ "$n" -gt 3 ] && echo "subst ls: ok"
y=$(exit 3); echo "subst status: $?"

# 200 iterations, each forking a command substitution and a pipeline.
sum=0
for i in $(seq 1 200); do
	v=$(echo "$i" | tr -d '\n')
	sum=$((sum + v))
done
echo "for 200: sum=$sum"

# Background jobs and wait: statuses of each job.
(sleep 0.2; exit 4) &
a=$!
(exit 5) &
b=$!
wait "$b"; echo "wait b: $?"
wait "$a"; echo "wait a: $?"
for i in 1 2 3 4 5; do (echo "job $i" >"job.$i") & done
wait
cat job.1 job.2 job.3 job.4 job.5
[ "$a" != "$$" ] && echo "bg pid differs from \$\$: ok"

# trap: EXIT in a subshell, a signal sent to ourselves, a child killed.
(trap 'echo "subshell exit trap"' EXIT; echo "in subshell")
trap 'echo "caught USR1"' USR1
kill -USR1 $$
trap - USR1
sleep 10 &
k=$!
kill -TERM "$k"
wait "$k" 2>/dev/null; echo "killed job status: $?"

# Redirections: files, append, stderr, here-documents, fd duplication.
echo one >out.txt
echo two >>out.txt
ls /no/such/file 2>err.txt; echo "ls status: $?"
[ -s err.txt ] && echo "stderr redirected: ok"
cat <out.txt
exec 3>fd3.txt
echo "to fd 3" >&3
exec 3>&-
cat fd3.txt
cat <<END | tr a-z A-Z
here document $((2 + 3))
END
{ echo block-out; echo block-err >&2; } 2>&1 | sort

# Subshells: their variables and directory stay theirs.
v=parent
(v=child; cd /; echo "in subshell: $v $(pwd)")
echo "after subshell: $v"
(exit 7); echo "subshell status: $?"
sh -c 'echo "sh -c: $0 $1"; exit 9' zero one; echo "sh -c status: $?"

# Exec replaces the subshell.
(exec echo "exec'd echo")
echo "end"
