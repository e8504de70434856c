#!/usr/bin/python
# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: facts
short_description: Gather migstate facts (version, plan header, stores and their state)
version_added: "0.1.0"
description:
  - Sets C(ansible_facts.migstate) with the installed migstate's version, the header of
    a plan (C(migstate check-plan --json), including its rule-set hash), the state of
    each store asked about (C(migstate info --json)) and the first-boot manifests found.
  - Reads only; never changes anything (supports check mode).
options:
  plan:
    description:
      - A compiled plan to describe.
    type: path
  stores:
    description:
      - Store paths to describe. A path with nothing there is reported with
        C(state=none).
    type: list
    elements: path
    default: []
  firstboot_dirs:
    description:
      - First-boot manifest directories (written by C(migstate scan --first-boot)) to
        look at; each is reported as C(pending) (manifest present), C(done) (the unit
        ran, and its C(result.json) is included) or C(none).
    type: list
    elements: path
    default: [/home/.migstate-firstboot]
  migstate_bin:
    description:
      - The migstate binary. Defaults to the environment variable C(MIGSTATE_BIN),
        else C(migstate) on the PATH.
    type: path
requirements:
  - migstate (the runtime binary) on the managed host
seealso:
  - module: migstate.refresh.store
author:
  - migstate project
'''

EXAMPLES = r'''
- name: What does this machine have?
  migstate.refresh.facts:
    plan: /root/site.plan
    stores: [/home/.migstore]

- name: Capture only when no complete store of this plan exists
  ansible.builtin.debug:
    msg: "{{ ansible_facts.migstate.stores[0].state }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: complex
  contains:
    migstate:
      description: What migstate reports.
      returned: always
      type: complex
      contains:
        version:
          description: The first line of C(migstate --version).
          type: str
          sample: migstate 0.1.0 (plan format 1.1)
        plan:
          description: C(migstate check-plan --json) of C(plan); null without one.
          type: dict
        stores:
          description: C(migstate info --json) of each of C(stores).
          type: list
          elements: dict
        firstboot:
          description: One entry per C(firstboot_dirs) with C(path), C(state) and
            C(result) (the unit's C(result.json), when it ran).
          type: list
          elements: dict
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.migstate.refresh.plugins.module_utils.migstate import (
    COMMON_ARGS, parse_json, run)


def firstboot_state(path):
    entry = dict(path=path, state='none', result=None)
    if os.path.exists(os.path.join(path, 'manifest')):
        entry['state'] = 'pending'
    elif os.path.exists(os.path.join(path, 'manifest.done')):
        entry['state'] = 'done'
        try:
            with open(os.path.join(path, 'result.json')) as f:
                entry['result'] = json.load(f)
        except (IOError, OSError, ValueError):
            pass
    return entry


def main():
    spec = dict(
        plan=dict(type='path'),
        stores=dict(type='list', elements='path', default=[]),
        firstboot_dirs=dict(type='list', elements='path',
                            default=['/home/.migstate-firstboot']),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    rc, out, err = run(module, ['--version'])
    facts = dict(version=out.strip().splitlines()[0] if out.strip() else '', plan=None,
                 stores=[], firstboot=[firstboot_state(d) for d in p['firstboot_dirs']])
    if p['plan']:
        rc, out, err = run(module, ['check-plan', p['plan'], '--json'])
        facts['plan'] = parse_json(out)
    for s in p['stores']:
        rc, out, err = run(module, ['info', s, '--json'])
        facts['stores'].append(parse_json(out))
    module.exit_json(changed=False, ansible_facts=dict(migstate=facts))


if __name__ == '__main__':
    main()
