#!/bin/sh
# tests/check-symbols.sh -- the ABI: what libqk256.so exports is exactly what
# include/qk256.h declares and lib/qk256.map lists, each at the version node
# that the map puts it in, and debian/libqk256-0.symbols lists the same
# symbols at the same versions; and every macro of the header has its
# released value in tests/check_header.c
# SPDX-License-Identifier: MIT
# Environment (from make check): NM, QK256_LIB, QK256_HEADER, QK256_MAP,
# QK256_SYMBOLS, QK256_HEADER_TEST (tests/check_header.c).
set -eu

lib=${QK256_LIB:-lib/.libs/libqk256.so}
if [ ! -f "$lib" ]; then
    echo "SKIP: no shared library at $lib (--disable-shared?)"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^QK256_API[^(]*[ *]\(qk256_[a-z0-9_]*\)(.*/\1/p' "$QK256_HEADER" \
    | sort > "$tmp/header"
# name@NODE for each name in the map, NODE being the node it is listed in.
awk '/^[A-Z0-9_.]+ *\{/ { node = $1 }
     /^ *qk256_[a-z0-9_]*;$/ { sub(";", "", $1); print $1 "@" node }' \
    "$QK256_MAP" | sort > "$tmp/mapver"
sed 's/@.*//' "$tmp/mapver" > "$tmp/map"
"${NM:-nm}" -D --defined-only "$lib" > "$tmp/nm"
# Defined dynamic symbols, less the absolute one that names the version node.
awk '$2 != "A" { print $3 }' "$tmp/nm" | sort > "$tmp/exported"

status=0
if [ "$(wc -l < "$tmp/header")" -lt 9 ]; then
    echo "FAIL: found only $(wc -l < "$tmp/header") declarations in $QK256_HEADER"
    status=1
fi
if ! sed 's/@@/@/' "$tmp/exported" | diff -u "$tmp/mapver" -; then
    echo "FAIL: exported versions (+) differ from lib/qk256.map's nodes (-)"
    status=1
fi
sed 's/@.*//' "$tmp/exported" > "$tmp/names"
if ! diff -u "$tmp/header" "$tmp/names"; then
    echo "FAIL: exported symbols (+) differ from the header's declarations (-)"
    status=1
fi
if ! diff -u "$tmp/header" "$tmp/map"; then
    echo "FAIL: lib/qk256.map (+) differs from the header's declarations (-)"
    status=1
fi
# The Debian symbols file names each symbol as name@NODE, and each version
# node as NODE@NODE (nm shows the node as an absolute symbol).
awk '$2 == "A" { print $3 "@" $3; next } { sub("@@", "@", $3); print $3 }' "$tmp/nm" \
    | sort > "$tmp/versioned"
sed -n 's/^ \([^ ]*\) .*/\1/p' "$QK256_SYMBOLS" | sort > "$tmp/debian"
if ! diff -u "$tmp/versioned" "$tmp/debian"; then
    echo "FAIL: $QK256_SYMBOLS (+) differs from what the library exports (-)"
    status=1
fi
# abidiff sees no macros: tests/check_header.c holds each QK256_ macro of
# the header (but the include guard and QK256_API) to its released value.
sed -n 's/^# *define \(QK256_[A-Z0-9_]*\).*/\1/p' "$QK256_HEADER" \
    | grep -vx 'QK256_H\|QK256_API' | sort > "$tmp/macros"
sed -n 's/^ *M(\(QK256_[A-Z0-9_]*\),.*/\1/p' "$QK256_HEADER_TEST" | sort > "$tmp/held"
if ! diff -u "$tmp/macros" "$tmp/held"; then
    echo "FAIL: tests/check_header.c (+) does not hold the header's macros (-)"
    status=1
fi
[ $status -eq 0 ] && echo "PASS: $(wc -l < "$tmp/names") symbols, each at its node of the map, match the header, the map and the Debian symbols file; tests/check_header.c holds its $(wc -l < "$tmp/macros") macros"
exit $status
