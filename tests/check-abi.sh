#!/bin/sh
# tests/check-abi.sh -- the ABI of the freshly built libqk256.so.0 against
# the one released, abi/libqk256.so.0.xml: no function removed, changed or
# moved to another version node.  Functions added in a new version node are
# compatible: they pass, and are listed.
# SPDX-License-Identifier: MIT
#
# usage: tests/check-abi.sh            compare (make check)
#        tests/check-abi.sh --update   write the baseline from this build
#                                      (make abi-baseline, at a release)
#
# Environment (from make check; the defaults suit a run by hand from the
# top of a built source tree):
#   ABIDW, ABIDIFF  libabigail's programs (Debian: abigail-tools), or empty
#                   when configure found none: the test is then a SKIP
#   OBJDUMP         objdump, to see whether the library has debug info
#   QK256_LIB       lib/.libs/libqk256.so
#   QK256_HEADER    include/qk256.h: types declared elsewhere are private
#   QK256_ABI       the baseline, abi/libqk256.so.0.xml
#
# abidiff's exit status is a bit mask: 1 error, 2 usage error, 4 the ABI
# changed, 8 and the change is incompatible (removed functions).  It counts
# a changed parameter or return type as 4 alone, so 4 is a failure here
# unless the only changes are added functions: abidiff --no-added-syms
# then finds none.  It does not know our rule that a released version node
# never changes, so the nodes of the added functions are checked here.
set -u

lib=${QK256_LIB:-lib/.libs/libqk256.so}
header=${QK256_HEADER:-include/qk256.h}
base=${QK256_ABI:-abi/libqk256.so.0.xml}
if [ -z "${ABIDIFF+set}" ]; then
    ABIDIFF=$(command -v abidiff || true)
fi
if [ -z "${ABIDW+set}" ]; then
    ABIDW=$(command -v abidw || true)
fi

if [ ! -f "$lib" ]; then
    echo "SKIP: no shared library at $lib (--disable-shared?)"
    exit 77
fi
if [ -z "$ABIDIFF" ] || [ -z "$ABIDW" ]; then
    echo "SKIP: no abidw and abidiff (Debian: apt install abigail-tools)"
    exit 77
fi
if ! "${OBJDUMP:-objdump}" -h "$lib" | grep -q '[.]debug_info'; then
    echo "SKIP: $lib has no debug info (built without -g), which abidiff needs"
    exit 77
fi

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# The ABI of this build: the exported functions and the types that
# include/qk256.h declares, without file locations, and with the path of
# each translation unit made relative to the source tree, so that the same
# sources give the same file wherever they are built.
if ! "$ABIDW" --headers-dir "$(dirname "$header")" --drop-private-types \
        --exported-interfaces-only --no-show-locs --no-comp-dir-path \
        --no-corpus-path --no-elf-needed --type-id-style hash \
        --out-file "$tmp/new.xml" "$lib"; then
    echo "ERROR: abidw could not read $lib"
    exit 99
fi
sed "s|path='[^']*/\(lib/[^/']*\)'|path='\1'|" "$tmp/new.xml" > "$tmp/this.xml"

if [ "${1:-}" = --update ]; then
    cp "$tmp/this.xml" "$base" || exit 99
    echo "wrote $base: $(grep -c '<elf-symbol ' "$base") functions"
    exit 0
fi

if [ ! -f "$base" ]; then
    echo "FAIL: no baseline at $base"
    exit 1
fi
arch() { sed -n "s/^<abi-corpus .*architecture='\([^']*\)'.*/\1/p" "$1"; }
if [ "$(arch "$base")" != "$(arch "$tmp/this.xml")" ]; then
    echo "SKIP: the baseline is the ABI on $(arch "$base"), this library is $(arch "$tmp/this.xml")"
    exit 77
fi

"$ABIDIFF" "$base" "$tmp/this.xml" > "$tmp/report"
status=$?
"$ABIDIFF" --no-added-syms "$base" "$tmp/this.xml" > /dev/null
others=$?
if [ $((status & 3)) -ne 0 ]; then
    cat "$tmp/report"
    echo "ERROR: abidiff failed (exit status $status)"
    exit 99
fi
if [ $others -ne 0 ]; then
    cat "$tmp/report"
    echo "FAIL: the ABI of $lib is not compatible with $base (abidiff exit status $status)"
    exit 1
fi

# The nodes of the released functions, and what was added: name@@NODE.
sed -n "s/.*<elf-symbol .* version='\([^']*\)'.*/\1/p" "$base" | sort -u > "$tmp/nodes"
sed -n 's/^ *\[A\] .*{\(.*\)}$/\1/p' "$tmp/report" > "$tmp/added"
released=
while read -r sym; do
    if grep -qxF "${sym##*@}" "$tmp/nodes"; then
        released="$released $sym"
    fi
done < "$tmp/added"
if [ -n "$released" ]; then
    cat "$tmp/report"
    echo "FAIL: added to a released version node:$released (lib/qk256.map:" \
         "new functions go in a new node)"
    exit 1
fi
nfunc=$(grep -c '<elf-symbol ' "$base")
if [ -s "$tmp/added" ]; then
    cat "$tmp/report"
    echo "PASS: the $nfunc functions of $base are unchanged;" \
         "added in new nodes:" $(cat "$tmp/added")
else
    echo "PASS: the ABI equals $base ($nfunc functions)"
fi
exit 0
