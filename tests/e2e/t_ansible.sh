#!/usr/bin/env bash
# The Ansible collection (contrib/ansible, migstate.refresh) drives a refresh on a fake
# root through a playbook against localhost (connection: local, no network): capture
# (changed), capture again (not changed: a complete store of this plan), restore in
# check mode (a change reported, nothing written: the tree is byte for byte and inode
# for inode the same), restore (changed), restore again (not changed), verify, remove
# (changed), remove again (not changed); a restore with a missing plan fails the task
# with migstate's own message and exit code. ansible-doc shows every module without a
# warning, and a playbook using the refresh role passes --syntax-check.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
command -v ansible-playbook >/dev/null 2>&1 || skip "needs ansible-core (apt-get install ansible-core)"
need_cmd ansible-doc
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"

COLL=$REPO/contrib/ansible
export ANSIBLE_COLLECTIONS_PATH=$COLL ANSIBLE_CONFIG=$WORK/ansible.cfg
export ANSIBLE_LOCAL_TEMP=$WORK/atmp ANSIBLE_REMOTE_TEMP=$WORK/atmp ANSIBLE_HOME=$WORK/ahome
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
printf '[defaults]\nstdout_callback = default\n' >"$WORK/ansible.cfg"
PY=$(command -v /usr/bin/python3 || command -v python3)

# --- the module documentation, as ansible-doc shows it, without a warning ------------
mods=$(cd "$COLL/ansible_collections/migstate/refresh/plugins/modules" && ls ./*.py | sed 's|^\./||; s|\.py$||')
[ -n "$mods" ] || fail "no modules in the collection"
for m in $mods; do
	rc=0
	ansible-doc "migstate.refresh.$m" >"$WORK/doc.out" 2>"$WORK/doc.err" || rc=$?
	[ "$rc" = 0 ] || fail "ansible-doc migstate.refresh.$m exited $rc: $(cat "$WORK/doc.err")"
	[ ! -s "$WORK/doc.err" ] || fail "ansible-doc migstate.refresh.$m warned: $(cat "$WORK/doc.err")"
	has_doc=$(grep -c -e '^OPTIONS' -e '^RETURN VALUES' -e '^EXAMPLES' "$WORK/doc.out" || true)
	assert_eq 3 "$has_doc" "ansible-doc $m shows options, examples and return values"
done

# --- the whole sequence, one playbook ------------------------------------------------
S=$R/home/.migstore
cat >"$WORK/refresh.yml" <<-YAML
	- hosts: localhost
	  connection: local
	  gather_facts: false
	  vars:
	    ansible_python_interpreter: $PY
	    store: &store
	      path: $S
	      plan: $WORK/p.plan
	      root: $R
	      migstate_bin: $MIGSTATE
	    tree: "find $R -path $S -prune -o -printf '%p %i %n %m %U %G %s %T@\\\\n'"
	  tasks:
	    - name: capture
	      migstate.refresh.store: {<<: *store, state: captured, extra_args: [--min-free, "1"]}
	      register: cap1
	    - name: capture again
	      migstate.refresh.store: {<<: *store, state: captured, extra_args: [--min-free, "1"]}
	      register: cap2
	    - name: the reinstall removes the user data
	      ansible.builtin.command: rm -rf $R/home/alice $R/home/bob
	    - {name: tree before, ansible.builtin.shell: "{{ tree }} | sort", register: t1, changed_when: false}
	    - name: restore, check mode
	      migstate.refresh.store: {<<: *store, state: restored}
	      check_mode: true
	      register: dry
	    - {name: tree after check mode, ansible.builtin.shell: "{{ tree }} | sort", register: t2, changed_when: false}
	    - name: restore
	      migstate.refresh.store: {<<: *store, state: restored}
	      register: res1
	    - name: restore again
	      migstate.refresh.store: {<<: *store, state: restored}
	      register: res2
	    - name: verify
	      migstate.refresh.store: {<<: *store, state: verified}
	      register: ver
	    - name: facts
	      migstate.refresh.facts:
	        plan: $WORK/p.plan
	        stores: [$S]
	        firstboot_dirs: [$R/home/.migstate-firstboot]
	        migstate_bin: $MIGSTATE
	    - name: remove
	      migstate.refresh.store: {<<: *store, state: absent}
	      register: rm1
	    - name: remove again
	      migstate.refresh.store: {<<: *store, state: absent}
	      register: rm2
	    - name: restore with a missing plan
	      migstate.refresh.store:
	        path: $S
	        plan: $WORK/missing.plan
	        root: $R
	        migstate_bin: $MIGSTATE
	        state: restored
	      register: bad
	      ignore_errors: true
	    - name: results
	      ansible.builtin.copy:
	        dest: $WORK/results.json
	        content: "{{ dict(cap1=cap1, cap2=cap2, dry=dry, res1=res1, res2=res2, ver=ver, rm1=rm1, rm2=rm2, bad=bad, same=(t1.stdout == t2.stdout), tree=t1.stdout_lines | length, facts=ansible_facts.migstate) | to_json }}"
YAML
rc=0
ansible-playbook -i localhost, "$WORK/refresh.yml" >"$WORK/play.log" 2>&1 || rc=$?
[ "$rc" = 0 ] || { tail -n 40 "$WORK/play.log" >&2; fail "ansible-playbook exited $rc"; }
# the expected failure is the only one
assert_contains "$(cat "$WORK/play.log")" "failed=0" "no unexpected failure"
assert_contains "$(cat "$WORK/play.log")" "ignored=1" "the missing plan failed its task"

# J EXPR: a value from the results (Python expression over r)
# (a tuple prints as its items separated by spaces)
J() {
	"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); v=eval(sys.argv[2])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$WORK/results.json" "$1"
}
assert_eq "True 0 complete" "$(J 'r["cap1"]["changed"], r["cap1"]["rc"], r["cap1"]["summary"]["state"]')" "capture"
assert_eq 7 "$(J 'r["cap1"]["summary"]["files_linked"]')" "capture linked the homes' files"
assert_eq "False True" "$(J 'r["cap2"]["changed"], r["cap2"]["summary"]["complete"]')" "capture again"
assert_eq "$(J 'r["facts"]["plan"]["ruleset"]')" "$(J 'r["cap2"]["summary"]["ruleset"]')" "the store records the plan's rule-set hash"
assert_eq "True True" "$(J 'r["dry"]["changed"], r["dry"]["summary"]["dry_run"]')" "restore in check mode reports a change"
[ "$(J 'r["dry"]["summary"]["linked"]')" -gt 0 ] || fail "check mode would link nothing"
assert_eq True "$(J 'r["same"]')" "check mode wrote nothing"
[ "$(J 'r["tree"]')" -gt 3 ] || fail "the tree listing is empty"
assert_eq "True 0" "$(J 'r["res1"]["changed"], r["res1"]["summary"]["linked"] > 0 and 0')" "restore"
assert_eq "False 0 0" "$(J 'r["res2"]["changed"], r["res2"]["summary"]["linked"], r["res2"]["summary"]["directories"]')" "restore again places nothing"
assert_eq "False 0 ok" "$(J 'r["ver"]["changed"], r["ver"]["rc"], r["ver"]["summary"]["status"]')" "verify"
assert_eq "complete none" "$(J 'r["facts"]["stores"][0]["state"], r["facts"]["firstboot"][0]["state"]')" "facts"
assert_eq "True False none" "$(J 'r["rm1"]["changed"], r["rm2"]["changed"], r["rm2"]["summary"]["state"]')" "remove, remove again"
assert_no_path "$S"
assert_eq "alice notes" "$(cat "$R/home/alice/notes.txt")" "restored data survives rd"

# the failure: migstate's exit code and its own message, as migstate prints it
assert_eq "True 39" "$(J 'r["bad"]["failed"], r["bad"]["rc"]')" "missing plan fails"
direct=$("$MIGSTATE" load "$S" --plan "$WORK/missing.plan" --root "$R" --nocompress --hardlink \
	--json --log "$WORK/direct.log" 2>&1 >/dev/null || true)
assert_contains "$direct" "missing.plan" "migstate names the plan"
assert_eq "$direct" "$(J 'r["bad"]["msg"]')" "the task's message is migstate's"

# --- the role parses ------------------------------------------------------------------
cat >"$WORK/role.yml" <<-YAML
	- hosts: localhost
	  connection: local
	  roles:
	    - role: migstate.refresh.refresh
	      vars: {migstate_refresh_phase: capture, migstate_plan_src: $WORK/p.plan}
YAML
expect_rc 0 ansible-playbook -i localhost, --syntax-check "$WORK/role.yml"
