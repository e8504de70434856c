#!/usr/bin/env python3
"""spill_tree.py HOME [--dir-modes]: about 48,000 small files under HOME/Documents/tree
(280 directories) and HOME/Old (20), enough to push every list of scan, load, rd,
verify and du past the budgets the tests shrink with MIGSTATE_TEST_ITEMS_MEM.
--dir-modes gives the leaf directories alternating modes and distinct times."""
import os
import sys

home = sys.argv[1]
dir_modes = "--dir-modes" in sys.argv[2:]
for top, ndirs in (("Documents/tree", 280), ("Old", 20)):
    for d in range(ndirs):
        p = os.path.join(home, top, "d%03d" % d, "sub-%d" % (d % 5))
        os.makedirs(p, exist_ok=True)
        for f in range(160):
            with open(os.path.join(p, "a-file-with-a-longer-name-%03d.txt" % f), "w") as fh:
                fh.write("%s %d/%d\n" % (top, d, f))
        if dir_modes:
            os.chmod(p, 0o750 if d % 2 else 0o711)
            os.utime(p, (1500000000 + d, 1500000000 + d))
