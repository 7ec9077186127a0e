#!/usr/bin/env python3
"""classify.py - the ljsyscall conformance report (tests/ljsyscall/conformance.sh).

    classify.py OUTDIR KEEL [STRACE] [--causes FILE] [--host NAME]

Reads OUTDIR/host.{txt,log} (the host's reference run; NAME.* with --host,
host-root for the root run), OUTDIR/KEEL.{txt,log}
(keel's run, which counts) and, when given, OUTDIR/STRACE.txt (the same suite
in keel with keel.strace: the system calls that failed under each failing
test), and prints the report: both pass counts, the tests the host ran that
keel did not, and every keel failure with a cause:

  not implemented           keel returned ENOSYS, or lacks a file the test needs
  fork needed               fork, vfork, clone of a process, execve or wait
  root or namespace needed  EPERM, or unshare/setns
  skipped by the suite      the suite raised "skipped" (a feature it probed for
                            is missing)
  real difference           none of the above: keel answers, differently from Linux

The cause comes from the failure's message and the failing system calls;
FILE (tests/ljsyscall/causes.txt, the tests allowed to fail) names it for
the tests it lists: lines "TEST CAUSE [note...]", CAUSE one of
not-implemented, fork, root, skipped, difference, and one "total N" line
(the check in lib.sh reads it; skipped here).
"""
import re
import sys

CAUSES = {
    "not-implemented": "not implemented",
    "fork": "fork needed",
    "root": "root or namespace needed",
    "skipped": "skipped by the suite",
    "difference": "real difference",
}
ORDER = list(CAUSES.values())
FORK_CALLS = {"fork", "vfork", "clone", "clone3", "execve", "execveat", "wait4", "waitid"}
NS_CALLS = {"unshare", "setns"}
ENOSYS, EPERM = "ENOSYS", "EPERM"  # keel.strace names errors as strace does


def failures(path):
    """{test: (message, [(call, errno)...])} from a ljs_summarize file."""
    out, cur = {}, None
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return out
    section = False
    for line in lines:
        if line == "failing tests:":
            section = True
            continue
        if section and not line.startswith("    "):
            section = False
        if not section:
            continue
        m = re.match(r"^        errors: (.*)$", line)
        if m and cur:
            errs = [tuple(e.split("=", 1)) for e in m.group(1).split()]
            out[cur] = (out[cur][0], errs)
            continue
        m = re.match(r"^    ([A-Za-z0-9_]+\.[A-Za-z0-9_]+): ?(.*)$", line)
        if m:
            cur = m.group(1)
            out[cur] = (m.group(2), [])
    return out


def ran(path):
    """The tests a log reports (PASS or FAIL lines)."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return set()
    return set(re.findall(r"^(?:PASS|FAIL) ([A-Za-z0-9_]+\.[A-Za-z0-9_]+)", text, re.M))


def field(path, key):
    try:
        for line in open(path, encoding="utf-8", errors="replace"):
            if line.startswith(key + ": "):
                return line[len(key) + 2:].strip()
    except OSError:
        pass
    return None


def first_line(path):
    try:
        return open(path, encoding="utf-8", errors="replace").readline().strip()
    except OSError:
        return "no summary"


def table(path):
    causes = {}
    if not path:
        return causes
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if parts[0] == "total":
            continue
        if len(parts) < 2 or parts[1] not in CAUSES:
            sys.exit(f"{path}:{n}: want 'TEST CAUSE [note]', CAUSE one of {', '.join(CAUSES)}")
        causes[parts[0]] = (CAUSES[parts[1]], parts[2] if len(parts) > 2 else "")
    return causes


def classify(test, msg, errs, causes):
    """(cause, note) for one failure."""
    enosys = [c for c, e in errs if e == ENOSYS]
    nosys = ("; ENOSYS: " + " ".join(dict.fromkeys(enosys))) if enosys else ""
    if test in causes:
        cause, note = causes[test]
        return cause, (note + nosys).lstrip("; ") + " [causes.txt]"
    if re.search(r"(^|: )skipped$", msg):
        return CAUSES["skipped"], nosys.lstrip("; ")
    calls = {c for c, _ in errs}
    if FORK_CALLS & set(enosys) or "fork" in msg.lower():
        return CAUSES["fork"], nosys.lstrip("; ")
    if NS_CALLS & calls or "Operation not permitted" in msg or any(e == EPERM for _, e in errs):
        perm = sorted({c for c, e in errs if e == EPERM or c in NS_CALLS})
        return CAUSES["root"], ("EPERM or namespaces: " + " ".join(perm) + nosys).strip()
    if enosys or "Function not implemented" in msg:
        return CAUSES["not-implemented"], nosys.lstrip("; ")
    return CAUSES["difference"], ""


def main():
    args, causes_file, host = [], None, "host"
    it = iter(sys.argv[1:])
    for a in it:
        if a == "--causes":
            causes_file = next(it)
        elif a == "--host":
            host = next(it)
        else:
            args.append(a)
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    out, keel = args[0], args[1]
    strace = args[2] if len(args) == 3 else None
    causes = table(causes_file)

    kfail = failures(f"{out}/{keel}.txt")
    sfail = failures(f"{out}/{strace}.txt") if strace else {}
    hfail = failures(f"{out}/{host}.txt")
    hran, kran = ran(f"{out}/{host}.log"), ran(f"{out}/{keel}.log")

    print("ljsyscall conformance (tests/ljsyscall/conformance.sh)")
    print(f"keel: {field(f'{out}/{keel}.txt', 'result')} (end reached: {field(f'{out}/{keel}.txt', 'end reached')})")
    print(f"host: {field(f'{out}/{host}.txt', 'result')} (end reached: {field(f'{out}/{host}.txt', 'end reached')}; "
          f"{first_line(f'{out}/{host}.txt')})")
    only_host = sorted(hran - kran)
    if only_host and kran:
        roots = [t for t in only_host if "root" in t]
        print(f"run on the host only: {len(only_host)} tests ({len(roots)} named *root*: the suite keeps"
              " them only as root with a working unshare(newnet, newns, newuts); keel has no unshare:"
              " root or namespace needed)")
    rows = []
    for test in sorted(kfail):
        msg, errs = kfail[test]
        if not errs and test in sfail:
            errs = sfail[test][1]
        cause, note = classify(test, msg, errs, causes)
        also = " (fails on the host too)" if test in hfail else ""
        rows.append((ORDER.index(cause), cause, test, msg, note + also))
    print(f"keel failures by cause ({len(rows)}):")
    for c in ORDER:
        n = sum(1 for r in rows if r[1] == c)
        if n:
            print(f"    {n:4d}  {c}")
    print("keel failures:")
    for _, cause, test, msg, note in sorted(rows):
        print(f"    [{cause}] {test}: {msg}")
        if note.strip():
            print(f"        {note.strip()}")
    if hfail:
        print(f"host failures ({len(hfail)}):")
        for test in sorted(hfail):
            print(f"    {test}: {hfail[test][0]}")
    unused = sorted(set(causes) - set(kfail))
    if unused:
        print(f"{causes_file} allows these to fail, but they passed in keel (remove them):")
        for t in unused:
            print(f"    {t}")


if __name__ == "__main__":
    main()
