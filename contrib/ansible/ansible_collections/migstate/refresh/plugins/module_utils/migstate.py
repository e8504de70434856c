# -*- coding: utf-8 -*-
# Shared by the migstate.refresh modules: run the migstate binary, read its --json
# summary, turn its exit codes into module results.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# load's --json counters that say something was placed or changed; a load that finds
# everything in place reports them all 0.
LOAD_CHANGE_KEYS = (
    'linked', 'copied', 'reflinked', 'special', 'directories', 'renamed', 'replaced',
    'cleaned', 'dirs_tightened', 'dirs_acl_tightened', 'reowned', 'accounts_created',
    'groups_created', 'memberships_added',
)

# Exit codes that mean "done" (3: done, but --continue skipped errors).
OK_CODES = (0, 3)

# The common options of every module that runs migstate.
COMMON_ARGS = dict(
    migstate_bin=dict(type='path', default=None),
)


def migstate_bin(module):
    """The binary: migstate_bin, else $MIGSTATE_BIN, else migstate on the PATH."""
    import os
    b = module.params.get('migstate_bin') or os.environ.get('MIGSTATE_BIN')
    if b:
        return b
    return module.get_bin_path('migstate', required=True)


def parse_json(out):
    """The last line of OUT that is a JSON object, or None."""
    for line in reversed((out or '').splitlines()):
        line = line.strip()
        if line.startswith('{'):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def message(rc, err, out):
    """migstate's own message: its stderr lines (warnings last), else stdout."""
    lines = [l for l in (err or '').splitlines() if l.strip()]
    errors = [l for l in lines if 'warning' not in l.lower()] or lines
    if errors:
        return '; '.join(errors)
    if out and not out.lstrip().startswith('{'):
        return out.strip()
    return 'migstate exited %d' % rc


def run(module, args, check_rc=True, ok_codes=OK_CODES):
    """Run migstate ARGS; (rc, stdout, stderr). With CHECK_RC a code outside OK_CODES
    fails the module with migstate's message and exit code."""
    cmd = [migstate_bin(module)] + [str(a) for a in args]
    rc, out, err = module.run_command(cmd)
    if check_rc and rc not in ok_codes:
        module.fail_json(msg=message(rc, err, out), rc=rc, cmd=cmd, stdout=out, stderr=err,
                         summary=parse_json(out))
    return rc, out, err
