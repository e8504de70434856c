#!/usr/bin/env python3
"""Issue #8 experiment: io_uring batching and a second thread vs the syscall floor.

Builds bench/experiments/uring_floor.c, ../shared/bench/floor.c and bench/rusage.c into a
temporary work directory, generates the trees with ../shared/bench/mktree.py there (removed
at the end) or, with TREES=DIR, reuses DIR/treeN when it has bench/run.py's .bench-complete
stamp (but `make bench` with BENCH_TREES puts its store inside those trees while it runs, and
a walk that meets it fails or counts wrong), and times every mode as bench/run.py does: warm
page cache, destination on the same file system, the destination removed and the file system
synced (untimed) before every run, the runs interleaved (each round in its own seeded
shuffled order), each command started through rusage.c (fork + wait4: its own wall, user and
sys time; io_uring's io-wq workers are threads of the process and count in it).
Every run's "N files" (stderr of floor and uring_floor) is checked against the tree.

Knobs (environment): SIZES (default "50000 200000"), RUNS (default 5), TREES, WORK_DIR
(where the work directory is made; default $TMPDIR or /tmp: must be the trees' file system),
OUT (default: stdout only), MODES (comma-separated names of the rows to run; default: all
on trees below LARGE files (default 100000), the 11 main ones at and above it).
"""
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("SHARED", os.path.join(REPO, "..", "shared"))
SIZES = [int(x) for x in os.environ.get("SIZES", "50000 200000").split()]
RUNS = int(os.environ.get("RUNS", "5"))
TREES = os.environ.get("TREES", "")
LARGE = int(os.environ.get("LARGE", "100000"))
CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra", "-Werror"]
T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def rmtree(path):
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", "--one-file-system", path], check=True)


def spawn(rusage, argv):
    """(wall, user, sys, exit code, stderr) of one run of ARGV through rusage.c."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as res:
        fa = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
              (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
              (os.POSIX_SPAWN_DUP2, err.fileno(), 2)]
        pid = os.posix_spawn(rusage, [rusage, res.name, *argv], os.environ, file_actions=fa)
        _, status, _ = os.wait4(pid, 0)
        err.seek(0)
        text = err.read().decode(errors="replace")
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"rusage {' '.join(argv)}: {text[-600:]}")
        wall, cpu, _rss, code, user = res.read().split()
    return float(wall), float(user), float(cpu) - float(user), int(code), text


class Cmd:
    def __init__(self, name, argv, premake, counts, large):
        self.name, self.argv, self.premake, self.counts = name, argv, premake, counts
        self.walls, self.users, self.syss = [], [], []


def modes(uf, floor, src, dst):
    """(name, argv, make DST first, prints 'N files', also run on trees of LARGE files or more)"""
    u = lambda *a: [uf, *a, src, dst]  # noqa: E731
    return [
        ("floor", [floor, src, dst], True, True, True),
        ("floor -s", [floor, "-s", src, dst], True, True, True),
        ("cp -al", ["cp", "-al", src, dst], False, False, True),
        ("plain", u("-m", "plain"), True, True, True),
        ("plain -s", u("-s", "-m", "plain"), True, True, True),
        ("uring q32", u("-m", "uring", "-q", "32"), True, True, False),
        ("uring q128", u("-m", "uring", "-q", "128"), True, True, True),
        ("uring q512", u("-m", "uring", "-q", "512"), True, True, True),
        ("uring q128 w1", u("-m", "uring", "-q", "128", "-w", "1"), True, True, False),
        ("uring q128 -M", u("-m", "uring", "-q", "128", "-M"), True, True, True),
        ("uring q32 -s", u("-s", "-m", "uring", "-q", "32"), True, True, False),
        ("uring q128 -s", u("-s", "-m", "uring", "-q", "128"), True, True, True),
        ("uring q512 -s", u("-s", "-m", "uring", "-q", "512"), True, True, False),
        ("uring q128 -M -s", u("-s", "-m", "uring", "-q", "128", "-M"), True, True, False),
        ("threads t2", u("-m", "threads", "-t", "2"), True, True, True),
        ("threads t2 -s", u("-s", "-m", "threads", "-t", "2"), True, True, True),
    ]


def tree(n, work):
    src = os.path.join(TREES, f"tree{n}") if TREES else ""
    if src and os.path.exists(os.path.join(src, ".bench-complete")):
        return src, False
    src = os.path.join(work, f"tree{n}")
    log(f"generating {n} files (mktree.py)")
    subprocess.run([sys.executable, os.path.join(SHARED, "bench", "mktree.py"), src, str(n)],
                   check=True, capture_output=True)
    return src, True


def bench(n, work, bins, md):
    src, made = tree(n, work)
    subprocess.run(["find", src, "-printf", ""], check=True)  # warm the cache
    nreg = int(subprocess.run(["find", src, "-type", "f", "-printf", "."], check=True,
                              capture_output=True).stdout.count(b"."))
    dst = os.path.join(work, "dst")
    want = os.environ.get("MODES")
    cmds = [Cmd(*m) for m in modes(bins["uring_floor"], bins["floor"], src, dst)
            if ((m[0] in want.split(",")) if want else (m[4] or n < LARGE))]
    loads = [os.getloadavg()[0]]
    log(f"{n} files ({src}): {len(cmds)} commands x {RUNS} runs")
    for r in range(RUNS):
        order = list(cmds)
        random.Random(4242 + r).shuffle(order)
        for c in order:
            rmtree(dst)
            if c.premake:
                os.makedirs(dst)
            os.sync()
            w, u, s, code, err = spawn(bins["rusage"], c.argv)
            if code != 0:
                raise RuntimeError(f"{c.name} exited {code}: {err[-600:]}")
            if c.counts and f"{nreg} files" not in err:
                raise RuntimeError(f"{c.name}: expected {nreg} files, got: {err[-200:]}")
            c.walls.append(w)
            c.users.append(u)
            c.syss.append(s)
        rmtree(dst)
        os.sync()
        loads.append(os.getloadavg()[0])
        log(f"{n}: round {r + 1}/{RUNS} (load {loads[-1]:.2f}): " +
            ", ".join(f"{c.name} {c.walls[-1]:.2f}" for c in cmds))
    if made:
        rmtree(src)
    base = next((c for c in cmds if c.name == "floor"), cmds[0])
    base_s = next((c for c in cmds if c.name == "floor -s"), base)
    cp = next((c for c in cmds if c.name == "cp -al"), None)
    md.append(f"\n### {n}-file tree ({nreg} regular files), {RUNS} interleaved runs\n")
    md.append(f"1-minute load average at the rounds' ends: {', '.join(f'{x:.2f}' for x in loads[1:])}\n")
    md.append("| mode | wall s median | wall min..max | CPU s median (user+sys) | CPU / wall | "
              "wall vs floor (same stat) | vs cp -al |")
    md.append("|---|---|---|---|---|---|---|")
    def vs_cp(c):
        return f"{statistics.median(c.walls) / statistics.median(cp.walls):.2f}x" if cp else "-"

    for c in cmds:
        cpus = [a + b for a, b in zip(c.users, c.syss)]
        ref = base_s if " -s" in c.name else base
        pair = statistics.median(a / b for a, b in zip(c.walls, ref.walls))
        md.append(f"| {c.name} | {statistics.median(c.walls):.3f} | {min(c.walls):.2f}..{max(c.walls):.2f} | "
                  f"{statistics.median(cpus):.3f} ({statistics.median(c.users):.2f}+"
                  f"{statistics.median(c.syss):.2f}) | {statistics.median(cpus) / statistics.median(c.walls):.2f} | "
                  f"{pair:.2f}x | {vs_cp(c)} |")
    md.append("\n'vs floor' is the median over the rounds of the run's wall time divided by that "
              "of floor (or floor -s for the -s modes) in the same round.")


def main():
    work = tempfile.mkdtemp(prefix="uring-exp.", dir=os.environ.get("WORK_DIR"))
    md = []
    try:
        bins = {k: os.path.join(work, k) for k in ("rusage", "floor", "uring_floor")}
        subprocess.run(["cc", "-O2", "-static", "-o", bins["rusage"], os.path.join(REPO, "bench", "rusage.c")],
                       check=True)
        subprocess.run(["cc", "-O2", "-o", bins["floor"], os.path.join(SHARED, "bench", "floor.c")], check=True)
        subprocess.run(["cc", *CFLAGS, "-pthread", "-o", bins["uring_floor"], os.path.join(HERE, "uring_floor.c")],
                       check=True)
        for n in SIZES:
            bench(n, work, bins, md)
            print("\n".join(md), file=sys.stderr, flush=True)
    finally:
        rmtree(work)
    head = (f"Machine: {os.cpu_count()} CPUs ({os.uname().machine}, Linux {os.uname().release}); "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {time.perf_counter() - T0:.0f} s in all.")
    text = head + "\n" + "\n".join(md) + "\n"
    print(text)
    if os.environ.get("OUT"):
        with open(os.environ["OUT"], "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
