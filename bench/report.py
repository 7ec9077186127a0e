#!/usr/bin/env python3
"""bench/report.py - one table of every benchmark result against its Linux VM
figure, and plots of the sweeps, from what the bench scripts left in a
directory (default build/bench).

usage: python3 bench/report.py [DIR] [--out OUTDIR] [--no-plots] [--png]

Reads, under DIR:
  - key=value summaries (*.txt: boot-time.txt, luajit/luajit.txt, net/net.txt,
    storage/storage.txt, proc/proc.txt, ...): every numeric key with a token
    "keel" (keel_rps_median, read_4096_keel_median) is paired with the same
    key with "linux" in its place; lists (the per-run values) are left out;
  - column tables (xen-net.txt, xen-boot.txt): a header line starting
    "guest" or "config", then rows named linux and keel...; each keel row's
    numeric columns beside the linux row's;
  - memory searches (mem-search.txt): "KIND -m MIB: RESULT" lines.
Writes OUTDIR (default DIR): report.md (the table, ratio = keel / Linux, and
the list of plots), and with gnuplot (Debian's gnuplot-nox) plots/*.svg:
ratios.svg (every ratio), one plot per sweep (keys that differ only in a
number, e.g. read_4096_keel_median ... read_1048576_keel_median) and one per
memory search (--png: PNG files instead). Prints the table. Exits 0, or 1 when DIR holds no result.
"""
import os
import re
import shutil
import subprocess
import sys

KV = re.compile(r"^([A-Za-z0-9_]+)=(.*)$")
NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MEM = re.compile(r"^(\S+) -m (\d+): (.*)$")


def number(s):
    s = s.strip()
    return float(s) if NUM.match(s) else None


def ratio(k, l):
    """keel / Linux as text, NA when either is missing or Linux's is 0."""
    if k is None or l is None or l == 0:
        return "NA"
    return "%.3f" % (k / l)


class Row:
    def __init__(self, bench, measure, keel, linux):
        self.bench, self.measure = bench, measure
        self.keel, self.linux = keel, linux  # text, as the bench wrote it

    def ratio(self):
        return ratio(number(self.keel), number(self.linux))


def bench_name(root, path):
    """net/net.txt -> net; luajit/mem-search.txt -> luajit/mem-search."""
    d, f = os.path.split(os.path.relpath(path, root))
    f = f[:-4] if f.endswith(".txt") else f
    return f if not d or d == f else d + "/" + f


UNITS = {"s": "(s)", "ns": "(ns)", "ms": "(ms)", "mib": "(MiB)", "kib": "(KiB)",
         "mbs": "(MB/s)", "mbps": "(MB/s)", "mbit": "(Mbit/s)"}


def measure_name(tokens):
    """read_4096_median -> 'read 4096 median'; first_answer_median_s ->
    'first answer median (s)'; roundtrips_per_s -> 'roundtrips (/s)'."""
    tokens = [t for t in tokens if t]
    if tokens[-2:] == ["per", "s"]:
        tokens[-2:] = ["(/s)"]
    return " ".join(UNITS.get(t, t) for t in tokens) or "value"


def pairs_of(kv):
    """(measure tokens, keel text, linux text) for each keel key of kv."""
    for key, val in kv.items():
        toks = key.split("_")
        if "keel" not in toks or "," in val or "runs" in toks:
            continue  # not a keel figure, or the list of runs (one run: no comma)
        i = toks.index("keel")
        other = "_".join(toks[:i] + ["linux"] + toks[i + 1:])
        if other not in kv or "," in kv[other]:
            continue
        if number(val) is None and number(kv[other]) is None:
            continue  # neither is a figure (a name, a digest, NA twice)
        yield toks[:i] + toks[i + 1:], val, kv[other].strip()


def read_kv(path, warn):
    kv = {}
    for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = KV.match(line)
        if m:
            kv[m.group(1)] = m.group(2)
        elif not kv:
            return None  # not a key=value file
        else:
            warn("%s:%d: not KEY=VALUE, left out: %.60s" % (path, n, line))
    return kv


def read_table(path):
    """{row name: {column: text}} from a column table, or None."""
    rows, cols = {}, None
    for line in open(path, encoding="utf-8", errors="replace"):
        w = line.split()
        if not w or line.startswith("#"):
            cols = None if not w else cols
            continue
        if w[0] in ("guest", "config"):
            cols = w
            continue
        if cols and len(w) == len(cols) and not w[0].endswith(":"):
            rows[w[0]] = dict(zip(cols, w))
    return rows or None


def table_rows(bench, rows):
    linux = rows.get("linux")
    if not linux:
        return []
    out = []
    for name, row in rows.items():
        if not name.startswith("keel"):
            continue
        for col, val in row.items():
            if col in ("guest", "config", "ok", "mem_mib") or number(val) is None:
                continue
            who = "" if name == "keel" else name + ": "  # keel-none: first line
            out.append(Row(bench, who + measure_name(col.split("_")), val, linux.get(col, "NA")))
    return out


def read_mem(path):
    """{kind: [(mib, ok, seconds or None)]} from a memory search log."""
    out = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = MEM.match(line.strip())
        if not m:
            continue
        res = m.group(3)
        ok = not (res.startswith("FAIL") or res.startswith("does not") or "failed" in res)
        out.setdefault(m.group(1), []).append((int(m.group(2)), ok, number(res)))
    return out


def sweeps_of(bench, kv):
    """{(bench, pattern): [(x, keel, linux)]}: keys equal but for one number."""
    out = {}
    for toks, k, l in pairs_of(kv):
        nums = [i for i, t in enumerate(toks) if t.isdigit()]
        if len(nums) != 1:
            continue
        i = nums[0]
        pat = measure_name(toks[:i] + ["N"] + toks[i + 1:])
        out.setdefault((bench, pat), []).append((int(toks[i]), number(k), number(l)))
    return {key: sorted(v) for key, v in out.items() if len(v) >= 2}


def collect(root, warn):
    rows, sweeps, mems = [], {}, {}
    files = []
    for d, _, names in os.walk(root):
        if os.path.basename(d) in ("logs", "plots", "linux"):
            continue
        files += [os.path.join(d, n) for n in names if n.endswith(".txt")]
    for path in sorted(files):
        bench = bench_name(root, path)
        if os.path.basename(path) == "mem-search.txt":
            m = read_mem(path)
            if m:
                mems[bench] = m
            continue
        kv = read_kv(path, warn)
        if kv:
            for toks, k, l in pairs_of(kv):
                rows.append(Row(bench, measure_name(toks), k, l))
            sweeps.update(sweeps_of(bench, kv))
            continue
        t = read_table(path)
        if t:
            rows += table_rows(bench, t)
    return rows, sweeps, mems


def markdown(rows):
    out = ["| bench | measure | keel | Linux VM | keel/Linux |",
           "| --- | --- | ---: | ---: | ---: |"]
    for r in rows:
        out.append("| %s | %s | %s | %s | %s |" % (r.bench, r.measure, r.keel, r.linux, r.ratio()))
    return "\n".join(out)


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")


def gnuplot(script, cwd):
    p = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "gnuplot failed")


# svg (the default) or png (--png): gnuplot's terminal and the files' suffix.
FMT = {"ext": "svg", "term": "svg size %d,%d dynamic font \"sans,%d\""}


def term(w, h, pt):
    return "set terminal " + FMT["term"] % (w, h, pt) + "\n"


def head():
    return term(800, 480, 11) + "set grid\nset key top left\n"


def plot_ratios(rows, pdir):
    data = [(r.bench + ": " + r.measure, r.ratio()) for r in rows if r.ratio() != "NA"]
    if not data:
        return None
    with open(os.path.join(pdir, "ratios.dat"), "w") as f:
        for i, (name, v) in enumerate(data):
            f.write('%d %s "%s"\n' % (i, v, name.replace('"', "'")))
    h = max(300, 22 * len(data) + 80)
    vals = [float(v) for _, v in data]
    lo, hi = min(vals + [1.0]) / 1.5, max(vals + [1.0]) * 1.5
    gnuplot(term(1000, h, 10) + 'set grid x\n'
            'set output "ratios.%s"\nset title "keel / Linux VM (1 = the same)"\n'
            'set logscale x 2\nset xrange [%g:%g]\nset ytics scale 0\nset yrange [%d:-1]\nunset key\n'
            'set style fill solid 0.6\n'
            'plot "ratios.dat" using (1):1:($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2):($1-0.35):($1+0.35):ytic(3) '
            'with boxxyerror\n' % (FMT["ext"], lo, hi, len(data)), pdir)
    return "ratios." + FMT["ext"]


def plot_sweep(bench, pat, pts, pdir):
    name = "sweep-%s-%s" % (slug(bench), slug(pat))
    with open(os.path.join(pdir, name + ".dat"), "w") as f:
        for x, k, l in pts:
            f.write("%d %s %s\n" % (x, "NaN" if k is None else k, "NaN" if l is None else l))
    xs = [p[0] for p in pts]
    log = "set logscale x 2\n" if min(xs) > 0 and max(xs) / min(xs) >= 16 else ""
    lines = ['"%s.dat" using 1:2 with linespoints title "keel"' % name]
    if any(p[2] is not None for p in pts):
        lines.append('"%s.dat" using 1:3 with linespoints title "Linux VM"' % name)
    gnuplot(head() + log + 'set output "%s.%s"\nset title "%s: %s"\nset xlabel "N"\n'
            'set format x "%%.0f"\nset yrange [0:*]\nset offsets graph 0.03, graph 0.03\n'
            'plot %s\n' % (name, FMT["ext"], bench, pat, ", ".join(lines)), pdir)
    return name + "." + FMT["ext"]


def plot_mem(bench, kinds, pdir):
    name = "mem-%s" % slug(bench)
    lines = []
    for i, (kind, pts) in enumerate(sorted(kinds.items())):
        dat = "%s-%s.dat" % (name, slug(kind))
        with open(os.path.join(pdir, dat), "w") as f:
            for mib, ok, _ in sorted(pts):
                f.write("%d %d\n" % (mib, 1 if ok else 0))
        lines.append('"%s" using 1:($2*0.8+%g) with points pt %d ps 1.5 title "%s"'
                     % (dat, i * 0.1, 7 + 2 * i, kind))
    gnuplot(head() + 'set output "%s.%s"\nset title "%s: runs at each -m"\n'
            'set xlabel "guest memory, MiB"\nset yrange [-0.2:1.3]\nset ytics ("failed" 0.05, "ran" 0.85)\n'
            'set logscale x 2\nset offsets graph 0.05, graph 0.05\nplot %s\n' % (name, FMT["ext"], bench, ", ".join(lines)), pdir)
    return name + "." + FMT["ext"]


def plots(rows, sweeps, mems, pdir, warn):
    if not shutil.which("gnuplot"):
        warn("no gnuplot: plots left out (make deps installs gnuplot-nox)")
        return []
    os.makedirs(pdir, exist_ok=True)
    made = []
    jobs = [lambda: plot_ratios(rows, pdir)]
    jobs += [lambda b=b, p=p, v=v: plot_sweep(b, p, v, pdir) for (b, p), v in sorted(sweeps.items())]
    jobs += [lambda b=b, k=k: plot_mem(b, k, pdir) for b, k in sorted(mems.items())]
    for job in jobs:
        try:
            f = job()
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            warn("a plot failed: %s" % e)
            continue
        if f:
            made.append(f)
    return made


def main(argv):
    args, out, want_plots = [], None, True
    it = iter(argv)
    for a in it:
        if a == "--out":
            out = next(it, None)
        elif a == "--no-plots":
            want_plots = False
        elif a == "--png":
            FMT.update(ext="png", term="pngcairo size %d,%d font \"sans,%d\"")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
    root = args[0] if args else "build/bench"
    out = out or root
    warns = []
    warn = warns.append
    if not os.path.isdir(root):
        print("report: %s: no such directory (run make bench first)" % root, file=sys.stderr)
        return 1
    rows, sweeps, mems = collect(root, warn)
    if not rows and not mems:
        print("report: no results under %s (run make bench first)" % root, file=sys.stderr)
        return 1
    os.makedirs(out, exist_ok=True)
    made = plots(rows, sweeps, mems, os.path.join(out, "plots"), warn) if want_plots else []
    table = markdown(rows)
    with open(os.path.join(out, "report.md.tmp"), "w") as f:
        f.write("# keel against a Linux VM in the same QEMU\n\n")
        f.write("Every figure as its bench script wrote it (medians; units in the measure's name and\n"
                "bench/README.md), beside the Linux VM's; keel/Linux is keel's figure divided by\n"
                "Linux's, so for times below 1 is better for keel, for rates above 1.\n\n")
        f.write(table + "\n")
        if made:
            f.write("\nPlots (plots/):\n\n" + "".join("- [%s](plots/%s)\n" % (p, p) for p in made))
        if warns:
            f.write("\nNotes:\n\n" + "".join("- %s\n" % w for w in warns))
    os.replace(os.path.join(out, "report.md.tmp"), os.path.join(out, "report.md"))
    print(table)
    for w in warns:
        print("report: %s" % w, file=sys.stderr)
    print("report: %s/report.md, %d figures, %d plots" % (out, len(rows), len(made)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
