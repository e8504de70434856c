#!/usr/bin/env bash
# migstate is the field binary: it must not link libxml2 (nor any parser output).
. "$(dirname "$0")/lib.sh"
need_cmd readelf
needed=$(readelf -d "$MIGSTATE" | awk '/NEEDED/ {print $NF}')
note "migstate needs: $needed"
case "$needed" in *libxml2*) fail "migstate links libxml2" ;; esac
if command -v ldd >/dev/null; then
	case "$(ldd "$MIGSTATE")" in *libxml2*) fail "ldd shows libxml2" ;; esac
fi
# migc, on the other hand, does use libxml2
case "$(readelf -d "$MIGC" | awk '/NEEDED/ {print $NF}')" in *libxml2*) ;; *) fail "migc does not link libxml2?" ;; esac
# and no flex/bison symbols leaked into the runtime
if nm "$MIGSTATE" 2>/dev/null | grep -Eq ' (patyy|scryy)'; then fail "parser symbols in migstate"; fi
