#!/usr/bin/env bash
# Identity records (issue 16, item 1): scan records, by name, the accounts of the system
# it captured in MIGSTATE/identities: the selected users (passwd fields, shadow hash and
# aging, groups and memberships) and every user and group owning a captured object; an
# owner without a name is kept as a number. verify checks the records (damaged: 42) and
# that every captured owner has one; a store made before the records still verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/refresh_lib.sh"
need_root
need_cmd python3
WORK=$(mk_tmpdir)
at_exit "rm -rf '$WORK'"
cd "$WORK"
R=$WORK/root
mk_tmpfs "$R" 32m
mk_system "$R"
fill_homes "$R"
cat >>"$R/etc/passwd" <<'PW'
carol:x:1003:1003:Carol:/home/carol:/bin/sh
daemon2:x:130:130::/nonexistent:/usr/sbin/nologin
PW
cat >"$R/etc/group" <<'GR'
root:x:0:
alice:x:1001:
bob:x:1002:
sudo:x:27:alice
team:x:2000:alice,bob
crontab:x:101:
GR
cat >"$R/etc/shadow" <<'SH'
root:*:19000:0:99999:7:::
alice:$y$j9T$salt$hash:19700:0:99999:7:::
bob:!:19701:0:99999:7:::
SH
chmod 0640 "$R/etc/shadow"
put "$R/home/bob/cron.txt" 1002:101 0600 "2020-01-01 00:00:00" "bob's, group crontab"
put "$R/home/alice/nameless.txt" 4242:5555 0644 "2020-01-01 00:00:00" "no account owns it"
policy "$WORK/p.xml"
compile "$WORK/p.xml" "$WORK/p.plan"
S=$R/store
scan "$S" "$WORK/p.plan" "$R"
ID=$S/MIGSTATE/identities
[ -f "$ID" ] || fail "no identity records"
assert_eq 600 "$(stat -c %a "$ID")" "the records hold password hashes: root's alone"
python3 - "$ID" <<'PY' || fail "identity records"
import hashlib, sys
raw = open(sys.argv[1], "rb").read()
body, last = raw[:raw.rstrip(b"\n").rfind(b"\n") + 1], raw[raw.rstrip(b"\n").rfind(b"\n") + 1:]
assert last == b"sha256\t" + hashlib.sha256(body).hexdigest().encode() + b"\n", last
lines = [l.split(b"\t") for l in body.decode().encode().splitlines()[1:]]
users = {l[1]: l for l in lines if l[0] == b"user"}
groups = {l[1]: int(l[2]) for l in lines if l[0] == b"group"}
members = {(l[1], l[2]) for l in lines if l[0] == b"member"}
shadow = {l[1]: l for l in lines if l[0] == b"shadow"}
anon_u = {int(l[1]) for l in lines if l[0] == b"uid"}
anon_g = {int(l[1]) for l in lines if l[0] == b"gid"}
assert users[b"alice"][2:4] == [b"1001", b"1001"] and users[b"alice"][7] == b"selected", users
assert users[b"bob"][7] == b"selected", users[b"bob"]
assert users[b"root"][7] == b"owner", "root owns the homes' parent"
assert b"carol" not in users and b"daemon2" not in users, users.keys()
assert shadow[b"alice"][2] == b"$y$j9T$salt$hash" and shadow[b"alice"][3] == b"19700:0:99999:7:::"
assert shadow[b"bob"][2] == b"!"
assert groups[b"sudo"] == 27 and groups[b"team"] == 2000 and groups[b"crontab"] == 101, groups
assert {(b"alice", b"sudo"), (b"alice", b"team"), (b"bob", b"team")} <= members, members
assert anon_u == {4242} and anon_g == {5555}, (anon_u, anon_g)
PY
expect_rc 0 "$MIGSTATE" verify "$S"
assert_contains "$(cat "$WORK/scan.log")" "identities:" "the log says what was recorded"

# damaged: verify says so (42); an owner without a record: 42 too
cp "$ID" "$WORK/id.good"
sed -i 's/^user\tbob/user\tBob/' "$ID"
expect_rc 42 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "identities" "verify names the damaged records"
cp "$WORK/id.good" "$ID"
python3 - "$ID" <<'PY'
import hashlib, sys
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
body = b"".join(l for l in lines[:-1] if not l.startswith(b"uid\t"))
open(sys.argv[1], "wb").write(body + b"sha256\t" + hashlib.sha256(body).hexdigest().encode() + b"\n")
PY
expect_rc 42 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "uid 4242, has no identity record" "an owner without a record"
# a store made before identity records still verifies, with a note
rm -f "$ID"
expect_rc 0 "$MIGSTATE" verify "$S"
assert_contains "$OUT" "no identity records" "verify notes an older store"
cp "$WORK/id.good" "$ID"
expect_rc 0 "$MIGSTATE" verify "$S"
echo ok
