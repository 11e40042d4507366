#!/bin/sh
# tests/check-man.sh -- the manual pages: one per public function, clean
# under groff, laid out as the Linux man-pages project lays out its pages,
# with SYNOPSIS prototypes equal to include/qk256.h, EXAMPLES programs
# equal to examples/*.c and printing what the pages show, and
# qk256-bench(1) true to what qk256-bench --help prints and --json outputs
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
#   QK256_RUN        the command that runs them (TEST_RUNNER), or empty;
#                    when it is set, qk256-bench is asked for --help only
#   QK256_BENCH      the command, possibly several words, that runs
#                    qk256-bench: make check runs bench/qk256-bench through
#                    libtool --mode=execute and TEST_RUNNER, the
#                    autopkgtest the installed qk256-bench.  By default
#                    bench/qk256-bench, if there is one; without it,
#                    qk256-bench(1) is checked as a page only (and the PASS
#                    line says so).  Set but not runnable: FAIL.
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
mkdir "$tmp/src" "$tmp/expect" "$tmp/man1" "$tmp/man3" "$tmp/man7" || exit 99

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
#   BENCH PAGE        hold PAGE, qk256-bench(1), to the program
#   COUNT F P         the header declares F functions; P pages were read
#                     (the first line)
# and README.md's "Using it" program in $tmp/demo.c.  Of a section 1 page it
# writes what the program is held to, one record a line, fields split by
# tabs, in $tmp/p1 (see the bench checks below):
#   SH PAGE SECTION LINE              a section heading (.SH)
#   TAG PAGE SECTION LINE TEXT ITALIC BOLD
#                                     the tag of a .TP item: its text, and
#                                     its runs of italic and of bold text
#                                     (fontruns), each list joined by \034
#   BODY PAGE TAGLINE TEXT            a line of the item's first paragraph
#   TEXT PAGE SECTION LINE TEXT       a line of text (all but the tags)
#   EX PAGE SECTION LINE BLOCK TEXT   a line of the BLOCKth .EX block
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
# The arguments of a macro line such as .SH, .B or .BR, into a[1..n];
# returns n.
function macroargs(s, a,    mac, n, arg, inarg, q, i, c) {
    mac = s
    sub(/[ \t].*/, "", mac)
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
    return n
}
# The text of a macro line: its arguments joined with spaces, or without
# for the macros that alternate fonts.
function macrotext(s,    mac, alt, n, a, i, out) {
    mac = s
    sub(/[ \t].*/, "", mac)
    alt = mac ~ /^\.(BI|IB|BR|RB|IR|RI)$/
    n = macroargs(s, a)
    out = ""
    for (i = 1; i <= n; i++)
        out = out (alt || i == 1 ? "" : " ") a[i]
    return out
}
# A line of text or a font macro (.B, .I, .BR, ...) in runs of one font:
# sets ft_text (the whole text, escapes undone), and ft_ital and ft_bold
# (its italic and bold runs, each trimmed, joined by \034).  \fB, \fI,
# \fR and \fP change the font within an argument or a line.
function fontruns(s,    mac, n, a, i, str, cur, old, esc) {
    ft_text = ""; ft_ital = ""; ft_bold = ""
    if (s ~ /^\.(B|I|BI|IB|BR|RB|IR|RI)( |$)/) {
        mac = s
        sub(/[ \t].*/, "", mac)
        mac = substr(mac, 2)
        n = macroargs(s, a)
        str = ""
        for (i = 1; i <= n; i++)
            if (length(mac) == 1)
                str = str (i > 1 ? " " : "") "\\f" mac a[i]
            else
                str = str "\\f" substr(mac, 2 - i % 2, 1) a[i]
    } else
        str = s
    cur = "R"; old = "R"
    while (match(str, /\\f(\[[^]]*\]|\(..|.)/)) {
        fontrun(substr(str, 1, RSTART - 1), cur)
        esc = substr(str, RSTART + 2, RLENGTH - 2)
        str = substr(str, RSTART + RLENGTH)
        gsub(/^[[(]|]$/, "", esc)
        if (esc == "P" || esc == "") {
            esc = old
            old = cur
            cur = esc
        } else {
            old = cur
            cur = esc
        }
    }
    fontrun(str, cur)
}
function fontrun(seg, font,    t) {
    t = unroff(seg)
    ft_text = ft_text t
    gsub(/^ +| +$/, "", t)
    if (t == "")
        return
    if (font == "I")
        ft_ital = ft_ital (ft_ital == "" ? "" : "\034") t
    else if (font == "B")
        ft_bold = ft_bold (ft_bold == "" ? "" : "\034") t
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
    tagline = 0
}
# A field of a $tmp/p1 record: no tab in it.
function p1text(s) {
    gsub(/\t/, " ", s)
    return s
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
    required["1"] = "NAME|SYNOPSIS|DESCRIPTION|OPTIONS|EXIT STATUS|EXAMPLES|SEE ALSO"
    required["3"] = "NAME|LIBRARY|SYNOPSIS|DESCRIPTION|RETURN VALUE|ATTRIBUTES|EXAMPLES|SEE ALSO"
    required["7"] = "NAME|DESCRIPTION|SEE ALSO"
    # The sections of its own that qk256-bench(1) needs: the bench checks
    # read them.
    required["qk256-bench.1"] = "OPERATIONS|OUTPUT|ROOFS|JSON"
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
        tagline = 0; exblock = 0
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
    # Before .TH, the name of the file, what it documents, and the licence.
    if (!(page in TH) && index($0, ".\\\" " page " -- ") == 1)
        HEADNAME[page] = 1
    if (!(page in TH) && $0 == ".\\\" SPDX-License-Identifier: MIT")
        HEADSPDX[page] = 1
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
    # .TH TITLE SECTION DATE SOURCE MANUAL, the last two as every page has
    # them.
    n = macroargs($0, a)
    if (n != 5 || a[3] !~ /^[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]$/ ||
        a[4] != "libqk256" || a[5] != "libqk256 Manual")
        bad(".TH is not .TH " $2 " " $3 " YYYY-MM-DD \"libqk256\" \"libqk256 Manual\"")
    next
}
/^\.SH/ {
    endsection()
    sh = macrotext($0)
    SH[page] = SH[page] "|" sh
    if (psec == "1")
        print "SH\t" page "\t" sh "\t" FNR > (tmp "/p1")
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
    exblock++
    tagline = 0
    next
}
/^\.EE/ {
    inex = 0
    inout = 0
    next
}
inex {
    checkcode($0)
    if (psec == "1")
        print "EX\t" page "\t" sh "\t" FNR "\t" exblock "\t" p1text(unroff($0)) > (tmp "/p1")
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
# ---- section 1 pages: their tags, the first paragraph of each item, and
# their text, in $tmp/p1
psec == "1" && sh != "" && prev == ".TP" {
    fontruns($0)
    print "TAG\t" page "\t" sh "\t" FNR "\t" p1text(ft_text) "\t" p1text(ft_ital) "\t" \
        p1text(ft_bold) > (tmp "/p1")
    tagline = FNR
}
psec == "1" && sh != "" && prev != ".TP" {
    if (/^\.(TP|PP|P|LP|IP|SS|RS|RE|EX)( |$)/)
        tagline = 0
    else if (/^\.(B|I|BI|IB|BR|RB|IR|RI)( |$)/ || !/^[.\047]/) {
        fontruns($0)
        print "TEXT\t" page "\t" sh "\t" FNR "\t" p1text(ft_text) > (tmp "/p1")
        if (tagline)
            print "BODY\t" page "\t" tagline "\t" p1text(ft_text) > (tmp "/p1")
    }
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
    gsub(/\\-/, "-", t)
    while (match(t, /qk256([-_][a-z0-9_]+)?\([0-9]\)/)) {
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
        if (!HEADNAME[page] || !HEADSPDX[page])
            fail(f ": it does not start with the comments .\\\" " page " -- WHAT and " \
                 ".\\\" SPDX-License-Identifier: MIT")
        if (HASTS[page] && FIRST[page] != "\047\\\" t")
            fail(f ": it has a table (.TS) but does not start with the line \047\\\" t")

        # Sections: the required ones, in the man-pages order, no others;
        # but a page of a program (section 1) may have headings of its own
        # (man-pages(7) allows them) between DESCRIPTION and EXIT STATUS.
        req = required[sec in required ? sec : "7"]
        if (page in required)
            req = req "|" required[page]
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
            if (!(shs[i] in rank) && sec == "1") {
                if (last < rank["DESCRIPTION"] || last >= rank["EXIT STATUS"])
                    fail(f ": the section " shs[i] ", one of its own, is not between " \
                         "DESCRIPTION and EXIT STATUS")
            } else if (!(shs[i] in rank))
                fail(f ": the section " shs[i] " is not one of man-pages(7)")
            else if (rank[shs[i]] <= last)
                fail(f ": the section " shs[i] " is out of the man-pages(7) order")
            else
                last = rank[shs[i]]
        }
        if (sec != "1" && !index(INCLUDE[page] "|", "|#include <qk256.h>|"))
            fail(f ": SYNOPSIS has no #include <qk256.h>")

        # The page of a program is held to the program (the shell part does
        # that); qk256-bench is the only program.
        if (sec == "1" && page == "qk256-bench.1")
            print "BENCH", page > (tmp "/todo")
        else if (sec == "1")
            fail(f ": this test does not know how to hold a page of section 1 " \
                 "other than qk256-bench.1 to its program")

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

# ---- qk256-bench(1) and the program ---------------------------------------
# The page says what qk256-bench --help says, and more; what --help lists
# is held to the page both ways:
#   - each option (a line "  --name ARG  ..." under "options:") is the tag
#     of an item of OPTIONS, with the same argument word, set as man-pages
#     sets it (the name in bold, a placeholder such as N in italic, a word
#     to type as it is in bold), and gives the default that --help gives
#     ("(default V)") in its first paragraph; each option tagged in OPTIONS
#     is one that --help lists, or a short option that prints what --help
#     prints (-h), tagged together with --help;
#   - each operation (a line "  name SHAPE  ..." under "operations", where
#     "pack N, unpack N" is two) is the tag of an item of OPERATIONS, with
#     the same shape word, and the other way round;
#   - the default operations ("the defaults: ...") are those of the one
#     example block of OPERATIONS, in the same order;
#   - the exit statuses ("Exit status: 0; 1 if ...; 2 ...") are the tags of
#     EXIT STATUS;
#   - each JSON key that the --json item names (a word with an underscore,
#     or "NAME" object) is in bold in a tag of JSON, and each value that it
#     quotes ("model_i8") is in the text of JSON.
# Then it runs the program, each operation that --help lists once at a
# tiny size with --json, and its GEMMs again for the table: every key of
# the JSON (but the variants, which are keys of "peaks") is in bold in a
# tag of JSON, and every key that JSON tags is in the output, named by
# --help, or one of NOT_RUN below; every column of the table's header lines
# ("op  shape ...") is a tag of OUTPUT.  That takes about 2 s (it measures
# every variant, in the children too).  Under an emulator (QK256_RUN), where
# the figures would be the emulator's and the children that qk256-bench
# forks on x86 run outside it, or not at all (qemu-user 7.2 hangs in a
# forked process, the bench's sources note), only --help and -h are run:
# the native builds hold the page to the output.
# The keys that a quick run does not print: those of the rows of --model
# (never run here), and arm64's variant_note; the keys of a compute peak
# count as printed when no variant of this machine has one (off x86-64).
NOT_RUN="activations batch gemvs_per_token quantize_i8_per_token"
NOT_RUN="$NOT_RUN gemms_per_pass quantize_i8_per_pass one_token_ms variant_note"
PEAK_KEYS="int8_mac_insn int8_macs_per_insn int8_mac_g_per_s"
PEAK_KEYS="$PEAK_KEYS f32_fma_insn f32_fmas_per_insn f32_fma_g_per_s"
bench=
benchnote=
if grep -q '^BENCH ' "$tmp/todo"; then
    if [ -n "${QK256_BENCH+set}" ]; then
        bench=$QK256_BENCH
        [ -n "$bench" ] || fail "QK256_BENCH is set, but empty"
    elif [ -x bench/qk256-bench ]; then
        bench=bench/qk256-bench
    else
        benchnote="; man/qk256-bench.1 checked as a page only: no QK256_BENCH, no bench/qk256-bench"
    fi
fi
# run_bench OUT ARG...: qk256-bench ARG..., its output to OUT; FAIL unless
# it exits with status 0.
run_bench() {
    rb_out=$1
    shift
    # shellcheck disable=SC2086
    $bench "$@" > "$rb_out" 2> "$tmp/run.err" < /dev/null
    rb_rc=$?
    [ $rb_rc -eq 0 ] && return 0
    fail "$bench $* exits with status $rb_rc:"
    cat "$tmp/run.err"
    return 1
}
# One record per operation that --help lists: its name and shape.
# shellcheck disable=SC2016
helpops='
/^operations/ { ops = 1; next }
/^$/ { ops = 0 }
ops && /^  [^ ]/ {
    s = substr($0, 3)
    if (match(s, /  /))
        s = substr(s, 1, RSTART - 1)
    n = split(s, it, /, /)
    for (i = 1; i <= n; i++)
        print it[i]
}'
if [ -n "$bench" ]; then
    # $bench is a command of several words on purpose.
    # shellcheck disable=SC2086
    $bench --help > "$tmp/help" 2> "$tmp/help.err" < /dev/null
    rc=$?
    if [ $rc -ne 0 ] || [ ! -s "$tmp/help" ]; then
        fail "$bench --help exits with status $rc and prints $(wc -c < "$tmp/help") bytes:"
        cat "$tmp/help.err"
        bench=
    fi
fi
if [ -n "$bench" ]; then
    : > "$tmp/aliases"
    for o in $(awk -F '\t' '$1 == "TAG" && $3 == "OPTIONS" {
                   n = split($5, it, /, /)
                   for (i = 1; i <= n; i++)
                       if (it[i] ~ /^-[A-Za-z0-9]$/)
                           print it[i]
               }' "$tmp/p1"); do
        # shellcheck disable=SC2086
        if $bench "$o" > "$tmp/alias" 2> /dev/null < /dev/null &&
                cmp -s "$tmp/help" "$tmp/alias"; then
            echo "$o" >> "$tmp/aliases"
        fi
    done
    : > "$tmp/json"
    : > "$tmp/table"
    ran=
    runjson=
    runtable=
    if [ -z "${QK256_RUN-}" ]; then
        runjson="--json --samples 3$(awk "$helpops" "$tmp/help" | awk '{
                      s = $2
                      if (s == "N")
                          s = 256
                      else {
                          gsub(/ROWS/, 8, s); gsub(/COLS/, 256, s); gsub(/N/, 2, s)
                      }
                      printf " %s %s", $1, s
                  }')"
        runtable="--samples 3$(awk "$helpops" "$tmp/help" |
                                awk '$2 == "ROWSxCOLSxN" { printf " %s 8x256x2", $1 }')"
        # Without operations it would run the default ones, which take long.
        [ "$runtable" != "--samples 3" ] || runtable=${runjson#--json }
        # shellcheck disable=SC2086
        if [ "$runjson" = "--json --samples 3" ]; then
            fail "$bench --help lists no operations"
        elif run_bench "$tmp/json" $runjson && run_bench "$tmp/table" $runtable; then
            ran=yes
        fi
        benchnote="; man/qk256-bench.1 held to qk256-bench --help, --json and the table"
    else
        benchnote="; man/qk256-bench.1 held to qk256-bench --help (QK256_RUN: not to its output)"
    fi
    # shellcheck disable=SC2016
    benchprog='
function bad(line, msg) {
    printf "FAIL: man/%s:%s: %s\n", page, line, msg
    status = 1
}
function trim(s) {
    gsub(/^ +| +$/, "", s)
    gsub(/  +/, " ", s)
    return s
}
# The first column of a line of --help: what comes before two spaces.
function firstcol(s) {
    s = substr(s, 3)
    if (match(s, /  /))
        s = substr(s, 1, RSTART - 1)
    return s
}
function word1(s) {
    sub(/ .*/, "", s)
    return s
}
function rest(s) {
    return index(s, " ") ? substr(s, index(s, " ") + 1) : ""
}
function inlist(w, list) {
    return index(" " list " ", " " w " ") > 0
}
# "dequant 64 256, gemv 8x256" -> "dequant 64, dequant 256, gemv 8x256"
function expand(s,    n, g, i, k, m, w, out) {
    out = ""
    n = split(s, g, /,/)
    for (i = 1; i <= n; i++) {
        m = split(trim(g[i]), w, / /)
        for (k = 2; k <= m; k++)
            out = out (out == "" ? "" : ", ") w[1] " " w[k]
    }
    return out
}
# The tag at line ln sets name in bold, each placeholder of arg (a run of
# capitals) in italic on its own, and a word to type as it is in bold.
function fonts(ln, sec, name, arg, ital, bold,    b, nb, i, n, bw, iw, ni, it, a, lit, lp) {
    nb = split(bold, b, "\034")
    for (i = 1; i <= nb; i++)
        bw = bw " " b[i]
    ni = split(ital, it, "\034")
    for (i = 1; i <= ni; i++) {
        iw = iw " " it[i]
        if (it[i] ~ /[a-z0-9]/)
            bad(ln, sec ": \"" it[i] "\" is in italic, but it is no placeholder")
    }
    if (!inlist(name, bw))
        bad(ln, sec ": " name " is not in bold")
    a = arg
    while (match(a, /[A-Z]+/)) {
        if (!inlist(substr(a, RSTART, RLENGTH), iw))
            bad(ln, sec ": the placeholder " substr(a, RSTART, RLENGTH) " of " name " " arg \
                " is not in italic on its own")
        a = substr(a, RSTART + RLENGTH)
    }
    lit = arg
    gsub(/[A-Z]+/, " ", lit)
    n = split(lit, lp, / +/)
    for (i = 1; i <= n; i++)
        if (lp[i] != "" && !inlist(lp[i], bw))
            bad(ln, sec ": in " name " " arg ", " lp[i] " is to be typed as it is, " \
                "but is not in bold")
}

# ---- qk256-bench --help
FILENAME == helpf && /^$/ {
    blk = ""
    opt = ""
    next
}
FILENAME == helpf && indefs {
    defs = defs " " $0
    if (sub(/\):.*/, "", defs))
        indefs = 0
    next
}
FILENAME == helpf && /^operations/ {
    blk = "ops"
    if (i = index($0, "the defaults:")) {
        defs = substr($0, i + 13)
        indefs = !sub(/\):.*/, "", defs)
    }
    next
}
FILENAME == helpf && /^options:/ {
    blk = "opts"
    next
}
FILENAME == helpf && /^Exit status:/ {
    blk = "exit"
}
FILENAME == helpf && blk == "exit" {
    exits = exits " " $0
    next
}
FILENAME == helpf && blk == "ops" && /^  [^ ]/ {
    n = split(firstcol($0), it, /, /)
    for (i = 1; i <= n; i++)
        HOP[word1(it[i])] = rest(it[i])
    next
}
FILENAME == helpf && blk == "opts" && /^  -/ {
    s = firstcol($0)
    n = split(s, it, /, /)
    for (i = 1; i <= n; i++)
        HOPT[word1(it[i])] = rest(it[i])
    opt = word1(it[1])
    DESC[opt] = substr($0, 3 + length(s))
    next
}
FILENAME == helpf && blk == "opts" && opt != "" && /^   / {
    DESC[opt] = DESC[opt] " " $0
    next
}

# ---- the page ($tmp/p1)
FILENAME == p1f {
    split($0, f, "\t")
    if (f[2] != page)
        next
}
FILENAME == p1f && f[1] == "SH" {
    SHLINE[f[3]] = f[4]
}
FILENAME == p1f && f[1] == "TAG" && (f[3] == "OPTIONS" || f[3] == "OPERATIONS") {
    n = split(trim(f[5]), it, /, /)
    for (i = 1; i <= n; i++) {
        w = word1(it[i])
        if (f[3] == "OPTIONS") {
            if (w in POPT)
                bad(f[4], "OPTIONS has a second item for " w)
            POPT[w] = rest(it[i])
            POPTLINE[w] = f[4]
        } else {
            if (w in POP)
                bad(f[4], "OPERATIONS has a second item for " w)
            POP[w] = rest(it[i])
            POPLINE[w] = f[4]
        }
        fonts(f[4], f[3], w, rest(it[i]), f[6], f[7])
    }
}
FILENAME == p1f && f[1] == "TAG" && (f[3] == "EXIT STATUS" || f[3] == "OUTPUT") {
    n = split(trim(f[5]), it, /, /)
    for (i = 1; i <= n; i++) {
        PTAG[f[3], it[i]] = f[4]
    }
}
FILENAME == p1f && f[1] == "TAG" && f[3] == "JSON" {
    n = split(f[7], tagb, "\034")
    for (i = 1; i <= n; i++) {
        m = split(tagb[i], words, /[ ,]+/)
        for (k = 1; k <= m; k++)
            if (words[k] ~ /^[a-z][a-z0-9_]*$/ && !(words[k] in PKEY))
                PKEY[words[k]] = f[4]
    }
}
FILENAME == p1f && f[1] == "BODY" {
    BODY[f[3]] = BODY[f[3]] " " f[4]
}
FILENAME == p1f && f[1] == "TEXT" && f[3] == "JSON" {
    t = f[5]
    gsub(/[^a-z0-9_]+/, " ", t)
    JSONWORDS = JSONWORDS " " t " "
}
FILENAME == p1f && f[1] == "EX" && f[3] == "OPERATIONS" {
    if (!exblock)
        exblock = f[5]
    if (f[5] != exblock) {
        if (!exwarned)
            bad(f[4], "a second example block in OPERATIONS, where the first is " \
                "the default operations")
        exwarned = 1
    } else {
        pdefs = pdefs (pdefs == "" ? "" : ", ") f[6]
        if (!defline)
            defline = f[4]
    }
}

# ---- -h and the like, which print what --help prints
FILENAME == aliasf {
    ALIAS[$0] = 1
}

# ---- the output of the runs
FILENAME == jsonf {
    json = json $0 "\n"
}
FILENAME == tablef && /^ *op  +shape  / {
    s = $0
    sub(/^ +/, "", s)
    n = split(s, it, /  +/)
    for (i = 1; i <= n; i++)
        COL[it[i]] = 1
}

# The keys of a JSON text into OUTKEY, but those of the object "peaks",
# which are names of variants.
function jsonkeys(s,    n, i, c, j, str, k, depth, stack, last) {
    n = length(s)
    depth = 0
    last = ""
    for (i = 1; i <= n; i++) {
        c = substr(s, i, 1)
        if (c == "\"") {
            str = ""
            for (j = i + 1; j <= n && substr(s, j, 1) != "\""; j++) {
                if (substr(s, j, 1) == "\\")
                    str = str substr(s, j++, 1)
                str = str substr(s, j, 1)
            }
            i = j
            for (k = i + 1; substr(s, k, 1) ~ /[ \t\n]/; k++)
                ;
            if (substr(s, k, 1) == ":") {
                if (stack[depth] != "peaks")
                    OUTKEY[str] = 1
                last = str
            }
        } else if (c == "{" || c == "[") {
            stack[++depth] = last
            last = ""
        } else if (c == "}" || c == "]")
            depth--
    }
}

END {
    # Options, both ways.
    for (o in HOPT) {
        if (!(o in POPT))
            bad(SHLINE["OPTIONS"], "OPTIONS has no item for " trim(o " " HOPT[o]) \
                ", which " prog " --help lists")
        else if (POPT[o] != HOPT[o])
            bad(POPTLINE[o], "OPTIONS gives " o " the argument \"" POPT[o] "\", " \
                prog " --help \"" HOPT[o] "\"")
        if (o in POPT && match(DESC[o], /\(default [^)]*\)/)) {
            v = substr(DESC[o], RSTART + 9, RLENGTH - 10)
            body = BODY[POPTLINE[o]]
            i = index(body, "default")
            body = " " substr(body, i) " "
            if (!i || index(body, " " v " ") + index(body, " " v ".") + \
                      index(body, " " v ";") + index(body, " " v ",") == 0)
                bad(POPTLINE[o], "the item of " o " does not give its default, " v \
                    ", after the word default, as " prog " --help does")
        }
    }
    for (o in POPT)
        if (!(o in HOPT)) {
            if (!(o in ALIAS))
                bad(POPTLINE[o], "OPTIONS lists " trim(o " " POPT[o]) ", which " prog \
                    " --help does not")
            else if (POPTLINE[o] != POPTLINE["--help"])
                bad(POPTLINE[o], "OPTIONS lists " o " apart from --help, which it is " \
                    "another name for")
        }
    # Operations, both ways, and the defaults.
    for (o in HOP) {
        if (!(o in POP))
            bad(SHLINE["OPERATIONS"], "OPERATIONS has no item for " o " " HOP[o] ", which " \
                prog " --help lists")
        else if (POP[o] != HOP[o])
            bad(POPLINE[o], "OPERATIONS gives " o " the shape \"" POP[o] "\", " prog \
                " --help \"" HOP[o] "\"")
    }
    for (o in POP)
        if (!(o in HOP))
            bad(POPLINE[o], "OPERATIONS lists " trim(o " " POP[o]) ", which " prog \
                " --help does not")
    if (expand(pdefs) != expand(defs))
        bad(defline ? defline : SHLINE["OPERATIONS"], "the default operations in the " \
            "example block of OPERATIONS are not those of " prog " --help:" \
            "\n    page:   " expand(pdefs) "\n    --help: " expand(defs))
    # Exit statuses, both ways.
    sub(/^ *Exit status: */, "", exits)
    n = split(exits, it, /;/)
    for (i = 1; i <= n; i++)
        if (match(trim(it[i]), /^[0-9]+/)) {
            v = substr(trim(it[i]), 1, RLENGTH)
            HEXIT[v] = 1
            if (!(("EXIT STATUS", v) in PTAG))
                bad(SHLINE["EXIT STATUS"], "EXIT STATUS has no item for " v ", which " \
                    prog " --help lists")
        }
    for (k in PTAG) {
        split(k, kk, SUBSEP)
        if (kk[1] == "EXIT STATUS" && !(kk[2] in HEXIT))
            bad(PTAG[k], "EXIT STATUS lists " kk[2] ", which " prog " --help does not")
    }
    # JSON: what the --json item names.  The names of operations there are
    # values (of op), as are the words it quotes, but "NAME" object.
    s = DESC["--json"]
    while (match(s, /"[a-z][a-z0-9_]*"( object)?|[a-z][a-z0-9]*_[a-z0-9_]*/)) {
        w = substr(s, RSTART, RLENGTH)
        s = substr(s, RSTART + RLENGTH)
        if ((w ~ /^"/ && w !~ / object$/) || w in HOP) {
            gsub(/"/, "", w)
            if (!index(JSONWORDS, " " w " "))
                bad(SHLINE["JSON"], "JSON does not mention \"" w "\", which the --json " \
                    "item of " prog " --help does")
            continue
        }
        sub(/ object$/, "", w)
        gsub(/"/, "", w)
        HKEY[w] = 1
        if (!(w in PKEY))
            bad(SHLINE["JSON"], "JSON has no item for the key " w ", which the --json " \
                "item of " prog " --help names")
    }
    if (!ran)
        exit status
    # JSON, both ways, and the columns of the table.
    jsonkeys(json)
    for (k in OUTKEY)
        if (!(k in PKEY))
            bad(SHLINE["JSON"], "JSON has no item for the key " k ", which " prog \
                " " runjson " prints")
    peaks = 0
    n = split(peakkeys, words, / /)
    for (i = 1; i <= n; i++)
        peaks += words[i] in OUTKEY
    for (k in PKEY)
        if (!(k in OUTKEY) && !(k in HKEY) && !inlist(k, notrun) &&
            !(inlist(k, peakkeys) && !peaks))
            bad(PKEY[k], "JSON lists the key " k ", which " prog " " runjson \
                " does not print")
    for (c in COL)
        if (!(("OUTPUT", c) in PTAG))
            bad(SHLINE["OUTPUT"], "OUTPUT has no item for the column \"" c "\" of the table " \
                "that " prog " " runtable " prints")
    exit status
}'
    page=$(sed -n 's/^BENCH //p' "$tmp/todo" | sed 1q)
    awk -v page="$page" -v prog=qk256-bench -v helpf="$tmp/help" -v p1f="$tmp/p1" \
        -v aliasf="$tmp/aliases" -v jsonf="$tmp/json" -v tablef="$tmp/table" \
        -v ran="$ran" -v runjson="$runjson" -v runtable="$runtable" \
        -v notrun="$NOT_RUN" -v peakkeys="$PEAK_KEYS" \
        "$benchprog" "$tmp/help" "$tmp/p1" "$tmp/aliases" "$tmp/json" "$tmp/table"
    case $? in
    0) ;;
    1) status=1 ;;
    *) exit 99 ;;
    esac
fi

# ---- groff --------------------------------------------------------------
# Each page as man(1) formats it: from a directory with man1/, man3/ and
# man7/, so that the .so lines of the stubs resolve, through soelim (-s), and
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
    echo "      the other checks passed$benchnote"
    exit 77
fi
read -r what nfns npages < "$tmp/todo"
echo "PASS: $npages pages, $nfns functions, $nprogs example programs$benchnote"
exit 0
