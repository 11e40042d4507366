#!/bin/sh
# tests/check-man.sh -- the manual pages: one per public function, clean
# under groff, laid out as the Linux man-pages project lays out its pages,
# with SYNOPSIS prototypes equal to include/qk256.h, and EXAMPLES programs
# equal to examples/*.c and printing what the pages show
# SPDX-License-Identifier: MIT
#
# Environment (from make check; each has a default for a run by hand from
# the top of a built source tree):
#   GROFF            groff, or empty when configure found none: the pages
#                    are then not formatted, and the test is a SKIP unless
#                    another check fails
#   QK256_SRCDIR     the top source directory
#   QK256_HEADER     include/qk256.h
#   QK256_MANS       dist_man_MANS, relative to QK256_SRCDIR
#   QK256_EXAMPLES   the directory of the built example programs
#   QK256_RUN        the command that runs them (TEST_RUNNER), or empty
set -u

srcdir=$(cd "${QK256_SRCDIR:-.}" && pwd) || exit 99
header=${QK256_HEADER:-$srcdir/include/qk256.h}
exdir=${QK256_EXAMPLES:-examples}
if [ -z "${GROFF+set}" ]; then
    GROFF=$(command -v groff || true)
fi
if [ -z "${QK256_MANS+set}" ]; then
    QK256_MANS=$(sed -n '/^dist_man_MANS *=/,/[^\\]$/p' "$srcdir/Makefile.am" \
        | sed 's/^dist_man_MANS *=//; s/\\$//')
fi
# shellcheck disable=SC2086
set -- $QK256_MANS
mans=$*

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src" "$tmp/expect" "$tmp/man3" "$tmp/man7" || exit 99

manfiles=
for f in "$srcdir"/man/*; do
    [ -f "$f" ] && manfiles="$manfiles ${f##*/}"
done
exfiles=
for f in "$srcdir"/examples/*.c; do
    [ -f "$f" ] && exfiles="$exfiles ${f##*/}"
done
pages=
for f in $mans; do
    [ -f "$srcdir/$f" ] && pages="$pages $srcdir/$f"
done

# ---- the header and the pages, in one awk pass ----------------------------
# It prints a FAIL line for each problem it finds, exits 1 if there was one,
# and leaves for the shell, in $tmp/todo:
#   SRC NAME.c PAGE   the page's program, its roff escapes undone, is in
#                     $tmp/src/NAME.c: compare it with examples/NAME.c
#   RUN PAGE NAME.c   the output that PAGE shows for its program is in
#                     $tmp/expect/PAGE: compare it with what the program prints
#   GROFF PAGE TBL    format PAGE, with tbl if TBL is -t
#   COUNT F P         the header declares F functions; P pages were read
#                     (the first line)
# and README.md's "Using it" program in $tmp/demo.c.
# shellcheck disable=SC2016
prog='
function fail(msg) {
    print "FAIL: " msg
    status = 1
}
function bad(msg) {
    fail("man/" page ":" FNR ": " msg)
}
function basename(s) {
    sub(/.*\//, "", s)
    return s
}
# Declarations, normalised: one space between words, none next to ( ) , *
# and ;.  The parameter names stay.
function norm(s) {
    gsub(/[ \t]+/, " ", s)
    gsub(/ *\( */, "(", s); gsub(/ *\) */, ")", s); gsub(/ *, */, ",", s)
    gsub(/ *\* */, "*", s); gsub(/ *; */, ";", s)
    sub(/^ /, "", s); sub(/ $/, "", s)
    return s
}
function fname(s) {
    if (!match(s, /qk256_[a-z0-9_]*\(/))
        return ""
    return substr(s, RSTART, RLENGTH - 1)
}
function inlist(w, list) {
    return index(" " list " ", " " w " ") > 0
}

# The roff escapes that the man-pages project writes in code, undone;
# others go to badesc.
function glyph(n) {
    if (n == "aq") return "\047"
    if (n == "dq") return "\""
    if (n == "ga") return "`"
    if (n == "ha") return "^"
    if (n == "ti") return "~"
    if (n == "rs") return "\\"
    badesc = badesc " \\[" n "]"
    return ""
}
function unroff(s,    out, i, c, j) {
    out = ""
    while ((i = index(s, "\\")) > 0) {
        out = out substr(s, 1, i - 1)
        c = substr(s, i + 1, 1)
        s = substr(s, i + 2)
        if (c == "-")
            out = out "-"
        else if (c == "e")
            out = out "\\"
        else if (c == "&" || c == "%")
            ;
        else if (c == "f") {
            if (substr(s, 1, 1) == "[")
                s = substr(s, index(s, "]") + 1)
            else if (substr(s, 1, 1) == "(")
                s = substr(s, 4)
            else
                s = substr(s, 2)
        } else if (c == "(") {
            out = out glyph(substr(s, 1, 2))
            s = substr(s, 3)
        } else if (c == "[") {
            j = index(s, "]")
            out = out glyph(substr(s, 1, j - 1))
            s = substr(s, j + 1)
        } else {
            badesc = badesc " \\" c
            out = out "\\" c
        }
    }
    return out s
}
# The text of a macro line such as .SH, .B or .BR: its arguments joined
# with spaces, or without for the macros that alternate fonts.
function macrotext(s,    mac, alt, n, a, arg, inarg, q, i, c, out) {
    mac = s
    sub(/[ \t].*/, "", mac)
    alt = mac ~ /^\.(BI|IB|BR|RB|IR|RI)$/
    s = substr(s, length(mac) + 1)
    n = 0; arg = ""; inarg = 0; q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\"") {
            if (q && substr(s, i + 1, 1) == "\"") {
                arg = arg c
                i++
            } else {
                q = !q
                inarg = 1
            }
        } else if ((c == " " || c == "\t") && !q) {
            if (inarg)
                a[++n] = arg
            arg = ""; inarg = 0
        } else {
            arg = arg c
            inarg = 1
        }
    }
    if (inarg)
        a[++n] = arg
    out = ""
    for (i = 1; i <= n; i++)
        out = out (alt || i == 1 ? "" : " ") a[i]
    return out
}
# In code, groff typesets - as a hyphen and \047 as a closing quote, not
# as the ASCII characters that the reader has to type.
function checkcode(raw) {
    if (raw ~ /(^|[^\\])-/)
        bad("a bare - in code (write \\-): " raw)
    if (index(raw, "\047"))
        bad("a bare \047 in code (write \\[aq]): " raw)
}

function endsection(    nm, n, i, names, t) {
    if (sh == "SYNOPSIS" && decl !~ /^ *$/)
        fail("man/" page ": SYNOPSIS: a declaration without a ;: " decl)
    if (sh == "NAME") {
        nm = unroff(nametext)
        if (!match(nm, / - /))
            fail("man/" page ": the NAME line has no \\-: " nametext)
        else {
            nm = substr(nm, 1, RSTART - 1)
            gsub(/^ +| +$/, "", nm)
            n = split(nm, names, / *, */)
            for (i = 1; i <= n; i++)
                NAMES[page] = NAMES[page] " " names[i]
        }
    }
    if (sh == "RETURN VALUE") {
        t = rvtext
        gsub(/QK256_E_\*/, "", t)
        while (match(t, /QK256_[A-Z0-9_]*[A-Z0-9]/)) {
            RV[page, substr(t, RSTART, RLENGTH)] = 1
            RVLIST[page] = RVLIST[page] " " substr(t, RSTART, RLENGTH)
            t = substr(t, RSTART + RLENGTH)
        }
        if (rvtext ~ /untouched/)
            UNTOUCHED[page] = 1
    }
    sh = ""
}
function endpage() {
    endsection()
    if (insrc)
        fail("man/" page ": SRC BEGIN without SRC END")
    if (inout && OUT[page] != "")
        fail("man/" page ": the ./a.out output block has no .EE")
}

BEGIN {
    order = "NAME|LIBRARY|SYNOPSIS|CONFIGURATION|DESCRIPTION|OPTIONS|" \
        "EXIT STATUS|RETURN VALUE|ERRORS|ENVIRONMENT|FILES|ATTRIBUTES|" \
        "VERSIONS|STANDARDS|HISTORY|NOTES|CAVEATS|BUGS|EXAMPLES|AUTHORS|" \
        "REPORTING BUGS|COPYRIGHT|SEE ALSO"
    n = split(order, o, "|")
    for (i = 1; i <= n; i++)
        rank[o[i]] = i
    required["3"] = "NAME|LIBRARY|SYNOPSIS|DESCRIPTION|RETURN VALUE|ATTRIBUTES|EXAMPLES|SEE ALSO"
    required["7"] = "NAME|DESCRIPTION|SEE ALSO"
    nmans = split(mans, m, " ")
    for (i = 1; i <= nmans; i++)
        listed[basename(m[i])] = 1
}

FNR == 1 {
    if (kind == "man")
        endpage()
    if (FILENAME == header)
        kind = "header"
    else if (FILENAME == readme)
        kind = "readme"
    else {
        kind = "man"
        page = basename(FILENAME)
        psec = page
        sub(/.*\./, "", psec)
        PAGES = PAGES " " page
        FIRST[page] = $0
        sh = ""; insrc = 0; inex = 0; inout = 0; prev = ""; prev2 = ""
        decl = ""; nametext = ""; rvtext = ""; nlines = 0
    }
}

# ---- include/qk256.h
kind == "header" && /^#define QK256_/ {
    DEF[$2] = $3
}
kind == "header" && /^QK256_API/ {
    hdecl = ""
    inhdecl = 1
}
kind == "header" && inhdecl {
    line = $0
    sub(/\/\*.*\*\//, "", line)
    hdecl = hdecl " " line
    if (index(line, ";")) {
        sub(/QK256_API/, "", hdecl)
        hdecl = norm(hdecl)
        FNS = FNS " " fname(hdecl)
        DECL[fname(hdecl)] = hdecl
        inhdecl = 0
    }
}
kind == "header" {
    next
}

# ---- README.md: the first C block under "## Using it"
kind == "readme" {
    if (/^## /)
        using = $0 == "## Using it"
    else if (using && !demodone && $0 == "```c")
        indemo = 1
    else if (indemo && $0 == "```") {
        indemo = 0
        demodone = 1
    } else if (indemo)
        print > (tmp "/demo.c")
    next
}

# ---- the pages
{
    badesc = ""
    nlines++
}
/^\.\\"/ && !/^\.\\" SRC (BEGIN|END)/ {
    next
}
/^\.so / {
    STUB[page] = $2
    if (nlines != 1)
        bad(".so after other lines: a stub page holds its .so line alone")
    next
}
STUB[page] != "" {
    bad("text after the .so line of a stub page")
}
/^\.TH / {
    TH[page] = $2 " " $3
    next
}
/^\.SH/ {
    endsection()
    sh = macrotext($0)
    SH[page] = SH[page] "|" sh
    next
}
/^\.TS/ {
    HASTS[page] = 1
    # .PP leaves groff in no-space mode, in which tbl cannot move a table
    # that falls on the end of a page (-Tps) to the next one, and warns.
    if (prev == ".PP" || (prev ~ /^\.RS/ && prev2 == ".PP"))
        bad(".TS after .PP: where the table falls on a page end, groff -ww warns; write .sp for .PP")
}
/^\.\\" SRC BEGIN / {
    if (!match($0, /\([a-z0-9_]*\.c\)$/))
        bad("SRC BEGIN without (NAME.c)")
    else {
        src = substr($0, RSTART + 1, RLENGTH - 2)
        if (src in SRCPAGE)
            bad("man/" SRCPAGE[src] " quotes " src " too")
        SRCPAGE[src] = page
        SRC[page] = src
        printf "" > (tmp "/src/" src)
    }
    insrc = 1
    srcline = 0
    next
}
/^\.\\" SRC END/ {
    if (!insrc)
        bad("SRC END without SRC BEGIN")
    else if (prev != ".EE")
        bad("the program does not end with .EE before SRC END")
    insrc = 0
    next
}
insrc {
    srcline++
    if (srcline == 1) {
        if ($0 != ".EX")
            bad("the program does not start with .EX after SRC BEGIN")
    } else if ($0 != ".EE") {
        if (prev == ".EE")
            bad("text after .EE inside the program")
        if (/^[.\047]/)
            bad("a request inside the program: " $0)
        checkcode($0)
        line = unroff($0)
        if (badesc != "")
            bad("escapes that this test does not know:" badesc)
        print line > (tmp "/src/" src)
    }
    prev = $0
    next
}
/^\.EX/ {
    inex = 1
    next
}
/^\.EE/ {
    inex = 0
    inout = 0
    next
}
inex {
    checkcode($0)
    if (sh == "EXAMPLES" && unroff($0) == "$ ./a.out") {
        if (OUT[page] != "")
            bad("a second ./a.out output block")
        OUT[page] = "yes"
        inout = 1
        printf "" > (tmp "/expect/" page)
    } else if (inout) {
        if (/^[.\047]/)
            bad("a request inside the output block: " $0)
        line = unroff($0)
        if (badesc != "")
            bad("escapes that this test does not know:" badesc)
        print line > (tmp "/expect/" page)
    }
    next
}
sh == "NAME" && !/^\./ {
    nametext = nametext " " $0
}
sh == "SYNOPSIS" {
    if (/^\.(nf|fi|PP|P|LP|br|sp)( |$)/)
        next
    if (/^\.(B|I|BI|IB|BR|RB|IR|RI)( |$)/)
        text = macrotext($0)
    else if (/^[.\047]/) {
        bad("a request that this test does not know in SYNOPSIS: " $0)
        next
    } else
        text = $0
    text = unroff(text)
    if (text ~ /^#include/)
        INCLUDE[page] = INCLUDE[page] "|" text
    else if (text ~ /^#define/) {
        split(text, w, /[ \t]+/)
        DEFINES[page] = DEFINES[page] " " w[2]
        DEFVAL[page, w[2]] = w[3]
    } else if (psec == "3") {
        decl = decl " " text
        while ((i = index(decl, ";")) > 0) {
            d = norm(substr(decl, 1, i))
            decl = substr(decl, i + 1)
            PROTOS[page] = PROTOS[page] " " fname(d)
            PROTO[page, fname(d)] = d
        }
    }
    next
}
sh == "RETURN VALUE" {
    rvtext = rvtext " " $0
}
sh == "ERRORS" && prev == ".TP" && /^\.B QK256_/ {
    ERR[page, $2] = 1
    ERRLIST[page] = ERRLIST[page] " " $2
}
{
    prev2 = prev
    prev = $0
    # Cross-references, qk256_foo(3) or qk256(7), however they are set.
    t = $0
    gsub(/\\f(\[[^]]*\]|\(..|.)/, "", t)
    gsub(/\\%|\\&|"| /, "", t)
    while (match(t, /qk256(_[a-z0-9_]+)?\([0-9]\)/)) {
        REFS[page] = REFS[page] " " substr(t, RSTART, RLENGTH)
        t = substr(t, RSTART + RLENGTH)
    }
}

END {
    if (kind == "man")
        endpage()
    nfns = split(FNS, fns, " ")
    if (nfns < 9)
        fail("found only " nfns " declarations in " header)
    print "COUNT", nfns, split(PAGES, pg, " ") > (tmp "/todo")

    # Every page is in dist_man_MANS, and every function has a page.
    n = split(manfiles, mf, " ")
    for (i = 1; i <= n; i++)
        if (!(mf[i] in listed))
            fail("man/" mf[i] " is not in dist_man_MANS in Makefile.am, so it is not installed")
    for (i = 1; i <= nmans; i++)
        if (!inlist(basename(m[i]), manfiles))
            fail(m[i] " is in dist_man_MANS but does not exist")
    for (i = 1; i <= nfns; i++) {
        fn = fns[i]
        if (!inlist(fn ".3", manfiles))
            fail(fn ", which include/qk256.h declares, has no manual page man/" fn ".3")
        else if (!((fn ".3") in listed))
            fail("man/" fn ".3, the page of " fn ", is not in dist_man_MANS")
        if (!inlist(fn "(3)", REFS["qk256.7"]))
            fail("man/qk256.7 does not refer to " fn "(3)")
    }

    np = split(PAGES, pg, " ")
    for (k = 1; k <= np; k++) {
        page = pg[k]
        f = "man/" page
        base = page
        sub(/\.[^.]*$/, "", base)
        sec = page
        sub(/.*\./, "", sec)

        if (STUB[page] != "") {
            # A stub: .so manN/other.N, whose NAME line lists this name.
            target = STUB[page]
            sub(/.*\//, "", target)
            first = FIRST[target]
            if (STUB[page] !~ /^man[0-9]\//)
                fail(f ": .so " STUB[page] ": a stub names its page as manN/page.N")
            if (!inlist(target, manfiles))
                fail(f ": .so " STUB[page] ": there is no man/" target)
            else if (STUB[target] != "")
                fail(f ": .so " STUB[page] ": man/" target " is a stub itself")
            else if (!inlist(base, NAMES[target]))
                fail(f ": .so " STUB[page] ": the NAME line of man/" target " does not list " base)
            print "GROFF", page, (first == "\047\\\" t" ? "-t" : "") > (tmp "/todo")
            continue
        }
        print "GROFF", page, (FIRST[page] == "\047\\\" t" ? "-t" : "") > (tmp "/todo")

        if (TH[page] != toupper(base) " " sec)
            fail(f ": .TH says \"" TH[page] "\", not \"" toupper(base) " " sec "\"")
        if (HASTS[page] && FIRST[page] != "\047\\\" t")
            fail(f ": it has a table (.TS) but does not start with the line \047\\\" t")

        # Sections: the required ones, in the man-pages order, no others.
        req = required[sec == "3" ? "3" : "7"]
        isint = 0
        n = split(PROTOS[page], pr, " ")
        for (i = 1; i <= n; i++)
            if (PROTO[page, pr[i]] ~ /^int /)
                isint = 1
        if (isint)
            req = req "|ERRORS"
        n = split(req, rq, "|")
        for (i = 1; i <= n; i++)
            if (!index(SH[page] "|", "|" rq[i] "|"))
                fail(f ": there is no " rq[i] " section")
        n = split(substr(SH[page], 2), shs, "|")
        last = 0
        for (i = 1; i <= n; i++) {
            if (!(shs[i] in rank))
                fail(f ": the section " shs[i] " is not one of man-pages(7)")
            else if (rank[shs[i]] <= last)
                fail(f ": the section " shs[i] " is out of the man-pages(7) order")
            else
                last = rank[shs[i]]
        }
        if (!index(INCLUDE[page] "|", "|#include <qk256.h>|"))
            fail(f ": SYNOPSIS has no #include <qk256.h>")

        # NAME: this page, and for each other name a stub that names it.
        if (!inlist(base, NAMES[page]))
            fail(f ": the NAME line does not list " base)
        if (sec == "3") {
            n = split(NAMES[page], nm, " ")
            for (i = 1; i <= n; i++) {
                if (!inlist(nm[i], FNS))
                    fail(f ": the NAME line lists " nm[i] ", which include/qk256.h does not declare")
                else if (nm[i] != base && STUB[nm[i] ".3"] != "man3/" page)
                    fail(f ": the NAME line lists " nm[i] ", but man/" nm[i] ".3 is not the stub \".so man3/" page "\"")
                if (!((page, nm[i]) in PROTO))
                    fail(f ": SYNOPSIS has no prototype of " nm[i])
            }
        }

        # SYNOPSIS: each prototype is the header one, parameter names and all.
        n = split(PROTOS[page], pr, " ")
        for (i = 1; i <= n; i++) {
            d = PROTO[page, pr[i]]
            if (!(pr[i] in DECL))
                fail(f ": SYNOPSIS declares \"" d "\", which include/qk256.h does not")
            else if (d != DECL[pr[i]])
                fail(f ": the SYNOPSIS prototype of " pr[i] " differs from include/qk256.h" \
                     "\n    page:   " d "\n    header: " DECL[pr[i]])
        }
        n = split(DEFINES[page], df, " ")
        for (i = 1; i <= n; i++)
            if (DEFVAL[page, df[i]] != DEF[df[i]])
                fail(f ": SYNOPSIS has #define " df[i] " " DEFVAL[page, df[i]] ", include/qk256.h " \
                     (df[i] in DEF ? "#define " df[i] " " DEF[df[i]] : "no " df[i]))

        # RETURN VALUE names QK256_OK and every status that ERRORS lists,
        # and says that a failure leaves the outputs untouched.
        if (ERRLIST[page] != "") {
            if (!((page, "QK256_OK") in RV))
                fail(f ": RETURN VALUE does not name QK256_OK")
            n = split(ERRLIST[page], er, " ")
            for (i = 1; i <= n; i++) {
                if (!(er[i] in DEF))
                    fail(f ": ERRORS lists " er[i] ", which include/qk256.h does not define")
                if (!((page, er[i]) in RV))
                    fail(f ": RETURN VALUE does not name " er[i] ", which ERRORS lists")
            }
            n = split(RVLIST[page], er, " ")
            for (i = 1; i <= n; i++)
                if (er[i] != "QK256_OK" && !((page, er[i]) in ERR))
                    fail(f ": RETURN VALUE names " er[i] ", which ERRORS does not list")
            if (!UNTOUCHED[page])
                fail(f ": RETURN VALUE does not say that a failure leaves the outputs untouched")
        }

        # Cross-references name pages that exist.
        n = split(REFS[page], rf, " ")
        for (i = 1; i <= n; i++) {
            r = rf[i]
            sub(/\(/, ".", r)
            sub(/\)/, "", r)
            if (!inlist(r, manfiles) && !seen[page, r]++)
                fail(f ": it refers to " rf[i] ", but there is no man/" r)
        }

        # EXAMPLES: a program on every function page, and its output.
        if (sec == "3" && SRC[page] == "")
            fail(f ": EXAMPLES has no program between .\\\" SRC BEGIN (NAME.c) and .\\\" SRC END")
        if (SRC[page] != "")
            print "SRC", SRC[page], page > (tmp "/todo")
        if (OUT[page] != "" && SRC[page] == "")
            fail(f ": it shows the output of ./a.out, but has no SRC BEGIN program")
        else if (OUT[page] != "")
            print "RUN", page, SRC[page] > (tmp "/todo")
    }

    n = split(exfiles, ex, " ")
    for (i = 1; i <= n; i++)
        if (ex[i] != "demo.c" && !(ex[i] in SRCPAGE))
            fail("no page quotes examples/" ex[i] " (.\\\" SRC BEGIN (" ex[i] "))")
    if (!demodone)
        fail("README.md has no ```c program under \"## Using it\"")
    exit status
}'
# shellcheck disable=SC2086
awk -v tmp="$tmp" -v header="$header" -v readme="$srcdir/README.md" \
    -v mans="$mans" -v manfiles="$manfiles" -v exfiles="$exfiles" \
    "$prog" "$header" $pages "$srcdir/README.md"
case $? in
0) status=0 ;;
1) status=1 ;;
*) exit 99 ;;
esac
fail() {
    echo "FAIL: $*"
    status=1
}

# ---- example programs ---------------------------------------------------
# The pages' programs and README.md's are examples/*.c, byte for byte.
if [ -f "$tmp/demo.c" ]; then
    echo "SRC demo.c README.md" >> "$tmp/todo"
fi
nprogs=0
while read -r what name page; do
    [ "$what" = SRC ] || continue
    nprogs=$((nprogs + 1))
    if [ ! -f "$srcdir/examples/$name" ]; then
        fail "$page quotes $name, but there is no examples/$name"
        continue
    fi
    case $page in
    README.md) copy=$tmp/demo.c ;;
    *) copy=$tmp/src/$name; page=man/$page ;;
    esac
    if ! cmp -s "$srcdir/examples/$name" "$copy"; then
        fail "the program in $page (+) differs from examples/$name (-):"
        diff -u "$srcdir/examples/$name" "$copy" | sed 1,2d
    fi
done < "$tmp/todo"

# The output that a page shows is what its program prints with every
# variant of this host bound (tests/variant-env: GLIBC_TUNABLES masks on
# x86, QEMU_CPU under qemu on arm64 and i386; on a CPU that lacks a
# variant, or on arm64 hardware, the loader binds another, which must
# print the same).
# version.c prints the variant's name, and its page shows the output
# "where the scalar variant is bound": it runs with scalar selected, which
# on arm64 nothing does (every CPU has Advanced SIMD), so there its output
# is compared only in a build that has no other variant.
. "$srcdir/tests/variant-env"
arch=${QK256_HOST_CPU:-$(uname -m)}
while read -r what page name; do
    [ "$what" = RUN ] || continue
    exe=$exdir/${name%.c}
    if [ ! -x "$exe" ]; then
        fail "$exe, the program of man/$page, is not built"
        continue
    fi
    want=$(cat "$tmp/expect/$page")
    case $name in
    version.c) variants=scalar ;;
    *) variants="default $(variant_names "$arch")" ;;
    esac
    for v in $variants; do
        case $v in
        default) env= ;;
        *) env=$(variant_env_here "$arch" "$v") ;;
        esac
        # $env is NAME=VALUE words or empty; env(1) takes each as a word.
        # shellcheck disable=SC2086
        got=$(env $env ${QK256_RUN-} "$exe" 2>&1 < /dev/null)
        rc=$?
        if [ $rc -eq 0 ] && [ "$name" = version.c ]; then
            case $got in
            *", scalar variant"*) ;;
            *) continue ;; # another variant is bound, and nothing selects scalar
            esac
        fi
        if [ $rc -ne 0 ]; then
            fail "$exe ($v variant) exits with status $rc:"
            echo "$got"
            break
        elif [ "$got" != "$want" ]; then
            fail "$exe ($v variant) prints (+) other than man/$page shows (-):"
            echo "$got" > "$tmp/got"
            diff -u "$tmp/expect/$page" "$tmp/got" | sed 1,2d
            break
        fi
    done
done < "$tmp/todo"

# ---- groff --------------------------------------------------------------
# Each page as man(1) formats it: from a directory with man3/ and man7/,
# so that the .so lines of the stubs resolve, through soelim (-s), and
# through tbl (-t) where the page asks for it with its first line '\" t.
# -ww turns on every warning; any output at all is a failure.
if [ -n "$GROFF" ]; then
    for f in $mans; do
        [ -f "$srcdir/$f" ] && ln -s "$srcdir/$f" "$tmp/man${f##*.}/"
    done
    while read -r what page tbl; do
        [ "$what" = GROFF ] || continue
        # shellcheck disable=SC2086
        if ! (cd "$tmp" && "$GROFF" -s $tbl -man -ww -z "man${page##*.}/$page") \
                < /dev/null > "$tmp/groff" 2>&1 || [ -s "$tmp/groff" ]; then
            fail "man/$page: groff -s${tbl:+ $tbl} -man -ww -z reports:"
            cat "$tmp/groff"
        fi
    done < "$tmp/todo"
fi

[ $status -eq 0 ] || exit 1
if [ -z "$GROFF" ]; then
    echo "SKIP: groff not found (Debian: groff-base), so the pages were not formatted;"
    echo "      the other checks passed"
    exit 77
fi
read -r what nfns npages < "$tmp/todo"
echo "PASS: $npages pages, $nfns functions, $nprogs example programs"
exit 0
