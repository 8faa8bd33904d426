#!/bin/sh
# t_kill.sh -- a database is never half-written, and readers trust only
# holeprof databases.
#
# 1. SIGKILL: an existing database (from binary OLD, which has struct
#    kill_old) is overwritten by `analyze NEW -o DB` (2000 structs plus
#    struct kill_new), and the run is killed with SIGKILL at many points
#    from its start to past its end (fractions of a measured full run), so
#    kills land while DWARF is read, while rows are written and around the
#    commit and rename.  After each kill DB must pass PRAGMA
#    integrity_check and be exactly the old database (kill_old, 1 type) or
#    exactly the new one (kill_new, 2001 types), and holeprof must read it.
#    A killed writer may leave its temporary file (.DB.tmp.XXXXXX); it is
#    never the database itself.
#    The same for `holeprof profile` (it rewrites an existing database):
#    killed at points through an import, the db holds no profile or the
#    whole one.
# 2. Readers (show, query, top, diff, check) refuse what is not a holeprof
#    database: a plain SQLite file, a text file, an empty file, a holeprof
#    database with another application_id or schema version.
# 3. Readers do not write: the database is byte-identical after show,
#    query, diff and check, they work on a read-only file, and a query file
#    that writes is refused.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3 cksum
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat >"$T/old.c" <<'EOF2'
struct kill_old { char a; long b; };
struct kill_old g;
int main(void) { return (int)g.b; }
EOF2
python3 - "$T/new.c" <<'EOF2' || die "cannot generate new.c"
import random, sys
r = random.Random(7)
tys = ['char', 'short', 'int', 'long', 'double', 'void *', 'float']
with open(sys.argv[1], 'w') as f:
    f.write('struct kill_new { char a; double b; };\nstruct kill_new kn;\n')
    for i in range(2000):
        f.write('struct big_%d { %s };\nstruct big_%d *use_%d;\n' % (
            i, ' '.join('%s m%d;' % (r.choice(tys), j) for j in range(r.randint(2, 12))), i, i))
    f.write('int main(void) { return (int)kn.a; }\n')
EOF2
gcc -g -O0 -o "$T/old" "$T/old.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
gcc -g -O0 -o "$T/new" "$T/new.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"

mkdir -p "$T/k"
DB=$T/k/x.db
"$HOLEPROF" analyze -q "$T/old" -o "$T/old.db" 2>"$T/err" || die "analyze OLD failed: $(head -c 300 "$T/err")"
"$HOLEPROF" analyze -q "$T/new" -o "$T/new.db" 2>"$T/err" || die "analyze NEW failed: $(head -c 300 "$T/err")"
assert_eq "old db types" "1" "$(q "$T/old.db" 'SELECT count(*) FROM types')"
assert_eq "new db types" "2001" "$(q "$T/new.db" 'SELECT count(*) FROM types')"

# how long a full run takes here (ASan builds are slower)
t0=$(date +%s%N)
"$HOLEPROF" analyze -q "$T/new" -o "$T/timing.db" >/dev/null 2>&1
full_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "full run: $full_ms ms"

# which database is DB now: "old", "new" or a description of the damage
state() {
    _ic=$(sqlite3 -batch "$DB" 'PRAGMA integrity_check;' 2>&1)
    [ "$_ic" = ok ] || { echo "integrity: $_ic"; return; }
    _s=$(sqlite3 -batch "$DB" "SELECT count(*), sum(name = 'kill_old'), sum(name = 'kill_new')
                                FROM types; PRAGMA application_id;" 2>&1 | tr '\n' ' ')
    case $_s in
        "1|1|0 1213223494 ") echo old ;;
        "2001|0|1 1213223494 ") echo new ;;
        *) echo "content: $_s" ;;
    esac
}

killed=0 finished=0 n=0
for pct in 0 3 8 15 25 35 45 55 65 75 82 88 92 95 98 100 105 120 150 200; do
    cp "$T/old.db" "$DB"
    rm -f "$T"/k/.x.db.tmp.*
    ms=$((full_ms * pct / 100))
    "$HOLEPROF" analyze -q "$T/new" -o "$DB" >/dev/null 2>"$T/kill.err" &
    pid=$!
    sleep "$(awk "BEGIN { printf \"%.3f\", $ms / 1000 }")"
    if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    st=$(state)
    n=$((n + 1))
    case $st in
        old|new)
            pass
            [ "$st" = new ] && finished=$((finished + 1))
            # holeprof itself reads it
            name=kill_$st
            assert_status "[$pct%] show after kill" 0 "$HOLEPROF" show "$DB" "$name" ;;
        *) fail "[$pct% of $full_ms ms] database broken after SIGKILL: $st" ;;
    esac
done
echo "kills: $n runs, $killed killed while running, $finished ended with the new database"
[ "$killed" -ge 5 ] && pass || fail "only $killed runs were still running when killed"

# ---- 1b. the same for `holeprof profile`, which rewrites an existing db ----
if command -v valgrind >/dev/null 2>&1 && [ -f "$FIXTURES/profile.c" ]; then
    gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
    "$HOLEPROF" analyze -q "$T/pf" -o "$T/pf.db" 2>"$T/err" || die "analyze pf failed: $(head -c 300 "$T/err")"
    valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/pf" >/dev/null 2>&1 || die "valgrind dhat failed"
    cp "$T/pf.db" "$T/pfdone.db"
    "$HOLEPROF" profile -q "$T/pfdone.db" "$T/dhat.json" >/dev/null 2>"$T/err" ||
        die "profile import failed: $(head -c 300 "$T/err")"
    t0=$(date +%s%N)
    cp "$T/pf.db" "$T/k/p.db"
    "$HOLEPROF" profile -q "$T/k/p.db" "$T/dhat.json" >/dev/null 2>&1
    pf_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    pkilled=0
    for pct in 0 3 6 10 15 20 25 30 40 60 100; do
        cp "$T/pf.db" "$T/k/p.db"
        "$HOLEPROF" profile -q "$T/k/p.db" "$T/dhat.json" >/dev/null 2>&1 &
        pid=$!
        sleep "$(awk "BEGIN { printf \"%.3f\", $pf_ms * $pct / 100000 }")"
        if kill -KILL "$pid" 2>/dev/null; then pkilled=$((pkilled + 1)); fi
        wait "$pid" 2>/dev/null
        ic=$(sqlite3 -batch "$T/k/p.db" 'PRAGMA integrity_check;' 2>&1)
        np=$(sqlite3 -batch "$T/k/p.db" 'SELECT count(*) FROM profiles;' 2>&1)
        nc=$(sqlite3 -batch "$T/k/p.db" 'SELECT count(*) FROM site_counts;' 2>&1)
        want_nc=$(sqlite3 -batch "$T/pfdone.db" 'SELECT count(*) FROM site_counts;')
        if [ "$ic" = ok ] && { [ "$np|$nc" = "0|0" ] || [ "$np|$nc" = "1|$want_nc" ]; }; then
            pass
        else
            fail "[profile $pct% of $pf_ms ms] after SIGKILL: integrity [$ic], profiles [$np], site_counts [$nc]"
        fi
    done
    echo "profile kills: $pkilled of 11 while running (full import $pf_ms ms)"
else
    echo "note: no valgrind or profile fixture: profile import not killed"
fi

# ---- 2. readers refuse what is not a holeprof database ----
refuse() {
    _w=$1; shift
    for cmd in "show @ kill_old" "query @ holes" "top @" "diff @ $T/old.db" "diff $T/old.db @" \
               "check @ --budget $TOP_SRCDIR/examples/budget.yaml"; do
        # shellcheck disable=SC2086
        set -- $(echo "$cmd" | sed "s|@|$_f|")
        assert_status "[$_w] $1 refuses" 2 "$HOLEPROF" "$@"
        assert_eq "[$_w] $1: one line" 1 "$(wc -l <"$T/err")"
        assert_match "[$_w] $1: says why" "not a holeprof database|not an SQLite|schema version|file is not a database|version" "$(cat "$T/err")"
    done
}
_f=$T/plain.db
sqlite3 "$_f" "CREATE TABLE types(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO types VALUES (1, 'kill_old');"
refuse "plain sqlite" "$_f"
_f=$T/text.db
printf 'not a database at all\n' >"$_f"
refuse "text file" "$_f"
_f=$T/empty.db
: >"$_f"
refuse "empty file" "$_f"
_f=$T/otherapp.db
cp "$T/old.db" "$_f" && sqlite3 "$_f" "PRAGMA application_id = 1234;"
refuse "other application_id" "$_f"
_f=$T/future.db
cp "$T/old.db" "$_f" && sqlite3 "$_f" "PRAGMA user_version = 999;"
refuse "other schema version" "$_f"

# ---- 3. readers never write ----
cp "$T/old.db" "$T/ro.db"
sum0=$(cksum <"$T/ro.db")
chmod 444 "$T/ro.db"
assert_status "show on a read-only db" 0 "$HOLEPROF" show "$T/ro.db" kill_old
assert_status "query on a read-only db" 0 "$HOLEPROF" query "$T/ro.db" holes
assert_status "top on a read-only db" 0 "$HOLEPROF" top "$T/ro.db"
assert_status "diff on read-only dbs" 0 "$HOLEPROF" diff "$T/ro.db" "$T/ro.db"
cat >"$T/evil.sql" <<'EOF2'
DELETE FROM types;
EOF2
cat >"$T/evil2.sql" <<'EOF2'
SELECT count(*) FROM types;
CREATE TABLE pwned(x);
EOF2
cat >"$T/evil3.sql" <<'EOF2'
ATTACH DATABASE 'EVIL' AS e;
CREATE TABLE e.t(x);
EOF2
sed -i "s|EVIL|$T/created-by-attach.db|" "$T/evil3.sql"
chmod 644 "$T/ro.db"
for e in evil evil2 evil3; do
    assert_status "query $e.sql refused" 2 "$HOLEPROF" query "$T/ro.db" "$T/$e.sql"
    assert_eq "query $e.sql: one line" 1 "$(wc -l <"$T/err")"
done
[ ! -s "$T/created-by-attach.db" ] && pass || fail "a query file created a database through ATTACH"
assert_eq "readers left the database byte-identical" "$sum0" "$(cksum <"$T/ro.db")"
assert_eq "nothing beside the database (no journal, no wal)" "ro.db" \
    "$(cd "$T" && ls -A | grep '^ro\.db')"
finish
