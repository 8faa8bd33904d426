#!/bin/sh
# t_python.sh -- a real, stripped, distribution binary: Debian's
# /usr/bin/python3.11 with its separate debug file from python3.11-dbg.
#
# holeprof must find the debug file by build-id on its own, read its ~250
# compile units (gcc 12, DWARF 5, with _Atomic members that pahole 1.24
# cannot read), and store CPython's core object layouts exactly.  Expected
# values are CPython 3.11's release-build (no Py_TRACE_REFS) headers on
# x86-64, confirmed with `pahole -C NAME` on the debug file.  Prints the
# wall time of the analysis.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
need_python311_dbg

db=$T/python.db
t0=$(date +%s.%N)
assert_status "analyze $PY" 0 "$HOLEPROF" analyze "$PY" -o "$db" -q
t1=$(date +%s.%N)
echo "analyze $PY: $(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}') s wall"
assert_eq "-q prints nothing" "" "$(cat "$T/err")"
[ -s "$db" ] || { fail "no database"; finish; }

# The binary, and where its DWARF came from.
assert_eq "binaries row" "$PY|$PYID|x86_64|$PYDBG|build-id" \
    "$(q "$db" "SELECT path||'|'||build_id||'|'||arch||'|'||debug_file||'|'||debug_how FROM binaries;")"
assert_match "compile units read" '^[0-9]{3}$' "$(q "$db" "SELECT cu_count FROM binaries;")"
assert_match "thousands of layouts" '^[0-9]{4,}$' "$(q "$db" "SELECT count(*) FROM types;")"
assert_eq "all C" "C" "$(q "$db" "SELECT DISTINCT lang FROM types;")"

# typedef struct { PyObject_VAR_HEAD PyObject **ob_item; Py_ssize_t
# allocated; } PyListObject;  -- stored under the typedef name, once,
# although ~100 units define it.
expect_type "$db" PyListObject "40 0 0 0 0 40"
assert_eq "PyListObject members" "ob_base:0:24 ob_item:24:8 allocated:32:8" \
    "$(members_of "$db" PyListObject | tr '\n' ' ' | sed 's/ $//')"
assert_eq "PyListObject flags (TF_ANON|TF_TYPEDEF_NAME), conflict" "24 0" \
    "$(type_row "$db" PyListObject "(flags & 24)||' '||conflict")"
assert_match "PyListObject seen in many units" '^[0-9]{2,}$' "$(type_row "$db" PyListObject cu_count)"
assert_eq "PyListObject.ob_base type" "PyVarObject" \
    "$(q "$db" "SELECT type_name FROM members WHERE idx = 0
                AND type_id = (SELECT id FROM types WHERE name = 'PyListObject');")"

# PyObject is "typedef struct _object PyObject": stored under the
# struct's own name, with the typedef recorded as an alias.
expect_type "$db" _object "16 0 0 0 0 16"
assert_eq "PyObject is an alias of _object" "_object" \
    "$(q "$db" "SELECT name FROM type_aliases WHERE alias = 'PyObject';")"
assert_eq "PyTypeObject is an alias of _typeobject" "_typeobject" \
    "$(q "$db" "SELECT name FROM type_aliases WHERE alias = 'PyTypeObject';")"
assert_eq "_object members" "ob_refcnt:0:8 ob_type:8:8" \
    "$(members_of "$db" _object | tr '\n' ' ' | sed 's/ $//')"
expect_type "$db" PyVarObject "24 0 0 0 0 24"
# PyTupleObject ends in the old-style one-element array ob_item[1].
expect_type "$db" PyTupleObject "32 0 0 0 0 32"
# PyTypeObject: a 4-byte hole after tp_version_tag (unsigned int) before
# tp_finalize (a pointer); 408 bytes either way.
expect_type "$db" _typeobject "408 1 4 0 0 408"
assert_eq "_typeobject hole after tp_version_tag" "tp_version_tag 4" \
    "$(q "$db" "SELECT name||' '||hole_after FROM members WHERE hole_after > 0
                AND type_id = (SELECT id FROM types WHERE name = '_typeobject');")"

# _Atomic members (DW_TAG_atomic_type): sized through the qualifier.
expect_type "$db" _Py_atomic_int "4 0 0 0 0 4"
expect_type "$db" _Py_atomic_address "8 0 0 0 0 8"
assert_match "some members are _Atomic" '^[1-9][0-9]*$' \
    "$(q "$db" "SELECT count(*) FROM members WHERE type_name LIKE '%_Atomic%';")"
assert_eq "no _Atomic/atomic_ member sized 0" 0 \
    "$(q "$db" "SELECT count(*) FROM members WHERE size = 0 AND bit_size = 0
                AND (type_name LIKE '%_Atomic%' OR type_name LIKE 'atomic\_%' ESCAPE '\\');")"

# Sanity over everything: no member runs past its type, no negative or
# absurd numbers, optimal never above size.
assert_eq "members inside their type" 0 \
    "$(q "$db" "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
                WHERE (m.flags & 4) = 0 AND m.offset + m.size > t.size AND t.kind <> 'union';")"
assert_eq "optimal_size <= size" 0 "$(q "$db" "SELECT count(*) FROM types WHERE optimal_size > size;")"
assert_eq "hole_bytes + tail_padding <= size" 0 \
    "$(q "$db" "SELECT count(*) FROM types WHERE hole_bytes + tail_padding > size;")"

finish
