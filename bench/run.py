#!/usr/bin/env python3
"""make bench: time migstate against cp -al, rsync --link-dest and the syscall floor.

Trees come from ../shared/bench/mktree.py (deterministic, home-directory shaped). Each
command runs RUNS times with a warm page cache; the table reports the median wall time,
CPU time (user+sys of the child) and peak RSS, and ratios to `cp -al` and to the floor.
Results go to stdout and bench/results.md. Sizes: BENCH_SIZES (default "50000 200000").
"""
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("SHARED", os.path.join(REPO, "..", "shared"))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))
MIGC = os.path.join(BUILD, "migc")
MIGSTATE = os.path.join(BUILD, "migstate")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SIZES = [int(x) for x in os.environ.get("BENCH_SIZES", "50000 200000").split()]


def run(cmd, cwd=None):
    """Run CMD once; return (wall seconds, cpu seconds, peak rss KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: measure in a fresh
    # process group per command by running through a tiny wrapper when it matters
    return wall, cpu, after.ru_maxrss


def peak_rss(cmd):
    """Peak RSS (KiB) of one run of CMD, measured in a fresh Python child."""
    code = ("import resource,subprocess,sys;"
            "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def bench(name, setup, cmd, cleanup):
    walls, cpus = [], []
    for _ in range(RUNS):
        setup()
        w, c, _ = run(cmd)
        walls.append(w)
        cpus.append(c)
        cleanup()
    setup()
    rss = peak_rss(cmd)
    cleanup()
    return {"name": name, "wall": statistics.median(walls), "cpu": statistics.median(cpus), "rss": rss}


def main():
    work = tempfile.mkdtemp(prefix="migstate-bench.", dir=os.environ.get("BENCH_DIR"))
    rows_md = []
    try:
        floor = os.path.join(work, "floor")
        subprocess.run(["cc", "-O2", "-o", floor, os.path.join(SHARED, "bench", "floor.c")], check=True)
        have_scan = subprocess.run([MIGSTATE, "scan", "--help"], capture_output=True).returncode == 0
        plan = os.path.join(work, "miguser.plan")
        subprocess.run([MIGC, "compile", "-o", plan, os.path.join(REPO, "policies", "miguser.xml")],
                       check=True, capture_output=True)
        for n in SIZES:
            src = os.path.join(work, f"tree{n}")
            subprocess.run([sys.executable, os.path.join(SHARED, "bench", "mktree.py"), src, str(n)],
                           check=True, capture_output=True)
            dst = os.path.join(work, "dst")

            def clean():
                shutil.rmtree(dst, ignore_errors=True)

            def mk():
                clean()
                os.makedirs(dst)

            results = [
                bench("floor (walk+mkdir+link)", mk, [floor, src, dst], clean),
                bench("floor -s (+stat)", mk, [floor, "-s", src, dst], clean),
                bench("cp -al", clean, ["cp", "-al", src, dst], clean),
                bench("rsync -a --link-dest", mk,
                      ["rsync", "-a", "--link-dest=" + src, src + "/", dst + "/"], clean),
            ]
            if have_scan:
                passwd = os.path.join(src, "etc")
                os.makedirs(passwd, exist_ok=True)
                with open(os.path.join(passwd, "passwd"), "w") as f:
                    for u in range(4):
                        f.write(f"user{u}:x:{1000+u}:{1000+u}::/home/user{u}:/bin/sh\n")
                store = os.path.join(src, "store")
                results.append(bench("migstate scan (miguser.xml)", lambda: shutil.rmtree(store, True),
                                     [MIGSTATE, "scan", store, "--plan", plan, "--hardlink", "--nocompress",
                                      "--root", src, "--min-free", "1", "--log", "/dev/null"],
                                     lambda: shutil.rmtree(store, True)))
            cp = next(r for r in results if r["name"] == "cp -al")["wall"]
            fl = next(r for r in results if r["name"] == "floor -s (+stat)")["wall"]
            rows_md.append(f"\n### {n} files\n\n| command | wall s | cpu s | peak RSS MiB | vs cp -al | vs floor -s |\n|---|---|---|---|---|---|")
            for r in results:
                rows_md.append(f"| {r['name']} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss']/1024:.1f} | "
                               f"{r['wall']/cp:.2f}x | {r['wall']/fl:.2f}x |")
            shutil.rmtree(src, ignore_errors=True)
        # compile time of the stock trio and plan size vs XML size
        corpus = os.path.join(SHARED, "corpus")
        trio = [os.path.join(corpus, f"conradhyler-usmt__{x}.xml") for x in ("MigApp", "MigUser", "MigDocs")]
        if all(os.path.exists(t) for t in trio):
            out = os.path.join(work, "trio.plan")
            times = []
            for _ in range(RUNS):
                t0 = time.perf_counter()
                p = subprocess.run([MIGC, "compile", "-o", out] + trio, capture_output=True)
                times.append(time.perf_counter() - t0)
            xml_bytes = sum(os.path.getsize(t) for t in trio)
            if p.returncode == 0:
                size = os.path.getsize(out)
                rows_md.append(f"\n### Compiling the stock MigApp + MigUser + MigDocs\n\n"
                               f"median {statistics.median(times)*1000:.0f} ms; plan {size} bytes = "
                               f"{100*size/xml_bytes:.1f}% of {xml_bytes} XML bytes")
            else:
                rows_md.append(f"\n### Compiling the stock trio\n\nfailed: {p.stderr.decode()[-300:]}")
        if not have_scan:
            rows_md.append("\n(migstate scan is not in this build: only the baselines were measured)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    head = (f"# Benchmark results\n\nMachine: {os.cpu_count()} cores; median of {RUNS} runs, warm page cache; "
            f"generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `make bench`.\n")
    text = head + "\n".join(rows_md) + "\n"
    print(text)
    with open(os.path.join(REPO, "bench", "results.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
