#!/bin/sh
# t_sites_python.sh -- allocation sites of a real distribution binary:
# Debian's stripped /usr/bin/python3.11, with python3.11-dbg.
#
# A sanity test, not an exact one (the binary changes with Debian updates):
# the analysis succeeds; hundreds of sites are found and many are typed;
# CPython's allocator front ends are found as wrappers by their code alone
# -- PyMem_RawMalloc tail-calls malloc, PyMem_Malloc and PyObject_Malloc
# inline pymalloc and call malloc or the function in the _PyMem table --
# with the size in argument 0; well-known constructors are typed by their
# local variables or the type object they store into ob_type
# (PyFloat_FromDouble allocates a PyFloatObject through PyObject_Malloc,
# initialised with &PyFloat_Type); nothing failed to decode; the result does not depend on
# -j.  Prints the time the site scan took.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
need_python311_dbg

db=$T/python.db
assert_status "analyze $PY" 0 "$HOLEPROF" analyze "$PY" -o "$db"
grep 'allocation sites' "$T/err"
[ -s "$db" ] || { fail "no database"; finish; }

assert_match "hundreds of sites" '^[0-9]{3,}$' "$(q "$db" "SELECT count(*) FROM sites;")"
assert_eq "over 100 typed" 1 "$(q "$db" "SELECT count(*) > 100 FROM sites WHERE type_id IS NOT NULL;")"
assert_eq "every site has a function and a line" 0 \
    "$(q "$db" "SELECT count(*) FROM sites WHERE function IS NULL;")"
assert_eq "nearly every site has a line" 1 \
    "$(q "$db" "SELECT count(*) * 20 < (SELECT count(*) FROM sites) FROM sites WHERE line IS NULL;")"
assert_eq "nothing failed to decode" "0" "$(q "$db" "SELECT bad_bytes FROM site_scan;")"
assert_eq "site_scan agrees with sites" 1 \
    "$(q "$db" "SELECT sites = (SELECT count(*) FROM sites) AND typed = (SELECT count(*) FROM sites
                WHERE type_id IS NOT NULL) FROM site_scan;")"

for w in PyMem_RawMalloc PyMem_Malloc PyObject_Malloc; do
    assert_eq "$w is a wrapper, size in argument 0" "wrapper|0" \
        "$(q "$db" "SELECT origin || '|' || size_arg FROM allocators WHERE name = '$w';")"
done
assert_match "PyMem_RawMalloc: why" '^tail-calls malloc at 0x[0-9a-f]+ with argument 0 as the size' \
    "$(q "$db" "SELECT reason FROM allocators WHERE name = 'PyMem_RawMalloc';")"
assert_eq "PyObject_Calloc: count and size" "wrapper|1|0" \
    "$(q "$db" "SELECT origin || '|' || size_arg || '|' || count_arg FROM allocators WHERE name = 'PyObject_Calloc';")"
assert_match "callers of PyObject_Malloc are sites" '^[0-9]{2,}$' \
    "$(q "$db" "SELECT count(*) FROM sites WHERE allocator = 'PyObject_Malloc';")"

typed() {
    q "$db" "SELECT DISTINCT t.name || '|' || s.method || '|' || s.allocator FROM sites s
             JOIN types t ON t.id = s.type_id WHERE s.source_function = '$1';"
}
assert_eq "PyFloat_FromDouble" "PyFloatObject|py-type|PyObject_Malloc" "$(typed PyFloat_FromDouble)"
assert_eq "PyThread_tss_alloc" "_Py_tss_t|dwarf-var|PyMem_RawMalloc" "$(typed PyThread_tss_alloc)"
assert_eq "PyFloatObject's size" 24 \
    "$(q "$db" "SELECT DISTINCT s.size FROM sites s WHERE s.source_function = 'PyFloat_FromDouble';")"

# -j does not change the result
assert_status "analyze -j1" 0 "$HOLEPROF" analyze -q -j1 "$PY" -o "$T/j1.db"
cols="pc, function, file, line, allocator, size, count, type_id, method, loop_depth, candidates"
assert_eq "-j1 and default -j agree" "$(q "$db" "SELECT $cols FROM sites ORDER BY pc;" | md5sum)" \
    "$(q "$T/j1.db" "SELECT $cols FROM sites ORDER BY pc;" | md5sum)"

assert_status "sites command" 0 "$HOLEPROF" sites "$db" PyFloatObject
assert_match "sites command: PyFloatObject" '^struct PyFloatObject \(24 bytes\)' "$(head -1 "$T/out")"

finish
