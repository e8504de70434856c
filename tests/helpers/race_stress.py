#!/usr/bin/env python3
"""race_stress.py - random races between migstate (root) and a hostile user.

    race_stress.py drive FS MIGSTATE PLAN LOGDIR ATTACK_UID   (as root; t_race_stress.sh)
    race_stress.py attack HOME TARGET...                       (the attacker, run by drive
                                                                under setpriv as ATTACK_UID)

Each iteration picks a verb -- scan, copy scan, scan -o, load, copy load, load over
existing files, rd (right after a scan, or after a load) -- prepares the state it needs
with no attacker around, then runs it as root while the attacker, an unprivileged uid in
her own home, swaps things under it: a directory for a symlink (to a fake /etc outside
the tree, another user's home, /, the store), a file for a symlink (to root-only files),
a FIFO or a hard link of another of her files, whole subtrees moved elsewhere; each
swap is made with one atomic rename (RENAME_EXCHANGE) and later undone, so names flap
while migstate works. When migstate is done the attacker undoes what is left, and the
invariants are checked:
  - the sentinel outside the tree (a fake /etc of root-only files, another user's home,
    everything else on the test filesystem, the top of /, /etc/passwd and /etc/shadow)
    is unchanged: content, mode, owner, link count; nothing was created beside it;
  - every regular file in the store is one of the examined user files (her bytes, under
    her home's path, never a sentinel's inode) and the store holds no symlink or node;
  - every original user file is still somewhere (her home or the store): nothing lost;
  - migstate exited with a documented code, no signal, no sanitizer report.

STRESS_SEED (default: from the clock) and STRESS_ITERS (default 300) are read from the
environment; STRESS_ONLY=N runs iteration N of the seed alone. The seed is printed first
and again on failure with the iteration: the verbs, the attacker's operations and their
timing offsets follow from it (the interleaving with migstate is the scheduler's).
"""
import ctypes
import hashlib
import json
import os
import random
import select
import shutil
import stat
import subprocess
import sys
import time

AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(None, use_errno=True)


def renameat2(old, new, flags):
    if _libc.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD, os.fsencode(new), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), old)


# --- the attacker ---------------------------------------------------------------------

class Attacker:
    """Swaps in HOME. Every operation is undone by its own record; the undo never
    replaces anything (a name migstate filled meanwhile keeps what is there, and the
    moved original stays under its side name: still in the home)."""

    def __init__(self, home, targets):
        self.home = home
        self.dir_targets = [t for t in targets if not t.startswith("file:")]
        self.file_targets = [t[5:] for t in targets if t.startswith("file:")] + self.dir_targets
        self.n = 0

    def side(self, path):
        self.n += 1
        return "%s.x%d" % (path, self.n)

    def pick(self, rng, want_dir):
        cands = []
        for top, dirs, files in os.walk(self.home):
            dirs[:] = [d for d in dirs if ".x" not in d]
            for d in dirs:
                cands.append((os.path.join(top, d), True))
            for f in files:
                p = os.path.join(top, f)
                if ".x" in f or ".migstate-" in f:
                    continue
                try:
                    if stat.S_ISREG(os.lstat(p).st_mode):
                        cands.append((p, False))
                except OSError:
                    pass
        cands = [p for p, d in cands if d == want_dir]
        return rng.choice(sorted(cands)) if cands else None

    def swap_for(self, path, make):
        """Atomically exchange PATH with a new object MAKE(tmp) makes; undo exchanges
        back if PATH is still what we put there."""
        tmp = self.side(path)
        make(tmp)
        mine = os.lstat(tmp).st_ino
        try:
            renameat2(tmp, path, RENAME_EXCHANGE)
        except OSError:
            self.remove_own(tmp)
            return None
        return ("exchange", path, tmp, mine)

    def remove_own(self, p):
        try:
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                os.rmdir(p)
            else:
                os.unlink(p)
        except OSError:
            pass

    def apply(self, rng):
        kind = rng.choice(["dir_symlink", "dir_symlink", "file_symlink", "file_fifo",
                           "file_hardlink", "subtree_move"])
        if kind == "dir_symlink":
            d = self.pick(rng, True)
            t = rng.choice(self.dir_targets)
            return d and self.swap_for(d, lambda tmp: os.symlink(t, tmp)), kind, d, t
        if kind == "file_symlink":
            f = self.pick(rng, False)
            t = rng.choice(self.file_targets)
            return f and self.swap_for(f, lambda tmp: os.symlink(t, tmp)), kind, f, t
        if kind == "file_fifo":
            f = self.pick(rng, False)
            return f and self.swap_for(f, lambda tmp: os.mkfifo(tmp, 0o644)), kind, f, ""
        if kind == "file_hardlink":
            f, g = self.pick(rng, False), self.pick(rng, False)
            if not f or not g or f == g:
                return None, kind, f, g
            return self.swap_for(f, lambda tmp: os.link(g, tmp)), kind, f, g
        d = self.pick(rng, True)
        e = self.pick(rng, True)
        if not d or not e or e == d or e.startswith(d + "/"):
            return None, kind, d, e
        dest = os.path.join(e, os.path.basename(d) + ".x%d" % (self.n + 1))
        self.n += 1
        try:
            renameat2(d, dest, RENAME_NOREPLACE)
        except OSError:
            return None, kind, d, e
        return ("move", d, dest), kind, d, dest

    def undo(self, rec):
        if rec[0] == "move":
            _, orig, dest = rec
            try:
                renameat2(dest, orig, RENAME_NOREPLACE)
            except OSError:
                pass
            return
        _, path, tmp, ino = rec
        try:
            if os.lstat(path).st_ino == ino:
                renameat2(tmp, path, RENAME_EXCHANGE)
                self.remove_own(tmp)
                return
        except OSError:
            pass
        # something else holds the name now: the original stays under its side name,
        # unless the name is free again
        try:
            renameat2(tmp, path, RENAME_NOREPLACE)
        except OSError:
            pass

    def run(self):
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                return
            seed, delay = int(words[1]), int(words[2])
            rng = random.Random(seed)
            self.n = 0
            print("ready", flush=True)
            time.sleep(delay / 1e6)
            live, log, stop = [], [], False
            while not stop:
                if live and (len(live) >= 3 or rng.random() < 0.45):
                    rec = live.pop(rng.randrange(len(live)))
                    self.undo(rec)
                    log.append("undo " + rec[1])
                else:
                    try:
                        rec, kind, a, b = self.apply(rng)
                    except OSError:  # migstate renamed or removed what was picked
                        rec = None
                    if rec:
                        live.append(rec)
                        log.append("%s %s -> %s" % (kind, a, b))
                pause = rng.choice([0, 0, 20, 100, 300, 1000, 3000])
                r, _, _ = select.select([sys.stdin], [], [], pause / 1e6)
                if r:
                    stop = True
            sys.stdin.readline()  # the "stop" line
            for rec in reversed(live):
                self.undo(rec)
            print(json.dumps({"ops": log}), flush=True)


# --- the driver -------------------------------------------------------------------------

GEN_DIRS = 8
DOCUMENTED = {0, 2, 3, 11, 27, 29, 34, 35, 39, 42, 61, 71, 72}
SANITIZER = (b"ERROR: AddressSanitizer", b"runtime error:", b"ERROR: LeakSanitizer",
             b"AddressSanitizer:DEADLYSIGNAL")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pristine(home, uid):
    """Her files: unique bytes each (two of 128 KiB for longer copies), a symlink, a FIFO."""
    files = {
        "Documents/report.odt": 0o644, "Documents/notes.txt": 0o600,
        "Documents/sub/s1.txt": 0o644, "Documents/sub/s2.txt": 0o640,
        "Documents/sub/deep/er/plan.md": 0o644, "Documents/big.bin": 0o644,
        "Music/song.ogg": 0o444, "Music/a/b.ogg": 0o644, "Music/a/c.ogg": 0o644,
        "Pictures/p1.jpg": 0o644, "Pictures/p2.jpg": 0o644, "Pictures/raw/r.bin": 0o600,
        "bin/tool": 0o755, ".bashrc": 0o644, ".config/app/rc": 0o600, "top.txt": 0o644,
    }
    for d in range(GEN_DIRS):  # enough objects that a run lasts while names flap
        for e in range(4):
            for f in range(4):
                files["Documents/gen/d%d/e%d/f%d.txt" % (d, e, f)] = 0o644
    contents = set()
    for rel, mode in sorted(files.items()):
        p = os.path.join(home, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        data = ("alice %s\n" % rel).encode()
        data = data * (131072 // len(data)) if rel.endswith(".bin") else data * 3
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, mode)
        contents.add(hashlib.sha256(data).hexdigest())
    os.symlink("Documents/report.odt", os.path.join(home, "current"))
    os.mkfifo(os.path.join(home, "pipe"), 0o640)
    for top, dirs, fs in os.walk(home):
        for n in dirs + fs:
            os.lchown(os.path.join(top, n), uid, uid)
        for d in dirs:
            os.chmod(os.path.join(top, d), 0o755)
    for top, dirs, fs in os.walk(home):
        for n in dirs + fs:
            os.utime(os.path.join(top, n), (1600000000, 1600000000), follow_symlinks=False)
    return contents


def clear(home):
    for n in os.listdir(home):
        p = os.path.join(home, n)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)


def snapshot(fs, skip):
    """Everything on the test filesystem but SKIP (her home, the store): type, mode,
    owner, link count, size, content and symlink targets; directories without times."""
    out = []
    for top, dirs, files in os.walk(fs):
        dirs[:] = sorted(d for d in dirs if os.path.join(top, d) not in skip)
        for n in sorted(dirs + files):
            p = os.path.join(top, n)
            if p in skip:
                continue
            st = os.lstat(p)
            # (a directory's link count counts its subdirectories: the store's parent
            # gets one; what is inside is listed anyway)
            nlink = None if stat.S_ISDIR(st.st_mode) else st.st_nlink
            line = [p, stat.S_IFMT(st.st_mode), st.st_mode, st.st_uid, st.st_gid, nlink,
                    st.st_ino]
            if stat.S_ISREG(st.st_mode):
                line += [st.st_size, st.st_mtime_ns, sha(p)]
            elif stat.S_ISLNK(st.st_mode):
                line += [os.readlink(p)]
            out.append(line)
    host = [sorted(os.listdir("/"))]
    for p in ("/etc/passwd", "/etc/shadow"):
        try:
            st = os.lstat(p)
            host.append([p, st.st_mode, st.st_uid, st.st_nlink])
        except OSError:
            pass
    return out, host


class Driver:
    def __init__(self, fs, migstate, plan, logdir, uid):
        self.fs, self.migstate, self.plan, self.logdir, self.uid = fs, migstate, plan, logdir, uid
        self.root = os.path.join(fs, "root")
        self.home = os.path.join(self.root, "home/alice")
        self.store = os.path.join(self.root, "store")
        self.sentinel = os.path.join(fs, "etc")
        targets = [self.sentinel, "/", "/etc", os.path.join(self.root, "home/bob"), "../bob",
                   self.store, os.path.join(self.store, "MIGSTATE"),
                   "file:" + os.path.join(self.sentinel, "shadow"),
                   "file:" + os.path.join(self.sentinel, "passwd"), "file:/etc/shadow",
                   "file:" + os.path.join(self.root, "home/bob/private/secret.txt"),
                   "file:" + os.path.join(self.store, "MIGSTATE/catalog")]
        me = os.path.join(logdir, "race_stress.py")
        self.att = subprocess.Popen(
            ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
             sys.executable, me, "attack", self.home] + targets,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd="/")

    def ms(self, *args, check=None):
        base = ["--plan", self.plan, "--root", self.root, "--ue", "bob"]
        verb = args[0]
        if verb in ("scan", "load"):
            base += ["--log", os.path.join(self.logdir, verb + ".log")]
        if verb == "rd":
            base = []
        p = subprocess.run([self.migstate, *args, *base], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60, cwd=self.logdir,
                           env=dict(os.environ, MIGSTATE_PENDING_DIR=os.path.join(
                               self.logdir, "pending")))
        if check is not None and p.returncode not in check:
            raise Failure("preparing: %s exited %d: %s" % (" ".join(args), p.returncode,
                                                           p.stdout.decode(errors="replace")))
        return p

    def prepare(self, verb, rng):
        hl = ["--hardlink", "--nocompress"]
        scan = ["scan", self.store, "--min-free", "1"]
        if verb == "scan":
            return scan + hl
        if verb == "copy scan":
            return scan + ["--nocompress"]
        self.ms(*(scan + hl), check={0})
        if verb == "scan -o":
            return scan + hl + ["-o"]
        if verb in ("load", "copy load"):
            clear(self.home)
            return ["load", self.store] + (hl if verb == "load" else ["--nocompress"])
        if verb == "load over existing":
            files = sorted(os.path.join(t, f) for t, _, fs in os.walk(self.home) for f in fs)
            for f in rng.sample(files, len(files) // 2):
                os.unlink(f)
            return ["load", self.store] + hl
        if verb == "rd after load":
            clear(self.home)
            self.ms("load", self.store, *hl, check={0})
        return ["rd", self.store, "-y"]

    def iteration(self, seed, i):
        rng = random.Random(seed * 1000003 + i)
        verb = rng.choice(["scan", "copy scan", "scan -o", "load", "copy load",
                           "load over existing", "rd", "rd after load"])
        shutil.rmtree(self.store, ignore_errors=True)
        clear(self.home)
        contents = pristine(self.home, self.uid)
        before = snapshot(self.fs, {self.home, self.store})
        inodes = {l[6] for l in before[0]}
        args = self.prepare(verb, rng)
        self.att.stdin.write("go %d %d\n" % (rng.getrandbits(31), rng.choice([0, 0, 200, 1000, 3000, 8000])))
        self.att.stdin.flush()
        if self.att.stdout.readline().strip() != "ready":
            raise Failure("the attacker did not start")
        try:
            p = self.ms(*args)
        finally:
            self.att.stdin.write("stop\n")
            self.att.stdin.flush()
            line = self.att.stdout.readline()
            if not line:
                raise Failure("the attacker process died (see its traceback above)")
            ops = json.loads(line)["ops"]
        self.ctx = "verb %s: migstate %s (exit %d); attacker: %s" % (
            verb, " ".join(args), p.returncode, "; ".join(ops) or "nothing")
        out = p.stdout
        if p.returncode not in DOCUMENTED:
            raise Failure("exit %d is not a documented code: %s" % (p.returncode, out.decode(errors="replace")))
        if any(s in out for s in SANITIZER):
            raise Failure("sanitizer report: " + out.decode(errors="replace"))
        after = snapshot(self.fs, {self.home, self.store})
        if after != before:
            a, b = set(map(repr, before[0] + before[1])), set(map(repr, after[0] + after[1]))
            raise Failure("outside the tree changed: gone %s; new %s" % (sorted(a - b), sorted(b - a)))
        have = set()
        payload = os.path.join(self.store, "MIGSTATE/File")
        for top, dirs, files in os.walk(payload):
            for n in dirs + files:
                p2 = os.path.join(top, n)
                st = os.lstat(p2)
                if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                    raise Failure("the store holds a non-regular entry: " + p2)
                if stat.S_ISDIR(st.st_mode):
                    continue
                rel = os.path.relpath(p2, payload)
                h = sha(p2)
                if not rel.startswith("home/alice/") or h not in contents or st.st_ino in inodes:
                    raise Failure("the store holds a file that is not one of hers: %s" % p2)
                have.add(h)
        for top, dirs, files in os.walk(self.home):
            for n in files:
                p2 = os.path.join(top, n)
                if stat.S_ISREG(os.lstat(p2).st_mode):
                    have.add(sha(p2))
        if not contents <= have:
            raise Failure("%d of her files are nowhere (neither her home nor the store)" %
                          len(contents - have))
        return verb, p.returncode


class Failure(Exception):
    pass


def drive(fs, migstate, plan, logdir, uid):
    seed = int(os.environ.get("STRESS_SEED") or int(time.time() * 1000) % 1000000007)
    iters = int(os.environ.get("STRESS_ITERS") or 300)
    only = os.environ.get("STRESS_ONLY")
    print("# STRESS_SEED=%d STRESS_ITERS=%d" % (seed, iters), flush=True)
    d = Driver(fs, migstate, plan, logdir, int(uid))
    tally = {}
    t0 = time.time()
    rng_range = [int(only)] if only else range(iters)
    try:
        for i in rng_range:
            d.ctx = ""
            try:
                verb, rc = d.iteration(seed, i)
            except (Failure, subprocess.TimeoutExpired) as e:
                print("FAIL: iteration %d of STRESS_SEED=%d: %s\n  %s\n  rerun: STRESS_SEED=%d "
                      "STRESS_ONLY=%d" % (i, seed, e, d.ctx, seed, i), file=sys.stderr, flush=True)
                return 1
            key = "%s:%d" % (verb, rc)
            tally[key] = tally.get(key, 0) + 1
            if (i + 1) % 500 == 0:
                print("# %d iterations, %.0f s" % (i + 1, time.time() - t0), flush=True)
    finally:
        try:
            d.att.stdin.write("quit\n")
            d.att.stdin.close()
        except OSError:
            pass
        d.att.wait(timeout=10)
    print("# %d iterations in %.1f s (STRESS_SEED=%d); verb:exit counts: %s" % (
        len(rng_range), time.time() - t0, seed, " ".join("%s=%d" % kv for kv in sorted(tally.items()))))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "attack":
        Attacker(sys.argv[2], sys.argv[3:]).run()
    elif sys.argv[1] == "drive":
        sys.exit(drive(*sys.argv[2:7]))
