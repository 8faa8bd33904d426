#!/bin/sh
# t_intent_lang.sh -- suggestions per language, as an expert of each
# would accept them (issue 19).  Fixtures built at test time:
#   tests/fixtures/intent_worker.cc (g++ -g -O0; a valgrind DHAT run gives
#     field heat).  A C++ concurrency reviewer: `consumer_pos` is
#     alignas(64) so the consumer's position has a line of its own, and the
#     suggestion must keep it first on that line with alignas(64) still in
#     the declaration (192 -> 128, not the 64 that packing everything
#     together gives); `pending` is a std::atomic that producers write while
#     the consumer writes `processed` on the same line: false sharing, which
#     show, top and the report must name, and no suggestion may give
#     `pending` a neighbour it did not have.  The suggested declaration
#     compiles and has that size and that offset.
#   tests/fixtures/intent_conn.rs (rustc -g).  A Rust reviewer: `Conn` has
#     the default repr, rustc already reordered it (no suggestion, say
#     repr(Rust)); `WireHdr` is #[repr(C)] and passed to an extern "C"
#     function: its order is an ABI, listed apart, never ranked.
#   tests/fixtures/intent_session.go (go build).  A Go reviewer: the
#     suggestion is a Go declaration that gofmt leaves as it is (up to
#     indenting by a tab) and that compiles to the size show claims.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
ran=0

# the declaration `show` suggests for a type: from its first line to the end
suggestion() { sed -n "/^Suggested order (/,/^}/p" "$1" | sed 1d; }

# ---- C++: alignas(64), std::atomic, DHAT ----
if command -v g++ >/dev/null 2>&1 && command -v valgrind >/dev/null 2>&1; then
    ran=1
    g++ -g -O0 -o "$T/worker" "$FIXTURES/intent_worker.cc" || die "cannot compile intent_worker.cc"
    "$HOLEPROF" analyze -q "$T/worker" -o "$T/cxx.db" || die "analyze failed"
    valgrind -q --tool=dhat --dhat-out-file="$T/w.dhat" "$T/worker" 200 || die "valgrind failed"
    "$HOLEPROF" profile "$T/cxx.db" "$T/w.dhat" > "$T/prof.txt" || fail "profile failed"
    assert_eq "Worker: the aligned group keeps its line" "192 128" \
        "$(q "$T/cxx.db" "SELECT size || ' ' || optimal_size FROM types WHERE name = 'Worker'")"
    "$HOLEPROF" show "$T/cxx.db" Worker > "$T/w.txt" || fail "show Worker failed"
    suggestion "$T/w.txt" > "$T/decl.txt"
    assert_match "alignas(64) stays in the suggestion" 'alignas\(64\) long int consumer_pos; +/\* +64 ' \
        "$(cat "$T/decl.txt")"
    assert_match "pending keeps line 0" 'pending; +/\* +0 ' "$(cat "$T/decl.txt")"
    # the suggested class compiles, 128 bytes, consumer_pos at 64 and first
    # on its line, and pending's line holds only members that were there
    # access specifiers are not in the database (show says so): the fixture
    # declares every member public, so the check does too
    { echo '#include <atomic>'; echo '#include <cstddef>'
      sed '1s/{$/{ public:/' "$T/decl.txt"
      echo 'static_assert(sizeof(Worker) == 128, "size");'
      echo 'static_assert(offsetof(Worker, consumer_pos) == 64, "aligned line");'
      echo 'static_assert(offsetof(Worker, processed) < 64 && offsetof(Worker, errors) < 64, "line 0");'
      echo 'static_assert(offsetof(Worker, stats) >= 64 && offsetof(Worker, b) >= 64, "line 1");'
      echo 'int main() { Worker w; return (int)w.pending.load(); }'; } > "$T/sugg.cc"
    if g++ -std=c++17 -Wno-invalid-offsetof -c -o "$T/sugg.o" "$T/sugg.cc" 2> "$T/gxx.err"; then
        pass
    else
        fail "the suggested class does not compile to what show says: $(head -c 400 "$T/gxx.err")"
    fi
    assert_match "show: false sharing on line 0 with the hot member" \
        'cacheline 0: std::atomic<long int> pending shares it with 4 other members: .*processed \([1-9][0-9]*\).*DHAT saw' \
        "$(cat "$T/w.txt")"
    "$HOLEPROF" top "$T/cxx.db" > "$T/top.txt" || fail "top failed"
    assert_match "top: false sharing line" \
        '^  class Worker: line 0, std::atomic<long int> pending with 4 other members, [1-9][0-9]* accessed' \
        "$(sed -n '/^False sharing: /,$p' "$T/top.txt")"
    "$HOLEPROF" report -o "$T/r.html" "$T/cxx.db" > /dev/null 2>&1 || fail "report failed"
    assert_match "report: false sharing" 'False sharing.*pending' "$(tr '\n' ' ' < "$T/r.html")"
fi

# ---- Rust: default repr, #[repr(C)] ----
find_rustc
if [ -n "$RUSTC" ] && "$RUSTC" --version >/dev/null 2>&1 </dev/null; then
    ran=1
    "$RUSTC" -g -C opt-level=0 -o "$T/conn" "$FIXTURES/intent_conn.rs" 2> "$T/rustc.err" \
        || die "rustc failed: $(head -c 400 "$T/rustc.err")"
    "$HOLEPROF" analyze -q "$T/conn" -o "$T/rs.db" || die "analyze failed"
    assert_eq "verdicts" "intent_conn::Conn repr(Rust)
intent_conn::WireHdr abi" \
        "$(q "$T/rs.db" "SELECT name || ' ' || verdict FROM waste WHERE name IN
                         ('intent_conn::Conn', 'intent_conn::WireHdr') ORDER BY name")"
    # repr(Rust) shows even when nothing could be saved: the flag says why
    assert_eq "Conn flagged repr(Rust)" "32768" \
        "$(q "$T/rs.db" "SELECT flags & 32768 FROM types WHERE name = 'intent_conn::Conn'")"
    "$HOLEPROF" show "$T/rs.db" intent_conn::Conn > "$T/c.txt" || fail "show Conn failed"
    assert_match "Conn: no suggestion, rustc orders it" 'Suggested order: none \(repr\(Rust\): rustc already reorders' "$(cat "$T/c.txt")"
    "$HOLEPROF" show "$T/rs.db" intent_conn::WireHdr > "$T/h.txt" || fail "show WireHdr failed"
    assert_match "WireHdr: no suggestion, repr(C)" 'Suggested order: none \(.*#\[repr\(C\)\].*would save 16 bytes' "$(cat "$T/h.txt")"
    "$HOLEPROF" top -n 0 "$T/rs.db" > "$T/rtop.txt" || fail "top failed"
    assert_match "top: WireHdr listed apart" '^ +[0-9]+ +struct intent_conn::WireHdr .* abi$' \
        "$(sed -n '/^Layout fixed, not ranked/,/^$/p' "$T/rtop.txt")"
    # nothing to gain is said exactly when no type's class shrinks
    if [ "$(q "$T/rs.db" "SELECT count(*) FROM waste WHERE saving > 0 AND section = 1")" = 0 ]; then
        assert_match "top: nothing to gain" '^nothing to gain: ' "$(cat "$T/rtop.txt")"
    else
        assert_eq "top: something to gain" "" "$(grep '^nothing to gain' "$T/rtop.txt")"
    fi
fi

# ---- Go: the suggestion in Go syntax ----
if command -v go >/dev/null 2>&1; then
    ran=1
    mkdir -p "$T/g" && cp "$FIXTURES/intent_session.go" "$T/g/main.go"
    (cd "$T/g" && CGO_ENABLED=0 GOPATH="$T/go" GOCACHE="$T/cache" GOTMPDIR="$T/g" HOME="$T" \
        GO111MODULE=off GOFLAGS= go build -o prog main.go) > "$T/go.err" 2>&1 </dev/null \
        || die "go build failed: $(head -c 400 "$T/go.err")"
    "$HOLEPROF" analyze -q "$T/g/prog" -o "$T/go.db" || die "analyze failed"
    "$HOLEPROF" show "$T/go.db" main.Session > "$T/s.txt" || fail "show Session failed"
    suggestion "$T/s.txt" > "$T/gdecl.txt"
    assert_match "Go syntax" '^type Session struct \{' "$(cat "$T/gdecl.txt")"
    mkdir -p "$T/chk"
    { echo 'package main'; echo; echo 'import ('; printf '\t"fmt"\n\t"sync"\n\t"unsafe"\n)\n\n'
      sed 's/^    /\t/' "$T/gdecl.txt"; echo
      printf 'func main() {\n\tvar s Session\n\ts.mu.Lock()\n\tfmt.Println(unsafe.Sizeof(s), s.Open, s.Busy, s.Kind, s.Bytes, s.Seq, s.Retries)\n}\n'
    } > "$T/chk/main.go"
    assert_eq "gofmt leaves the suggestion as it is" "" "$(gofmt -l "$T/chk/main.go" 2>&1)"
    got=$(cd "$T/chk" && CGO_ENABLED=0 GOPATH="$T/go" GOCACHE="$T/cache" GOTMPDIR="$T/chk" HOME="$T" \
        GO111MODULE=off GOFLAGS= go run main.go 2>&1 </dev/null)
    assert_eq "the suggestion compiles to the size show claims" \
        "$(sed -n 's/^Suggested order (size [0-9]* -> \([0-9]*\),.*/\1/p' "$T/s.txt")" "${got%% *}"
fi

[ "$ran" = 1 ] || skip "no g++ with valgrind, rustc or go"
finish
