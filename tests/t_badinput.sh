#!/bin/sh
# t_badinput.sh -- bad input gives one clear error, never a crash or a
# half-written database.
#
# Every case runs `holeprof analyze` on something wrong (a missing file, a
# directory, empty/text/truncated files, a 64-bit file claiming to be 32-bit, a binary without DWARF,
# corrupt .debug_info, an output path that cannot be written) and checks:
# exit status exactly 2, exactly one line on stderr, naming the file, no
# sanitizer report, and nothing left in the output directory (neither the
# database nor the writer's temporary file).  Finally an existing database
# named by -o must come through a failed run byte for byte.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc readelf sqlite3 cksum dd
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

OUT=$T/outdir       # the only thing ever written here is by holeprof
mkdir -p "$OUT"

# has WHAT NEEDLE : stderr of the last run contains NEEDLE (fixed string)
has() {
    if grep -qF -- "$2" "$T/err"; then pass; else
        fail "$1: stderr does not mention [$2]: $(head -c 400 "$T/err")"; fi
}

# bad WHAT FILE NAMED [ARGS...] : analyze FILE must fail cleanly; NAMED is
# the text (usually the path) the one-line message must contain
bad() {
    _w=$1; _f=$2; _named=$3; shift 3
    assert_status "[$_w] exit status" 2 "$HOLEPROF" analyze -q "$@" "$_f" -o "$OUT/x.db"
    assert_eq "[$_w] stderr lines" 1 "$(wc -l <"$T/err")"
    has "$_w" "$_named"
    assert_eq "[$_w] starts with holeprof:" "holeprof:" "$(cut -c1-9 "$T/err")"
    assert_eq "[$_w] no sanitizer output" 0 \
        "$(grep -c -E 'Sanitizer|runtime error|LeakSanitizer' "$T/err")"
    assert_eq "[$_w] stdout empty" 0 "$(wc -c <"$T/out")"
    assert_eq "[$_w] output dir empty" "" "$(ls -A "$OUT")"
    rm -rf "$OUT" && mkdir -p "$OUT"
}

cat >"$T/prog.c" <<'EOF'
struct bad_probe { char a; long b; };
struct bad_probe g;
int main(void) { return (int)g.b; }
EOF
gcc -std=c11 -O0 -g -gz=none -Wl,--build-id -o "$T/good" "$T/prog.c" 2>"$T/cc.err" \
    || die "gcc failed: $(head -c 400 "$T/cc.err")"

# ---- files that are not analyzable ELF executables ----
bad missing "$T/no-such-file" "$T/no-such-file"
has missing "No such file or directory"

mkdir -p "$T/adir"
bad directory "$T/adir" "$T/adir"

: >"$T/empty"
bad empty "$T/empty" "$T/empty"
has empty "not an ELF file"

printf 'hello, world\nthis is text\n' >"$T/text"
bad text "$T/text" "$T/text"
has text "not an ELF file"

head -c 100 "$T/good" >"$T/trunc100"
bad truncated-100 "$T/trunc100" "$T/trunc100"
has truncated-100 "truncated"

size=$(wc -c <"$T/good")
head -c $((size / 2)) "$T/good" >"$T/trunchalf"
bad truncated-half "$T/trunchalf" "$T/trunchalf"
has truncated-half "truncated"

head -c 20 "$T/good" >"$T/trunc20"
bad truncated-ident "$T/trunc20" "$T/trunc20"

# a 64-bit file whose EI_CLASS says 32-bit: its headers do not parse as
# ELF32 (real 32-bit files are read: tests/t_elf32.sh)
cp "$T/good" "$T/class32"
printf '\001' | dd of="$T/class32" bs=1 seek=4 conv=notrunc 2>/dev/null
bad 32-bit-crafted "$T/class32" "$T/class32"
has 32-bit-crafted "bad section header entry size"

# ---- no DWARF and no debug file anywhere (the default search, for real) ----
gcc -std=c11 -O0 -g0 -Wl,--build-id -s -o "$T/nodebug" "$T/prog.c" 2>"$T/cc.err" \
    || die "gcc failed: $(head -c 400 "$T/cc.err")"
NID=$(readelf -n "$T/nodebug" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
[ -n "$NID" ] || die "no build-id in $T/nodebug"
bad no-dwarf "$T/nodebug" "$T/nodebug"
has no-dwarf "build-id $NID"
has no-dwarf "/usr/lib/debug/.build-id/$(printf %s "$NID" | cut -c1-2)/"
has no-dwarf "-dbg"
has no-dwarf "--debug-file"
# with --debug-dir the message lists that root too
bad no-dwarf-dirs "$T/nodebug" "$T/nodebug" --debug-dir "$T/adir"
has no-dwarf-dirs "$T/adir/.build-id/"

# ---- a --debug-file that is not ELF ----
bad debug-file-text "$T/nodebug" "$T/text" --debug-file "$T/text"
has debug-file-text "not an ELF file"

# ---- corrupt .debug_info (bytes overwritten inside the section) ----
set -- $(readelf -SW "$T/good" | sed 's/^ *\[ *[0-9]*\] *//' | awk '$1 == ".debug_info" { print $4, $5 }')
[ $# = 2 ] || die "cannot find .debug_info in readelf -S output"
DI_OFF=$((0x$1)) DI_SIZE=$((0x$2))
[ "$DI_SIZE" -gt 32 ] || die ".debug_info too small: $DI_SIZE"
# patch NAME OFFSET PRINTF-BYTES
patch() {
    cp "$T/good" "$T/$1"
    printf "$3" | dd of="$T/$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
patch di-length $DI_OFF '\377\377\377\177'                      # unit_length past the end
bad corrupt-unit-length "$T/di-length" "$T/di-length"
patch di-64bit $DI_OFF '\377\377\377\377\377\377\377\377\377\377\377\377'
bad corrupt-64bit-length "$T/di-64bit" "$T/di-64bit"
patch di-version $((DI_OFF + 4)) '\143\000'                     # DWARF version 99
bad corrupt-version "$T/di-version" "$T/di-version"
cp "$T/good" "$T/di-zero"
dd if=/dev/zero of="$T/di-zero" bs=1 count=$DI_SIZE seek=$DI_OFF conv=notrunc 2>/dev/null
bad zeroed-debug-info "$T/di-zero" "$T/di-zero"
# the section header says .debug_info lies beyond the end of the file:
# patch sh_offset of that section (found by its readelf index)
IDX=$(readelf -SW "$T/good" | sed -n 's/^ *\[ *\([0-9]*\)\] *\.debug_info .*/\1/p')
SHOFF=$(od -An -t u8 -j 40 -N 8 "$T/good" | tr -d ' ')
cp "$T/good" "$T/di-oob"
# little-endian 0x7fffff00 as the new sh_offset (field at +24 in Elf64_Shdr)
printf '\000\377\377\177\000\000\000\000' | \
    dd of="$T/di-oob" bs=1 seek=$((SHOFF + IDX * 64 + 24)) conv=notrunc 2>/dev/null
bad debug-info-out-of-file "$T/di-oob" "$T/di-oob"
has debug-info-out-of-file ".debug_info"

# Garbage inside the DIEs may or may not be detectable; either way no
# crash, no sanitizer report, and a failure must be a clean one.
i=0
while [ $i -lt 8 ]; do
    cp "$T/good" "$T/di-garbage"
    dd if=/dev/urandom of="$T/di-garbage" bs=1 count=16 \
        seek=$((DI_OFF + 12 + (i * (DI_SIZE - 28)) / 8)) conv=notrunc 2>/dev/null
    "$HOLEPROF" analyze -q "$T/di-garbage" -o "$OUT/g.db" >"$T/out" 2>"$T/err"
    st=$?
    case $st in
    0) pass ;;
    2) assert_eq "[garbage $i] stderr lines" 1 "$(wc -l <"$T/err")"
       assert_eq "[garbage $i] no database" "" "$(ls -A "$OUT")" ;;
    *) fail "[garbage $i] exit status $st: $(head -c 400 "$T/err")" ;;
    esac
    assert_eq "[garbage $i] no sanitizer output" 0 \
        "$(grep -c -E 'Sanitizer|runtime error' "$T/err")"
    rm -rf "$OUT" && mkdir -p "$OUT"
    i=$((i + 1))
done

# ---- output that cannot be written ----
assert_status "[no such output dir] exit status" 2 \
    "$HOLEPROF" analyze -q "$T/good" -o "$T/no-such-dir/x.db"
assert_eq "[no such output dir] stderr lines" 1 "$(wc -l <"$T/err")"
has "no such output dir" "$T/no-such-dir"
assert_eq "[no such output dir] not created" no "$( [ -e "$T/no-such-dir" ] && echo yes || echo no)"

: >"$T/plainfile"
assert_status "[output dir is a file] exit status" 2 \
    "$HOLEPROF" analyze -q "$T/good" -o "$T/plainfile/x.db"
assert_eq "[output dir is a file] stderr lines" 1 "$(wc -l <"$T/err")"
has "output dir is a file" "$T/plainfile"

if [ "$(id -u)" != 0 ]; then
    mkdir -p "$T/ro" && chmod 555 "$T/ro"
    assert_status "[read-only dir] exit status" 2 "$HOLEPROF" analyze -q "$T/good" -o "$T/ro/x.db"
    assert_eq "[read-only dir] stderr lines" 1 "$(wc -l <"$T/err")"
    has "read-only dir" "$T/ro"
    assert_eq "[read-only dir] empty" "" "$(ls -A "$T/ro")"
    chmod 755 "$T/ro"
else
    # root ignores directory permissions; /proc refuses new files even to root
    assert_status "[unwritable /proc] exit status" 2 "$HOLEPROF" analyze -q "$T/good" -o /proc/holeprof-test.db
    assert_eq "[unwritable /proc] stderr lines" 1 "$(wc -l <"$T/err")"
    has "unwritable /proc" "/proc"
fi

# ---- default output name: a failed run leaves no BASENAME.holeprof.db ----
mkdir -p "$T/cwd"
(cd "$T/cwd" && "$HOLEPROF" analyze -q "$T/text") >"$T/out" 2>"$T/err"
assert_eq "[default -o] exit status" 2 "$?"
assert_eq "[default -o] nothing in cwd" "" "$(ls -A "$T/cwd")"

# ---- an existing database survives a failed run untouched ----
assert_status "[existing db] first run" 0 "$HOLEPROF" analyze -q "$T/good" -o "$OUT/keep.db"
before=$(cksum <"$OUT/keep.db")
for f in "$T/text" "$T/trunchalf" "$T/di-version" "$T/nodebug"; do
    assert_status "[existing db] failing run on $(basename "$f")" 2 \
        "$HOLEPROF" analyze -q "$f" -o "$OUT/keep.db"
    assert_eq "[existing db] unchanged after $(basename "$f")" "$before" "$(cksum <"$OUT/keep.db")"
done
assert_eq "[existing db] still readable" 1 \
    "$(q "$OUT/keep.db" "SELECT count(*) FROM types WHERE name = 'bad_probe';")"
assert_eq "[existing db] no temporary files" "keep.db" "$(ls -A "$OUT")"

finish
