#!/usr/bin/env python3
"""make bench: time migstate against cp -al, rsync --link-dest and the syscall floor.

Trees come from ../shared/bench/mktree.py (deterministic, home-directory shaped), made
once per size and reused by every command. Each command is timed with a warm page cache;
the runs of all commands of one size are interleaved (run 1 of every command, then run 2,
...) so load from other processes on a shared machine spreads over all of them, and the
file system is synced (untimed) after every clean-up so one run's deferred work does not
land in the next. Every command is started with posix_spawn and reaped with wait4, so the
wall time, CPU time (user + sys) and peak RSS are those of that very process.

Reported: median wall, median CPU, largest peak RSS, ratios to `cp -al` and `floor -s`;
the stock MigApp + MigUser + MigDocs compile time and plan size; scan time with 1,000
extra rules that match nothing (literal prefixes that miss, and drive-wide wildcard
leaves that must be evaluated); a scan whose policy includes one user's Documents only.
Results go to stdout and bench/results.md.

Knobs (environment):
  BENCH_SIZES       tree sizes (default "50000 200000": fits in 10 minutes on 2 cores;
                    BENCH_SIZES="50000 200000 1000000" adds the 1M tree, about 3 minutes
                    to generate, and its runs)
  BENCH_RUNS        runs per command for sizes below BENCH_LARGE (default 5)
  BENCH_RUNS_LARGE  runs per command for sizes >= BENCH_LARGE (default 1)
  BENCH_LARGE       what counts as large (default 1000000); at that size rsync and the
                    plain floor are skipped unless BENCH_LARGE_ALL=1
  BENCH_DIR         where the work directory is made (a file system with hard links)
  BENCH_TREES       keep generated trees here and reuse them across bench runs
  BENCH_OUT         results file (default bench/results.md)
  BENCH_ONLY        "like": only the compile and like-for-like rows (for quick iteration)
  BENCH_COUNT       1 (default): also count the instructions of the extra-rules scans on the
                    smallest tree with callgrind (when valgrind is installed)
  BUILD             build directory holding migc and migstate (default build)
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import json
import random
import re

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(REPO, "..", "shared"))
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(REPO, "build")))
MIGC = os.path.join(BUILD, "migc")
MIGSTATE = os.path.join(BUILD, "migstate")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RUNS_LARGE = int(os.environ.get("BENCH_RUNS_LARGE", "1"))
LARGE = int(os.environ.get("BENCH_LARGE", "1000000"))
LARGE_ALL = os.environ.get("BENCH_LARGE_ALL") == "1"
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "50000 200000").split()]
VARS = os.path.join(REPO, "policies", "variables.map")
ONLY = os.environ.get("BENCH_ONLY", "")
OUT = os.environ.get("BENCH_OUT", os.path.join(REPO, "bench", "results.md"))
NUSERS = 4
EXTRA_RULES = 1000

T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


RUSAGE = None  # bench/rusage.c, built into the work directory


def spawn(argv, stdout=os.devnull):
    """Run ARGV once: (wall s, cpu s, peak RSS KiB, exit status, stderr tail, user s).

    Started with posix_spawn through bench/rusage.c, which fork()s the command, reaps it
    with wait4 and reports its own rusage: a child exec()ed straight from Python would
    inherit the interpreter's RSS high-water mark (exec records the old mm's peak)."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as res:
        fa = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
              (os.POSIX_SPAWN_OPEN, 1, stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
              (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        pid = os.posix_spawn(RUSAGE, [RUSAGE, res.name, *argv], os.environ, file_actions=fa)
        _, status, _ = os.wait4(pid, 0)
        err.seek(0)
        tail = err.read()[-600:].decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"rusage {' '.join(argv)}: {tail}")
        wall, cpu, rss, code, user = res.read().split()
    return float(wall), float(cpu), int(rss), int(code), tail, float(user)


def rmtree(path):
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", "--one-file-system", path], check=True)


class Cmd:
    """A benchmarked command: ARGV, made ready by SETUP, undone by CLEANUP."""

    def __init__(self, name, argv, setup=None, cleanup=None, ok=(0,), stdout=None):
        self.name, self.argv, self.setup, self.cleanup = name, argv, setup, cleanup
        self.ok, self.stdout = ok, stdout
        self.walls, self.cpus, self.users, self.rss = [], [], [], 0
        self.output = None

    def once(self):
        if self.setup:
            self.setup()
        os.sync()
        w, c, rss, rc, tail, u = spawn(self.argv, self.stdout or os.devnull)
        if rc not in self.ok:
            raise RuntimeError(f"{self.name}: {' '.join(self.argv)} exited {rc}: {tail}")
        if self.stdout:
            with open(self.stdout) as f:
                self.output = f.read()
        if self.cleanup:
            self.cleanup()
        self.walls.append(w)
        self.cpus.append(c)
        self.users.append(u)
        self.rss = max(self.rss, rss)

    @property
    def wall(self):
        return statistics.median(self.walls)

    @property
    def cpu(self):
        return statistics.median(self.cpus)


def interleave(cmds, runs, label):
    """Run r of every command, for r in 1..RUNS, each round in its own order (shuffled,
    seeded, so reproducible): no command always runs right after the same predecessor
    (on ext4 without a journal a mkdir gets slower the more inodes were freed in the last
    minute, by the clean-up of whatever ran before)."""
    for r in range(runs):
        order = list(cmds)
        random.Random(4242 + r).shuffle(order)
        for c in order:
            c.once()
        log(f"{label}: run {r + 1}/{runs}: " +
            ", ".join(f"{c.name.split(' (')[0]} {c.walls[-1]:.2f}" for c in cmds))


# --- policies ------------------------------------------------------------------------

POLICY_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<migration urlid="https://migstate.invalid/bench/{0}">\n'


def component(name, context, patterns):
    pats = "\n".join(f'            <pattern type="File">{p}</pattern>' for p in patterns)
    return (f'  <component type="Documents" context="{context}">\n'
            f'    <displayName>{name}</displayName>\n    <role role="Data">\n      <rules>\n'
            f'        <include>\n          <objectSet>\n{pats}\n          </objectSet>\n'
            f'        </include>\n      </rules>\n    </role>\n  </component>\n')


def write_everything_policy(work):
    """A policy that captures every user's whole home: the like-for-like rows compare it
    with tools that link every file of the same homes."""
    path = os.path.join(work, "everything.xml")
    with open(path, "w") as f:
        f.write(POLICY_HEAD.format("everything"))
        f.write(component("Whole profile", "User", ["%CSIDL_PROFILE%\\* [*]"]))
        f.write("</migration>\n")
    return path


def write_policies(work):
    """The extra-rules policies (used with miguser.xml) and the one-user policy."""
    lit = os.path.join(work, "extra-literal.xml")
    with open(lit, "w") as f:
        f.write(POLICY_HEAD.format("extra-literal"))
        for i in range(EXTRA_RULES):
            f.write(component(f"NoSuchDir{i}", "User", [f"%CSIDL_PROFILE%\\NoSuchDir{i}\\* [*]"]))
        f.write("</migration>\n")
    wild = os.path.join(work, "extra-wildcard.xml")
    with open(wild, "w") as f:
        f.write(POLICY_HEAD.format("extra-wildcard"))
        for i in range(EXTRA_RULES):
            f.write(component(f"Ext{i}", "System", [f"C:\\* [*.ext{i}]"]))
        f.write("</migration>\n")
    one = os.path.join(work, "one-user.xml")
    with open(one, "w") as f:
        f.write(POLICY_HEAD.format("one-user"))
        f.write(component("user0 Documents", "System", ["C:\\home\\user0\\Documents\\* [*]"]))
        f.write("</migration>\n")
    return lit, wild, one


def compile_plan(out, *xml):
    p = subprocess.run([MIGC, "compile", "--vars", VARS, "-o", out, *xml], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"migc compile {' '.join(xml)}: {p.stderr[-500:]}")
    return out


# --- trees ---------------------------------------------------------------------------

def make_tree(n, work):
    """The tree of N files (from BENCH_TREES when kept there), with ROOT/etc/passwd."""
    keep = os.environ.get("BENCH_TREES")
    base = keep if keep else work
    src = os.path.join(base, f"tree{n}")
    stamp = os.path.join(src, ".bench-complete")
    if not os.path.exists(stamp):
        rmtree(src)
        log(f"generating {n} files (mktree.py)")
        subprocess.run([sys.executable, os.path.join(SHARED, "bench", "mktree.py"), src, str(n)],
                       check=True, capture_output=True)
        os.makedirs(os.path.join(src, "etc"), exist_ok=True)
        with open(os.path.join(src, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
            for u in range(NUSERS):
                f.write(f"user{u}:x:{1000 + u}:{1000 + u}::/home/user{u}:/bin/sh\n")
        with open(stamp, "w") as f:
            f.write("ok\n")
    for leftover in ("store", "store-x"):
        rmtree(os.path.join(src, leftover))
    return src


def count_files(src):
    n = 0
    for _, _, files in os.walk(src):
        n += len(files)
    return n


# --- one size --------------------------------------------------------------------------

def scan_argv(store, plan, src, extra=()):
    return [MIGSTATE, "scan", store, "--plan", plan, "--hardlink", "--nocompress", "--root", src,
            "--min-free", "1", "--log", "/dev/null", "--json", *extra]


def load_cmd(name, work, src, store, plan):
    """A load of one scan's store (made now, untimed, then renamed into a fresh root on the
    same file system that holds only etc/passwd) into that root: (the Cmd, the root).
    Each run starts from that root with nothing restored yet."""
    lroot = os.path.join(work, "loadroot")
    rmtree(lroot)
    os.makedirs(os.path.join(lroot, "etc"))
    shutil.copy(os.path.join(src, "etc", "passwd"), os.path.join(lroot, "etc", "passwd"))
    rmtree(store)
    w, c, rss, rc, tail, u = spawn(scan_argv(store, plan, src))
    if rc != 0:
        raise RuntimeError(f"scan for the load benchmark exited {rc}: {tail}")
    os.rename(store, os.path.join(lroot, "store"))

    def clean_load():
        for d in os.listdir(lroot):
            if d not in ("etc", "store"):
                rmtree(os.path.join(lroot, d))
        j = os.path.join(lroot, "store", "MIGSTATE", "restored")
        if os.path.exists(j):
            os.unlink(j)

    return Cmd(name, [MIGSTATE, "load", os.path.join(lroot, "store"), "--plan", plan, "--hardlink",
                      "--nocompress", "--root", lroot, "--log", "/dev/null"], clean_load, clean_load), lroot


def bench_size(n, work, plans, floor, md):
    large = n >= LARGE
    runs = RUNS_LARGE if large else RUNS
    src = make_tree(n, work)
    # warm the cache for every command alike
    subprocess.run(["find", src, "-printf", ""], check=True)
    dst = os.path.join(work, "dst")
    store = os.path.join(src, "store")
    jout = os.path.join(work, "scan.json")

    def clean_dst():
        rmtree(dst)

    def mk_dst():
        clean_dst()
        os.makedirs(dst)

    def clean_store():
        rmtree(store)

    base = [
        Cmd("floor -s (walk+mkdir+stat+link)", [floor, "-s", src, dst], mk_dst, clean_dst),
        Cmd("cp -al", ["cp", "-al", src, dst], clean_dst, clean_dst),
    ]
    if not large or LARGE_ALL:
        base.insert(0, Cmd("floor (walk+mkdir+link)", [floor, src, dst], mk_dst, clean_dst))
        base.append(Cmd("rsync -a --link-dest", ["rsync", "-a", "--link-dest=" + src, src + "/", dst + "/"],
                        mk_dst, clean_dst))
    scan = Cmd("migstate scan (miguser.xml)", scan_argv(store, plans["miguser"], src), clean_store,
               clean_store, stdout=jout)
    cmds = base + [scan]
    # load: the store of one scan, moved (renamed) into a fresh root on the same file system
    load, lroot = load_cmd("migstate load (same store, fresh root)", work, src, store, plans["miguser"])
    cmds.append(load)
    extra = []
    if not large:
        extra = [Cmd(f"scan + {EXTRA_RULES} literal-prefix rules", scan_argv(store, plans["literal"], src),
                     clean_store, clean_store, stdout=jout + ".lit"),
                 Cmd(f"scan + {EXTRA_RULES} wildcard rules", scan_argv(store, plans["wildcard"], src),
                     clean_store, clean_store, stdout=jout + ".wild")]
    one = Cmd("scan, one user's Documents only", scan_argv(store, plans["one"], src), clean_store,
              clean_store, stdout=jout + ".one")
    cmds += extra + [one]
    log(f"{n} files: {len(cmds)} commands x {runs} runs")
    interleave(cmds, runs, f"{n}")
    rmtree(lroot)

    info = json.loads(scan.output) if scan.output else {}
    total = count_files(src) - 1  # the stamp file
    captured = info.get("files_linked", 0) + info.get("files_copied", 0) + info.get("files_reflinked", 0)
    cp = next(c for c in cmds if c.name == "cp -al").wall
    fl = next(c for c in cmds if c.name.startswith("floor -s")).wall
    md.append(f"\n### {n} files ({'median of' if runs > 1 else 'one run,'} {runs if runs > 1 else ''}"
              f"{' runs' if runs > 1 else 'no median'}{'; rsync and the plain floor skipped at this size' if large and not LARGE_ALL else ''})\n")
    md.append(f"The tree: {total} files; migstate scan with miguser.xml captures {captured} of them "
              f"({100 * captured / max(total, 1):.0f}%) and records "
              f"{info.get('parent_directories', 0)} parent directories; the floor, cp and rsync "
              f"link all {total}.\n")
    md.append("| command | wall s | cpu s | peak RSS MiB | vs cp -al | vs floor -s |")
    md.append("|---|---|---|---|---|---|")
    for c in cmds:
        md.append(f"| {c.name} | {c.wall:.3f} | {c.cpu:.3f} | {c.rss / 1024:.1f} | "
                  f"{c.wall / cp:.2f}x | {c.wall / fl:.2f}x |")
    def files_of(c):
        j = json.loads(c.output) if c.output else {}
        return j.get("files_linked", 0) + j.get("files_copied", 0) + j.get("files_reflinked", 0)

    def paired(a, b, key):
        """Median over runs of A/B, each run's pair measured back to back (interleaved):
        steadier than a ratio of medians on a machine whose load drifts."""
        return statistics.median(x / y for x, y in zip(getattr(a, key), getattr(b, key)))

    notes = []
    for e in extra:
        notes.append(f"- {e.name} (captures {files_of(e)} files, as the plain scan; the same system "
                     f"calls): {100 * (paired(e, scan, 'walls') - 1):+.1f}% wall, "
                     f"{100 * (paired(e, scan, 'cpus') - 1):+.1f}% CPU (medians of the per-run ratios), "
                     f"{100 * (min(e.walls) / min(scan.walls) - 1):+.1f}% best run to best run, "
                     f"{100 * (statistics.median(e.users) / statistics.median(scan.users) - 1):+.1f}% "
                     f"user-space CPU ({statistics.median(e.users):.3f} s vs {statistics.median(scan.users):.3f} s) "
                     f"vs the plain scan (target: at most +10%)")
    notes.append(f"- one user's Documents only (captures {files_of(one)} files): "
                 f"{100 * one.wall / scan.wall:.1f}% of the full scan's wall time, "
                 f"{100 * one.cpu / scan.cpu:.1f}% of its CPU (target < 5%)")
    ld = load.wall / cp
    notes.append(f"- scan {scan.wall / cp:.2f}x cp -al and {scan.wall / fl:.2f}x floor -s in wall time "
                 f"({scan.cpu / next(c for c in cmds if c.name == 'cp -al').cpu:.2f}x and "
                 f"{scan.cpu / next(c for c in cmds if c.name.startswith('floor -s')).cpu:.2f}x in CPU); "
                 f"load {ld:.2f}x cp -al; scan peak RSS {scan.rss / 1024:.1f} MiB")
    md.append("\n" + "\n".join(notes))
    return {c.name: c for c in cmds}


def bench_like_for_like(n, work, plans, floor, md):
    """Same files, same work on both sides: a policy that captures every user's whole home
    against tools that link every file of the same homes; load of that store against
    `cp -al` of the same files into a fresh tree; rd of that store against `rm -rf` of an
    identical store (made by the same scan, untimed). Ratios are medians of the per-round
    ratios (each round runs every command once, in a shuffled order)."""
    large = n >= LARGE
    runs = RUNS_LARGE if large else RUNS
    src = make_tree(n, work)
    homes = os.path.join(src, "home")
    subprocess.run(["find", src, "-printf", ""], check=True)
    nfiles = count_files(homes)
    dst = os.path.join(work, "dst")
    store = os.path.join(src, "store")
    jout = os.path.join(work, "all.json")
    plan = plans["everything"]

    def clean_dst():
        rmtree(dst)

    def mk_dst():
        clean_dst()
        os.makedirs(dst)

    def clean_store():
        rmtree(store)

    def fresh_store():
        clean_store()
        w, c, rss, rc, tail, u = spawn(scan_argv(store, plan, src))
        if rc != 0:
            raise RuntimeError(f"scan (setup of rd / rm -rf) exited {rc}: {tail}")

    cp = Cmd("cp -al of the homes", ["cp", "-al", homes, os.path.join(dst, "home")], mk_dst, clean_dst)
    fl = Cmd("floor -s of the homes", [floor, "-s", homes, os.path.join(dst, "home")], mk_dst, clean_dst)
    scan = Cmd("migstate scan (whole homes)", scan_argv(store, plan, src), clean_store, clean_store,
               stdout=jout)
    load, lroot = load_cmd("migstate load (that store, fresh root)", work, src, store, plan)
    rd = Cmd("migstate rd (that store)", [MIGSTATE, "rd", store, "-y"], fresh_store, clean_store)
    rm = Cmd("rm -rf (an identical store)", ["rm", "-rf", store], fresh_store, clean_store)
    cmds = [cp, fl, scan, load, rd, rm]
    log(f"{n} files, like for like: {len(cmds)} commands x {runs} runs")
    interleave(cmds, runs, f"{n} like-for-like")
    rmtree(lroot)
    info = json.loads(scan.output) if scan.output else {}
    captured = info.get("files_linked", 0) + info.get("files_copied", 0) + info.get("files_reflinked", 0)

    def paired(a, b, key="walls"):
        return statistics.median(x / y for x, y in zip(getattr(a, key), getattr(b, key)))

    rows = [
        (scan, cp, "walls", 0.55, "wall"), (scan, cp, "cpus", 1.0, "CPU"), (scan, fl, "walls", None, "wall"),
        (load, cp, "walls", 0.7, "wall"), (rd, rm, "walls", 0.9, "wall"),
    ]
    md.append(f"\n### Like for like, {n} files ({runs} run{'s' if runs > 1 else ''})\n")
    md.append(f"Policy: `%CSIDL_PROFILE%\\* [*]` for every user. The homes hold {nfiles} files; scan "
              f"captures {captured} of them; `cp -al` and `floor -s` link the same {nfiles}; load places "
              f"the {captured} files of that store into a fresh root; rd removes that store and `rm -rf` "
              f"an identical one (each made by the same scan, untimed).\n")
    md.append("| command | wall s | cpu s | peak RSS MiB |")
    md.append("|---|---|---|---|")
    for c in cmds:
        md.append(f"| {c.name} | {c.wall:.3f} | {c.cpu:.3f} | {c.rss / 1024:.1f} |")
    md.append("\n| ratio (median of per-round ratios) | value | target |")
    md.append("|---|---|---|")
    for a, b, key, target, what in rows:
        r = paired(a, b, key)
        verdict = "" if target is None else (f"<= {target} {'met' if r <= target else 'NOT met'}")
        md.append(f"| {a.name} / {b.name}, {what} | {r:.2f}x | {verdict} |")
    return {c.name: c for c in cmds}


def instructions(argv, work):
    """User-space instructions of one run of ARGV under callgrind, without those of the
    SHA-256 block function (valgrind hides the CPU's SHA instructions, so the catalog
    hash would run the portable code there and drown everything else). None when
    valgrind is not installed."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    out = os.path.join(work, "callgrind.out")
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                       capture_output=True)
    if p.returncode != 0:
        return None
    ann = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", out],
                         capture_output=True, text=True).stdout
    total = sha = 0
    for line in ann.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S.*)$", line)
        if not m:
            continue
        n, what = int(m.group(1).replace(",", "")), m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = n
        elif re.search(r"sha256\.c:blocks?(_c)? ", what):
            sha += n
    os.unlink(out)
    return total - sha


def skeleton(src, work):
    """A root with SRC's users and empty homes: what a scan costs before the first file
    (plan load and check, binding every rule for every user, the path index)."""
    sk = os.path.join(work, "skeleton")
    rmtree(sk)
    os.makedirs(os.path.join(sk, "etc"))
    shutil.copy(os.path.join(src, "etc", "passwd"), os.path.join(sk, "etc", "passwd"))
    with open(os.path.join(sk, "etc", "passwd")) as f:
        for line in f:
            home = line.split(":")[5] if line.count(":") >= 6 else ""
            if home.startswith("/") and home != "/":
                os.makedirs(sk + home, exist_ok=True)
    return sk


def bench_rules_instructions(n, work, plans, md):
    """The extra rules' cost without the noise of a shared machine: instructions counted
    (the system calls are the same ones: same files examined, linked, recorded), split
    into the fixed cost of starting (counted on a root with the same users and empty
    homes) and what the tree adds on top (the cost of the decisions)."""
    src = make_tree(n, work)
    sk = skeleton(src, work)
    counts, fixed = {}, {}
    for key in ("miguser", "literal", "wildcard"):
        for root, into in ((src, counts), (sk, fixed)):
            store = os.path.join(root, "store")
            rmtree(store)
            into[key] = instructions(scan_argv(store, plans[key], root), work)
            rmtree(store)
            if into[key] is None:
                return
    rmtree(sk)
    base = counts["miguser"]
    tree = {k: counts[k] - fixed[k] for k in counts}

    def pct(a, b):
        return f"{100 * (a / b - 1):+.1f}%"
    md.append(f"\n### {EXTRA_RULES} extra rules, counted ({n} files, callgrind)\n\n"
              f"User-space instructions of one scan, without the SHA-256 block function.\n\n"
              f"| plan | whole scan | fixed (empty homes) | the tree's share | per object |\n"
              f"|---|---|---|---|---|\n" +
              "".join(f"| {label} | {counts[k] / 1e6:.0f} M ({pct(counts[k], base)}) | "
                      f"{fixed[k] / 1e6:.1f} M | {tree[k] / 1e6:.0f} M ({pct(tree[k], tree['miguser'])}) | "
                      f"{tree[k] / (n + 1):.0f} |\n"
                      for k, label in (("miguser", "miguser.xml"),
                                       ("literal", f"+ {EXTRA_RULES} literal-prefix rules"),
                                       ("wildcard", f"+ {EXTRA_RULES} wildcard rules"))) +
              f"\nThe fixed part is paid once per scan (the plan is loaded and checked, each rule "
              f"bound for each user, the path index built), so its share shrinks as the tree "
              f"grows; the tree's share is what the decisions cost, and it must not grow with "
              f"the rule count. User space is about a tenth of a scan's time (the table's CPU "
              f"minus the kernel's).")


def bench_compile(work, md):
    corpus = os.path.join(SHARED, "corpus")
    trio = [os.path.join(corpus, f"conradhyler-usmt__{x}.xml") for x in ("MigApp", "MigUser", "MigDocs")]
    if not all(os.path.exists(t) for t in trio):
        md.append("\n### Compiling the stock trio\n\nnot found in ../shared/corpus")
        return
    out = os.path.join(work, "trio.plan")
    c = Cmd("migc compile trio", [MIGC, "compile", "--vars", VARS, "-o", out] + trio)
    x = Cmd("xmllint --noout trio", ["xmllint", "--noout"] + trio) if shutil.which("xmllint") else None
    interleave([c] + ([x] if x else []), max(RUNS, 5), "compile")
    xml_bytes = sum(os.path.getsize(t) for t in trio)
    size = os.path.getsize(out)
    md.append(f"\n### Compiling the stock MigApp + MigUser + MigDocs\n\n"
              f"median {c.wall * 1000:.0f} ms wall ({c.cpu * 1000:.0f} ms CPU, peak RSS {c.rss / 1024:.1f} MiB) "
              f"over {len(c.walls)} runs (target < 150 ms); plan {size} bytes = {100 * size / xml_bytes:.1f}% "
              f"of {xml_bytes} XML bytes (target < 25%)")
    if x:
        r = statistics.median(a / b for a, b in zip(c.walls, x.walls))
        md.append(f"\nLike for like: `xmllint --noout` of the same three files (whole process) takes "
                  f"{x.wall * 1000:.0f} ms; compile / xmllint = {r:.2f}x (median of per-round ratios; "
                  f"target <= 1.5 {'met' if r <= 1.5 else 'NOT met'})")


def main():
    for b in (MIGC, MIGSTATE):
        if not os.access(b, os.X_OK):
            sys.exit(f"bench: {b} not built (make all, or BUILD=...)")
    work = tempfile.mkdtemp(prefix="migstate-bench.", dir=os.environ.get("BENCH_DIR"))
    load_before = os.getloadavg()
    md = []
    try:
        global RUSAGE
        RUSAGE = os.path.join(work, "rusage")
        subprocess.run(["cc", "-O2", "-static", "-o", RUSAGE, os.path.join(REPO, "bench", "rusage.c")],
                       check=True)
        floor = os.path.join(work, "floor")
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(SHARED, "bench", "floor.c")], check=True)
        lit, wild, one = write_policies(work)
        miguser = os.path.join(REPO, "policies", "miguser.xml")
        plans = {
            "miguser": compile_plan(os.path.join(work, "miguser.plan"), miguser),
            "literal": compile_plan(os.path.join(work, "literal.plan"), miguser, lit),
            "wildcard": compile_plan(os.path.join(work, "wildcard.plan"), miguser, wild),
            "one": compile_plan(os.path.join(work, "one.plan"), one),
            "everything": compile_plan(os.path.join(work, "everything.plan"), write_everything_policy(work)),
        }
        bench_compile(work, md)
        counted = min(SIZES) if SIZES else None
        for n in SIZES:
            if ONLY != "like":
                bench_size(n, work, plans, floor, md)
            bench_like_for_like(n, work, plans, floor, md)
            if n == counted and ONLY != "like" and os.environ.get("BENCH_COUNT", "1") == "1":
                bench_rules_instructions(n, work, plans, md)
            if not os.environ.get("BENCH_TREES"):
                rmtree(os.path.join(work, f"tree{n}"))
    finally:
        rmtree(work)
    elapsed = time.perf_counter() - T0
    knobs = " ".join(f"{k}={os.environ[k]!r}" for k in ("BENCH_SIZES", "BENCH_RUNS", "BENCH_RUNS_LARGE",
                                                        "BENCH_TREES", "BENCH_ONLY") if k in os.environ)
    head = (f"# Benchmark results\n\nMachine: {os.cpu_count()} cores ({os.uname().machine}, Linux "
            f"{os.uname().release}), warm page cache, file system synced "
            f"(untimed) before every run, the runs of one size interleaved (each round in "
            f"its own shuffled order); load average {load_before[0]:.2f} (1 min) at the start, "
            f"{os.getloadavg()[0]:.2f} at the end, so a reader can tell a quiet run from a busy one. Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
            f"`make bench`{' with ' + knobs if knobs else ''} in {elapsed:.0f} s (tree generation "
            f"included{', except for the trees kept in BENCH_TREES' if 'BENCH_TREES' in os.environ else ''}).\n"
            f"Wall and CPU (user+sys) are medians; peak RSS is the largest of the runs, of the "
            f"command's own process (posix_spawn + fork + wait4, see bench/README.md). migstate is "
            f"`{MIGSTATE}`.\n")
    text = head + "\n".join(md) + "\n"
    print(text)
    with open(OUT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
