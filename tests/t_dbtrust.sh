#!/bin/sh
# t_dbtrust.sh -- a holeprof database is input: a crafted one must not run
# code, change what the user sees, or write through holeprof (issue 22).
# Every hostile file is made here, at run time, from a real analyze with
# the real sqlite3 CLI.
#
# 1. View text with statements appended: `--binary` used to rebuild TEMP
#    views by running the file's own view SQL through sqlite3_exec, so the
#    appended statements ran -- with Debian's SQLite, fts3_tokenizer() with
#    a pointer the file chooses gave SIGSEGV, and a TEMP view could hide
#    rows.  Every reader with --binary must work and show the true rows.
#    `query` refuses fts3_tokenizer(), load_extension(), ATTACH, DETACH and
#    pragmas that change the connection, each with one line.
# 2. Writing into an existing database (profile, analyze --update) or
#    merging one: a
#    trigger, view or table someone added, or a changed definition, is
#    refused with one line and exit 2, and the file is left byte-identical
#    (a trigger used to run during profile: renamed types, 110 KB -> 423 MB).
#    Extra plain indexes and ANALYZE statistics stay allowed.
# 3. Limits: a view with an endless recursive CTE stops at the time
#    budget (HOLEPROF_DB_TIME_LIMIT), a view building a huge value at the
#    memory limit (HOLEPROF_DB_MEMORY_LIMIT); each error line names its
#    limit.  A `types` that is a view is refused as damaged at once.
# 5. A WAL-mode database in a directory the reader cannot write (a
#    non-root user; as root the test runs the readers as nobody) is read,
#    and readers leave no -wal/-shm files anywhere; a -wal holding changes
#    is read, or -- when its -shm is missing and cannot be made -- refused
#    with one line saying how to checkpoint it.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 cksum valgrind timeout python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O1 -o "$T/p" "$FIXTURES/conn_alloc.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
"$HOLEPROF" analyze -q "$T/p" -o "$T/good.db" 2>"$T/err" || die "analyze: $(head -c 300 "$T/err")"
cat >"$T/budget.yaml" <<'EOF'
budgets:
  - type: "*"
    max_size: 4096
EOF

# status_ok WHAT CMD... : the command exits 0 (and not by a signal)
status_ok() { assert_status "$@" && return 0; return 1; }
# show on the good file, to compare with
"$HOLEPROF" show "$T/good.db" conn --binary 1 >"$T/show.good" 2>&1 || die "show on the good db failed"

# ---- 1a. fts3_tokenizer with a chosen pointer appended to a view ----
cp "$T/good.db" "$T/crash.db"
sqlite3 "$T/crash.db" "PRAGMA writable_schema = ON;
    UPDATE sqlite_schema SET sql = sql || '; SELECT fts3_tokenizer(''simple'', x''4847464544434241'');
        CREATE VIRTUAL TABLE temp.boom USING fts3(x); INSERT INTO temp.boom VALUES (''a'');'
     WHERE name = 'type_waste';" || die "cannot craft crash.db"
# the SQLite here really has the dangerous form (else the test proves nothing)
sqlite3 :memory: "SELECT length(fts3_tokenizer('simple')) = 8" >"$T/fts" 2>&1
assert_eq "this SQLite has fts3_tokenizer()" 1 "$(cat "$T/fts")"
# the crafted text is still a view SQLite accepts
assert_eq "crash.db: the view still reads" 1 "$(q "$T/crash.db" 'SELECT count(*) FROM type_waste WHERE name = '"'conn'")"

readers() {   # DB : every reader with --binary 1
    _db=$1
    status_ok "top --binary on $2" 0 "$HOLEPROF" top "$_db" --binary 1
    status_ok "show --binary on $2" 0 "$HOLEPROF" show "$_db" conn --binary 1
    assert_eq "show --binary on $2: the true layout" "$(cat "$T/show.good")" "$(cat "$T/out")"
    status_ok "query --binary on $2" 0 "$HOLEPROF" query "$_db" holes --binary 1
    assert_match "query --binary on $2: conn listed" '^conn ' "$(cat "$T/out")"
    status_ok "report --binary on $2" 0 "$HOLEPROF" report "$_db" --binary 1 -o "$T/r.html"
    status_ok "check --binary on $2" 0 "$HOLEPROF" check "$_db" --budget "$T/budget.yaml" --binary 1
    status_ok "diff --binary on $2" 0 "$HOLEPROF" diff "$_db" "$_db" --binary 1
    # profile selects the binary before it reads the profile: the error is
    # about the (empty) profile, never a crash
    assert_status "profile --binary on $2" 2 "$HOLEPROF" profile "$_db" /dev/null --binary 1
    assert_eq "profile --binary on $2: one line" 1 "$(wc -l <"$T/err")"
}
readers "$T/crash.db" crash.db

# ---- 1b. appended statements that would change what --binary shows ----
cp "$T/good.db" "$T/hide.db"
sqlite3 "$T/hide.db" "PRAGMA writable_schema = ON;
    UPDATE sqlite_schema SET sql = sql || '; DROP VIEW temp.types;
        CREATE TEMP VIEW types AS SELECT * FROM main.types WHERE 0;'
     WHERE name = 'member_holes';" || die "cannot craft hide.db"
readers "$T/hide.db" hide.db

# ---- 1c. query: no dangerous function, no ATTACH, no connection pragma ----
deny() {   # WHAT SQL REGEX
    printf '%s\n' "$2" >"$T/deny.sql"
    assert_status "query refuses $1" 2 "$HOLEPROF" query "$T/good.db" "$T/deny.sql"
    assert_eq "query refuses $1: one line" 1 "$(wc -l <"$T/err")"
    assert_match "query refuses $1: why" "$3" "$(cat "$T/err")"
}
deny "fts3_tokenizer (address leak)" "SELECT hex(fts3_tokenizer('simple'));" 'function fts3_tokenizer\(\) is not allowed'
deny "fts3_tokenizer (pointer)" "SELECT 1; SELECT fts3_tokenizer('simple', x'4847464544434241');" 'near line 1: function fts3_tokenizer'
deny "load_extension" "SELECT load_extension('/nonexistent.so');" 'function load_extension\(\) is not allowed'
deny "ATTACH" "ATTACH '$T/good.db' AS other; SELECT count(*) FROM other.types;" 'ATTACH is not allowed'
deny "PRAGMA trusted_schema" "PRAGMA trusted_schema = ON;" 'PRAGMA trusted_schema = ON is not allowed'
deny "a TEMP table" "CREATE TEMP TABLE x(a);" 'queries are read-only'
# ATTACH with an FTS3 table behind it, the crash the issue reports
cat >"$T/deny.sql" <<EOF
ATTACH '$T/fts.db' AS f;
SELECT fts3_tokenizer('simple', x'4847464544434241');
SELECT * FROM f.t WHERE t MATCH 'a';
EOF
sqlite3 "$T/fts.db" "CREATE VIRTUAL TABLE t USING fts3(x); INSERT INTO t VALUES ('a');" || die "fts.db"
assert_status "query: ATTACH + fts3" 2 "$HOLEPROF" query "$T/good.db" "$T/deny.sql"
assert_match "query: ATTACH + fts3 refused at line 1" 'near line 1: ATTACH is not allowed' "$(cat "$T/err")"
# what stays allowed: reading, recursive CTEs, informational pragmas
printf '%s\n' "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT sum(i) FROM n;" \
    "SELECT count(*) FROM pragma_table_info('types');" "PRAGMA user_version;" >"$T/ok.sql"
status_ok "query: reading is allowed" 0 "$HOLEPROF" query "$T/good.db" "$T/ok.sql" -f csv
assert_match "query: CTE, table_info and user_version" '^15' "$(cat "$T/out")"

# ---- 2. no write into a database whose schema is not holeprof's ----
valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/p" 2>"$T/vg.err" ||
    die "valgrind: $(head -c 300 "$T/vg.err")"
cp "$T/good.db" "$T/plain.db"
status_ok "profile into an untouched database" 0 "$HOLEPROF" profile -q "$T/plain.db" "$T/dhat.json"
refuse_write() {   # WHAT SQL REGEX
    cp "$T/good.db" "$T/w.db"
    sqlite3 "$T/w.db" "$2" || die "cannot craft: $1"
    _sum=$(cksum <"$T/w.db")
    assert_status "profile refuses $1" 2 "$HOLEPROF" profile -q "$T/w.db" "$T/dhat.json"
    assert_eq "profile refuses $1: one line" 1 "$(wc -l <"$T/err")"
    assert_match "profile refuses $1: why" "w\.db: $3" "$(cat "$T/err")"
    assert_eq "profile refuses $1: file untouched" "$_sum" "$(cksum <"$T/w.db")"
    assert_eq "profile refuses $1: no type renamed" 0 "$(q "$T/w.db" "SELECT count(*) FROM types WHERE name = 'pwned'")"
    assert_status "merge refuses an input with $1" 2 "$HOLEPROF" merge -q "$T/m.db" "$T/w.db"
    assert_match "merge refuses $1: why" "w\.db: $3" "$(cat "$T/err")"
    assert_eq "merge refuses $1: no output" no "$( [ -e "$T/m.db" ] && echo yes || echo no)"
    assert_status "analyze --update refuses $1" 2 "$HOLEPROF" analyze -q --update "$T/p" -o "$T/w.db"
    assert_match "analyze --update refuses $1: why" "w\.db: $3" "$(cat "$T/err")"
    assert_eq "analyze --update refuses $1: file untouched" "$_sum" "$(cksum <"$T/w.db")"
}
refuse_write "a trigger" "CREATE TRIGGER grow AFTER INSERT ON profiles BEGIN
        UPDATE types SET name = 'pwned'; INSERT INTO binaries SELECT NULL, path, build_id, arch,
        debug_file, debug_how, producer, cacheline, cu_count, die_count, analyzed_at,
        holeprof_version FROM binaries; END;" "has a trigger 'grow' that this holeprof did not make"
refuse_write "an extra view" "CREATE VIEW mine AS SELECT 1" "has a view 'mine' that this holeprof did not make"
refuse_write "a changed view" "DROP VIEW type_waste; CREATE VIEW type_waste AS SELECT 1 AS x"     "its view 'type_waste' is not the one this holeprof makes"
refuse_write "a changed table" "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET
        sql = replace(sql, 'name           TEXT NOT NULL', 'name TEXT NOT NULL DEFAULT (1)')
        WHERE name = 'types'" "its table 'types' is not the one this holeprof makes"
refuse_write "an expression index" "CREATE INDEX lower_name ON types(lower(name))"     "has an index 'lower_name' that this holeprof did not make"
refuse_write "a missing table" "DROP TABLE member_heat" "lacks the table 'member_heat'"
# what a user may add
cp "$T/good.db" "$T/w.db"
sqlite3 "$T/w.db" "CREATE INDEX members_name ON members(name); ANALYZE;" || die "cannot index"
status_ok "profile with an extra plain index and statistics" 0 "$HOLEPROF" profile -q "$T/w.db" "$T/dhat.json"
status_ok "merge of it" 0 "$HOLEPROF" merge -q "$T/m2.db" "$T/w.db"

# ---- 3. time and memory limits ----
cp "$T/good.db" "$T/slow.db"
sqlite3 "$T/slow.db" "DROP VIEW member_holes; CREATE VIEW member_holes AS
    WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i FROM r;" ||
    die "cannot craft slow.db"
printf 'SELECT count(*) FROM member_holes;\n' >"$T/slow.sql"
t0=$(date +%s)
HOLEPROF_DB_TIME_LIMIT=2 timeout 120 "$HOLEPROF" query "$T/slow.db" "$T/slow.sql" >"$T/out" 2>"$T/err"
st=$?
t1=$(date +%s)
assert_eq "endless view: exit status" 2 "$st"
assert_match "endless view: the limit named" 'interrupted \(the time limit for database work, 2 s, ran out; HOLEPROF_DB_TIME_LIMIT=SECONDS raises it\)' "$(cat "$T/err")"
[ $((t1 - t0)) -le 30 ] && pass || fail "endless view: stopped after $((t1 - t0)) s, limit 2 s"
cp "$T/good.db" "$T/big.db"
sqlite3 "$T/big.db" "DROP VIEW member_holes; CREATE VIEW member_holes AS
    SELECT length(hex(zeroblob(200000000))) AS n;" || die "cannot craft big.db"
printf 'SELECT n FROM member_holes;\n' >"$T/big.sql"
HOLEPROF_DB_MEMORY_LIMIT=64 timeout 120 "$HOLEPROF" query "$T/big.db" "$T/big.sql" >"$T/out" 2>"$T/err"
assert_eq "huge value: exit status" 2 "$?"
assert_match "huge value: the limit named" "out of memory \(SQLite's memory limit, 64 MiB, was reached; HOLEPROF_DB_MEMORY_LIMIT=MIB raises it\)" "$(cat "$T/err")"
cp "$T/good.db" "$T/tview.db"
sqlite3 "$T/tview.db" "PRAGMA legacy_alter_table = ON; ALTER TABLE types RENAME TO types_real;
    CREATE VIEW types AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r)
    SELECT t.* FROM r, types_real t;" || die "cannot craft tview.db"
for c in "show TVIEW conn" "query TVIEW holes" "top TVIEW"; do
    set -- $c
    _cmd=$1; shift
    timeout 120 "$HOLEPROF" $_cmd $(echo "$@" | sed "s|TVIEW|$T/tview.db|") >"$T/out" 2>"$T/err"
    assert_eq "types as a view: $_cmd exit status" 2 "$?"
    assert_match "types as a view: $_cmd refused" "tview\.db: damaged database: 'types' is a view, not a table" "$(cat "$T/err")"
done

# ---- 5. WAL databases, read-only directories ----
if [ "$(id -u)" = 0 ]; then
    need setpriv
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
else
    AS=""
fi
chmod 755 "$T"   # the other user must reach the files
mkwal() {   # DIR [pending] : DIR/w.db in WAL mode; with pending, changes left in its -wal
    chmod -R u+w "$1" 2>/dev/null; rm -rf "$1"; mkdir "$1"
    cp "$T/good.db" "$1/w.db"
    sqlite3 "$1/w.db" "PRAGMA journal_mode = WAL;" >/dev/null || die "cannot make WAL db"
    if [ "${2:-}" = pending ]; then
        python3 -c '
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE types SET name = ? WHERE name = ?", ("walconn", "conn"))
c.commit()
os._exit(0)   # no close: the change stays in the -wal' "$1/w.db" || die "cannot leave a -wal"
    fi
    chmod 444 "$1"/w.db*
    chmod 555 "$1"
}
mkwal "$T/ro"
assert_eq "WAL db: no -wal to begin with" "w.db" "$(ls -A "$T/ro" | tr '\n' ' ' | sed 's/ $//')"
for c in "show conn" "top" "query holes" "sites"; do
    set -- $c
    assert_status "read-only dir, WAL: $1" 0 $AS "$HOLEPROF" "$1" "$T/ro/w.db" ${2:-}
done
$AS "$HOLEPROF" show "$T/ro/w.db" conn >"$T/out" 2>"$T/err"
assert_match "read-only dir, WAL: the layout" '^struct conn \{' "$(head -1 "$T/out")"
assert_eq "read-only dir: readers left no files" "w.db" "$(ls -A "$T/ro" | tr '\n' ' ' | sed 's/ $//')"
# a writable directory: still nothing left behind
mkwal "$T/rw"
chmod 755 "$T/rw"
for c in "show conn" "top" "query holes"; do
    set -- $c
    assert_status "writable dir, WAL: $1" 0 "$HOLEPROF" "$1" "$T/rw/w.db" ${2:-}
done
assert_eq "writable dir: readers left no -wal/-shm" "w.db" "$(ls -A "$T/rw" | tr '\n' ' ' | sed 's/ $//')"
# changes still in the -wal are read
mkwal "$T/pend" pending
assert_status "pending -wal: read" 0 $AS "$HOLEPROF" show "$T/pend/w.db" walconn
assert_match "pending -wal: the change is seen" '^struct walconn \{' "$(head -1 "$T/out")"
chmod 755 "$T/pend"; rm -f "$T/pend/w.db-shm"; chmod 555 "$T/pend"
if [ -n "$AS" ] || [ "$(id -u)" != 0 ]; then
    assert_status "pending -wal, no -shm, read-only dir" 2 $AS "$HOLEPROF" show "$T/pend/w.db" walconn
    assert_eq "pending -wal: one line" 1 "$(wc -l <"$T/err")"
    assert_match "pending -wal: what to do" 'w\.db-wal holds changes.*wal_checkpoint' "$(cat "$T/err")"
fi
chmod -R u+w "$T/ro" "$T/rw" "$T/pend"

finish
