#!/bin/sh
# tests/check-resolvers.sh -- the ifunc resolvers are leaf code
# SPDX-License-Identifier: MIT
#
# ld.so runs the resolvers while it is still relocating libqk256, so they may
# call nothing but, on x86, ld.so's __x86_get_cpuid_feature_leaf (which
# CPU_FEATURE_ACTIVE expands to), and that through the GOT, not the PLT; on
# arm64 nothing at all (they read the hwcaps ld.so passes them).  No libc
# call, no compiler-inserted memset, no stack-protector or other TLS access
# (%fs on x86-64, %gs on i386).  On i386 the resolvers also call
# __x86.get_pc_thunk.*, the compiler's two-instruction leaf that loads
# their own address, from which they find the GOT: a call through
# OFFSET(%reg) must then hit the GOT slot that ld.so fills with
# __x86_get_cpuid_feature_leaf (objdump does not name it there).
# Every IRELATIVE relocation of the library must belong to a resolver
# checked here.
# Environment (from make check): OBJDUMP, QK256_LIB.
set -eu

lib=${QK256_LIB:-lib/.libs/libqk256.so}
objdump=${OBJDUMP:-objdump}
if [ ! -f "$lib" ]; then
    echo "SKIP: no shared library at $lib (--disable-shared?)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$objdump" -d --no-show-raw-insn "$lib" \
    | awk '/^[0-9a-f]+ <qk256_resolve_[a-z0-9_]+>:$/,/^$/' > "$tmp/resolvers"
nres=$(grep -c '<qk256_resolve_[a-z0-9_]*>:$' "$tmp/resolvers" || true)
"$objdump" -R "$lib" > "$tmp/relocs"
nirel=$(grep -c '_IRELATIVE' "$tmp/relocs" || true)
# i386: the address the PIC register holds, _GLOBAL_OFFSET_TABLE_ (empty
# elsewhere, and then no call through a register passes).
got=$("$objdump" -t "$lib" | awk '$NF == "_GLOBAL_OFFSET_TABLE_" { print $1; exit }')

if [ "$nres" -eq 0 ] && [ "$nirel" -eq 0 ]; then
    echo "SKIP: the library was built without ifunc dispatch"
    exit 77
fi

status=0
if [ "$nres" -ne "$nirel" ]; then
    echo "FAIL: $nirel IRELATIVE relocations but $nres qk256_resolve_* functions"
    status=1
fi

# Calls and jumps, less the x86 calls through the GOT to the CPU-feature
# accessor and branches inside the resolver itself.  On arm64 any call
# (bl, blr and their pointer-authenticating forms) or indirect jump (br)
# is out; ret, and bti c or paciasp/autiasp where the build adds them, are
# in.
# The calls to the accessor go to $tmp/cpuid, one line each.
awk -v got="$got" -v cpuid="$tmp/cpuid" '
    function hex(s,    v, i) {
        v = 0
        s = tolower(s)
        sub(/^0x/, "", s)
        for (i = 1; i <= length(s); i++)
            v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v
    }
    FNR == NR {
        if ($2 ~ /_GLOB_DAT$|_JUMP_SLOT$/) slot[hex($1)] = $3
        next
    }
    /<qk256_resolve_[a-z0-9_]+>:$/ { fn = $2; sub(/^</, "", fn); sub(/>:$/, "", fn); next }
    /\t(call|jmp|j[a-z]+)[ \t]/ {
        if ($0 ~ /call +\*0x[0-9a-f]+\(%rip\) +# [0-9a-f]+ <__x86_get_cpuid_feature_leaf@/) {
            print fn > cpuid
            next
        }
        if ($0 ~ /call +[0-9a-f]+ <__x86\.get_pc_thunk\.[a-z]+>$/) next
        if (got != "" && match($0, /call +\*-?0x[0-9a-f]+\(%e[a-z]+\)$/)) {
            off = substr($0, RSTART, RLENGTH)
            sub(/^call +\*/, "", off)
            sub(/\(.*/, "", off)
            addr = off ~ /^-/ ? hex(got) - hex(substr(off, 2)) : hex(got) + hex(off)
            if (slot[addr] ~ /^__x86_get_cpuid_feature_leaf@/) {
                print fn > cpuid
                next
            }
        }
        if (index($0, "<" fn "+0x") > 0 && $0 !~ /\*/) next
        print fn ": " $0
        next
    }
    /\t(bl|blr|br|blra[a-z]*|bra[a-z]*)([ \t]|$)/ { print fn ": " $0; next }
    /\t(b|b\.[a-z]+|cbn?z|tbn?z)[ \t]/ {
        if (index($0, "<" fn "+0x") > 0) next
        print fn ": " $0
        next
    }
    /%fs:|%gs:|@plt|tpidr_el0/ { print fn ": " $0 }
' "$tmp/relocs" "$tmp/resolvers" > "$tmp/bad"

if [ -s "$tmp/bad" ]; then
    echo "FAIL: resolvers must be leaf code; found:"
    cat "$tmp/bad"
    status=1
fi
if [ -s "$tmp/cpuid" ]; then
    what="each calling only __x86_get_cpuid_feature_leaf through the GOT"
else
    what="none calling anything"
fi
[ $status -eq 0 ] && echo "PASS: $nres resolvers, $what"
exit $status
