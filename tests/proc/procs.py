# procs.py - Python's ways to make processes (tests/proc/run.sh, issue 15),
# one per run: "subprocess" (subprocess.run(['ls', '/']) and a pipe),
# "fork" (os.fork, os.waitpid, os.pipe), "pool" (multiprocessing.Pool(2)).
# It prints deterministic lines only; the output must match the host's.
import multiprocessing
import os
import subprocess
import sys


def square(x):
    return x * x


def main(what):
    if what == "subprocess":
        r = subprocess.run(["ls", "/"], capture_output=True, text=True)
        print("ls returncode", r.returncode)
        print("ls / lists bin:", "bin" in r.stdout.split())
        r = subprocess.run(["sh", "-c", "read x; echo got $x; exit 4"],
                           input="line\n", capture_output=True, text=True)
        print("sh stdout", r.stdout.strip(), "returncode", r.returncode)
        print("check_output", subprocess.check_output(["echo", "hi"]))
    elif what == "fork":
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.write(w, b"from child")
            os._exit(7)
        os.close(w)
        print("read", os.read(r, 100))
        got, st = os.waitpid(pid, 0)
        print("waitpid pid matches", got == pid)
        print("exit status", os.waitstatus_to_exitcode(st))
        kids = []
        for i in range(5):
            pid = os.fork()
            if pid == 0:
                os._exit(i)
            kids.append(pid)
        print("statuses", [os.waitstatus_to_exitcode(os.waitpid(k, 0)[1])
                           for k in kids])
    elif what == "pool":
        with multiprocessing.Pool(2) as pool:
            print("pool map", pool.map(square, range(10)))
            print("pool workers distinct from us",
                  os.getpid() not in pool.map(_pid, range(4)))
    print(what, "done")


def _pid(_):
    return os.getpid()


if __name__ == "__main__":
    main(sys.argv[1])
