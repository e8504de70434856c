#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: store
short_description: Capture, restore, verify or remove a migstate migration store
version_added: "0.1.0"
description:
  - Declarative wrapper around the C(migstate) field binary. C(state=captured) runs
    C(migstate scan), C(restored) runs C(migstate load), C(verified) runs
    C(migstate verify) and C(absent) runs C(migstate rd).
  - Idempotent. A complete store made with the same plan (its catalog records the
    plan's rule-set hash, compared through C(migstate info --json) and
    C(migstate check-plan --json)) is not captured again. A load that places nothing
    (every object already in place) reports no change. Removing a store that is not
    there reports no change.
  - Check mode is real. C(captured) runs C(scan --estimate) and C(restored) runs
    C(load --dry-run); nothing is written and C(changed) says what would happen.
  - A migstate failure fails the task with migstate's own message and exit code
    (C(rc)); exit code 3 (done, but C(--continue) skipped errors) is a success with a
    warning.
options:
  path:
    description:
      - The store (the master store path given to C(migstate)).
    type: path
    required: true
  state:
    description:
      - C(captured) a complete store made with C(plan) exists at C(path).
      - C(restored) everything in the store is in place on the system.
      - C(verified) the store checks clean (C(migstate verify)); never changes anything.
      - C(absent) no store at C(path) (C(migstate rd --yes)).
    type: str
    choices: [captured, restored, verified, absent]
    default: captured
  plan:
    description:
      - The compiled plan (C(migc compile)) on the managed host. Required for
        C(state=captured) and C(state=restored).
    type: path
  root:
    description:
      - The migrated system lies beneath this directory (C(--root)).
    type: path
    default: /
  hardlink:
    description:
      - A hard-link store (C(--hardlink --nocompress)); false makes or restores a copy
        store (C(--nocompress) only).
    type: bool
    default: true
  lac:
    description:
      - With C(state=restored), create migrated users that have no account here
        (C(--lac)).
    type: bool
    default: false
  users_include:
    description:
      - User patterns to include (C(--ui), one per element).
    type: list
    elements: str
    default: []
  users_exclude:
    description:
      - User patterns to exclude (C(--ue), one per element).
    type: list
    elements: str
    default: []
  extra_args:
    description:
      - More arguments for the migstate command, passed through as they are (for
        example C([--min-free, "100"]) or C([--force]) for C(absent)).
    type: list
    elements: str
    default: []
  log_dir:
    description:
      - Keep migstate's log there (C(migstate-scan.log), C(migstate-load.log)); by
        default the log goes to a temporary directory removed after the task.
    type: path
  migstate_bin:
    description:
      - The migstate binary. Defaults to the environment variable C(MIGSTATE_BIN),
        else C(migstate) on the PATH.
    type: path
notes:
  - Run as root, as migstate itself requires for a whole system.
  - The reinstall between capture and restore is outside this module; see the
    C(migstate.refresh.refresh) role and the first-boot unit shipped with migstate.
requirements:
  - migstate (the runtime binary) on the managed host
seealso:
  - module: migstate.refresh.facts
author:
  - migstate project
'''

EXAMPLES = r'''
- name: Capture the homes into a hard-link store
  migstate.refresh.store:
    path: /home/.migstore
    plan: /root/site.plan
    state: captured

- name: What would a restore place? (nothing is written)
  migstate.refresh.store:
    path: /home/.migstore
    plan: /root/site.plan
    state: restored
  check_mode: true

- name: Restore, creating missing users
  migstate.refresh.store:
    path: /home/.migstore
    plan: /root/site.plan
    state: restored
    lac: true

- name: Verify, then remove the store
  migstate.refresh.store:
    path: /home/.migstore
    state: "{{ item }}"
  loop: [verified, absent]
'''

RETURN = r'''
changed:
  description: Whether the store or the system changed (or, in check mode, would).
  returned: always
  type: bool
rc:
  description: The exit code of the last migstate command run (0 when none was needed).
  returned: always
  type: int
  sample: 0
summary:
  description:
    - The C(--json) object of the migstate command that decided the result (C(scan),
      C(scan --estimate), C(load), C(load --dry-run), C(verify), or C(info) when the
      store was already as requested). For C(absent), C(rd)'s summary line as
      C(message).
  returned: always
  type: dict
  sample: {"command": "scan", "exit_code": 0, "state": "complete", "files_linked": 7}
cmd:
  description: The migstate command line that ran last.
  returned: always
  type: list
  elements: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.migstate.refresh.plugins.module_utils.migstate import (
    COMMON_ARGS, LOAD_CHANGE_KEYS, migstate_bin, parse_json, run)


def common_args(p):
    args = ['--root', p['root'], '--nocompress']
    if p['hardlink']:
        args.append('--hardlink')
    for u in p['users_include']:
        args += ['--ui', u]
    for u in p['users_exclude']:
        args += ['--ue', u]
    return args


def log_arg(module, verb):
    d = module.params['log_dir'] or module.tmpdir
    return ['--log', os.path.join(d, 'migstate-%s.log' % verb)]


def store_info(module, path):
    rc, out, err = run(module, ['info', path, '--json'])
    return parse_json(out) or {}


def done(module, changed, rc, summary, args):
    cmd = [migstate_bin(module)] + [str(a) for a in args]
    if rc == 3:
        module.warn('migstate completed but skipped errors (--continue): read its log')
    module.exit_json(changed=changed, rc=rc, summary=summary or {}, cmd=cmd)


def captured(module):
    p = module.params
    info = store_info(module, p['path'])
    rc, out, err = run(module, ['check-plan', p['plan'], '--json'])
    plan = parse_json(out) or {}
    if info.get('complete') and info.get('ruleset') == plan.get('ruleset'):
        done(module, False, 0, info, ['info', p['path'], '--json'])
    args = ['scan', p['path'], '--plan', p['plan'], '--json'] + common_args(p)
    if module.check_mode:
        args += ['--estimate', os.path.join(module.tmpdir, 'estimate.xml')]
    elif info.get('state', 'none') != 'none':
        args.append('-o')  # ours (info checked it), made with other rules or unfinished
    args += log_arg(module, 'scan') + p['extra_args']
    rc, out, err = run(module, args)
    done(module, True, rc, parse_json(out), args)


def restored(module):
    p = module.params
    args = ['load', p['path'], '--plan', p['plan'], '--json'] + common_args(p)
    if p['lac']:
        args.append('--lac')
    if module.check_mode:
        args.append('--dry-run')
    args += log_arg(module, 'load') + p['extra_args']
    rc, out, err = run(module, args)
    summary = parse_json(out) or {}
    changed = any(summary.get(k, 0) for k in LOAD_CHANGE_KEYS)
    done(module, changed, rc, summary, args)


def verified(module):
    p = module.params
    args = ['verify', p['path'], '--json', '--root', p['root']] + p['extra_args']
    rc, out, err = run(module, args)
    done(module, False, rc, parse_json(out), args)


def absent(module):
    p = module.params
    info = store_info(module, p['path'])
    if info.get('state', 'none') == 'none':
        done(module, False, 0, info, ['info', p['path'], '--json'])
    args = ['rd', p['path'], '--yes', '--root', p['root']] + p['extra_args']
    if module.check_mode:
        done(module, True, 0, info, args)
    rc, out, err = run(module, args)
    done(module, True, rc, {'message': out.strip()}, args)


def main():
    spec = dict(
        path=dict(type='path', required=True),
        state=dict(type='str', default='captured',
                   choices=['captured', 'restored', 'verified', 'absent']),
        plan=dict(type='path'),
        root=dict(type='path', default='/'),
        hardlink=dict(type='bool', default=True),
        lac=dict(type='bool', default=False),
        users_include=dict(type='list', elements='str', default=[]),
        users_exclude=dict(type='list', elements='str', default=[]),
        extra_args=dict(type='list', elements='str', default=[]),
        log_dir=dict(type='path'),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(
        argument_spec=spec,
        required_if=[('state', 'captured', ['plan']), ('state', 'restored', ['plan'])],
        supports_check_mode=True,
    )
    {'captured': captured, 'restored': restored, 'verified': verified,
     'absent': absent}[module.params['state']](module)


if __name__ == '__main__':
    main()
