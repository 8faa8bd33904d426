#!/bin/bash
# bench/accuracy.sh -- how many of the allocation sites of real C programs
# holeprof finds and types, against a ground truth read from their source.
#
#   bench/accuracy.sh [-w WORKDIR] [-c "gcc clang"] [-j JOBS] [PROJECT...]
#
# For each PROJECT (default: tmux htop libevent nano, all Debian source
# packages) and each compiler: fetches the Debian source (`apt-get source`,
# deb-src must be enabled), builds it out of tree with CC=COMPILER
# CFLAGS="-O2 -g" under bear (the compile commands), then runs
# bench/accuracy.py: the ground truth from clang's AST of every compile
# command (libclang, python3-clang-14), `holeprof analyze` of the binary,
# and the comparison.  Prints one line per project and compiler and the
# totals; the misses go to WORKDIR/results/PROJECT-CC.misses.
#
# Needs: dpkg-dev, bear, clang, python3-clang-14, binutils (addr2line),
# llvm-dwarfdump, and each project's build dependencies
# (`apt-get build-dep PROJECT`; INSTALL_DEPS=1 makes the script run it).
# Not a CI test: it takes minutes per project on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=${WORKDIR:-$PWD/accuracy-work}
ccs="gcc clang"
jobs=2
while getopts w:c:j: o; do
    case $o in
        w) work=$OPTARG ;;
        c) ccs=$OPTARG ;;
        j) jobs=$OPTARG ;;
        *) echo "usage: $0 [-w WORKDIR] [-c COMPILERS] [-j JOBS] [PROJECT...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
projects=${*:-tmux htop libevent nano}

hp=${HOLEPROF:-}
if [ -z "$hp" ]; then
    if [ -x "$here/../build/src/holeprof" ]; then hp=$here/../build/src/holeprof
    else hp=$(command -v holeprof || true); fi
fi
[ -x "$hp" ] || { echo "accuracy.sh: no holeprof (set HOLEPROF)" >&2; exit 2; }
hp=$(cd "$(dirname "$hp")" && pwd)/$(basename "$hp")
for t in apt-get bear clang addr2line llvm-dwarfdump; do
    command -v $t >/dev/null || { echo "accuracy.sh: $t is not installed" >&2; exit 2; }
done
# Debian's python (python3-clang-14 installs into its dist-packages)
py=${PYTHON:-/usr/bin/python3}
"$py" -c 'import clang.cindex' 2>/dev/null ||
    { echo "accuracy.sh: python3-clang-14 is not installed" >&2; exit 2; }

mkdir -p "$work/src" "$work/build" "$work/results"
work=$(cd "$work" && pwd)

# The binary each project's build makes, relative to its build directory.
binary_of() {
    case $1 in
        tmux) echo tmux ;;
        htop) echo htop ;;
        nano) echo src/nano ;;
        libevent) echo .libs/libevent-2.1.so.7.0.1 ;;
        bc) echo bc/bc ;;
        less) echo less ;;
        *) echo "accuracy.sh: unknown project $1 (known: tmux htop libevent nano bc less)" >&2; return 2 ;;
    esac
}

fetch() {   # PROJECT -> prints its source directory
    local p=$1 d
    d=$(find "$work/src/" -maxdepth 1 -type d -name "$p-[0-9]*" | sort | tail -1)
    if [ -z "$d" ]; then
        if [ -z "$(apt-cache showsrc "$p" 2>/dev/null)" ]; then
            echo "accuracy.sh: no source package $p: enable deb-src (a 'Types: deb-src' entry like the 'deb' ones under /etc/apt/sources.list.d/) and run apt-get update" >&2
            return 2
        fi
        [ "${INSTALL_DEPS:-0}" = 1 ] &&
            apt-get -o DPkg::Lock::Timeout=900 build-dep -y --no-install-recommends "$p" >&2
        (cd "$work/src" && apt-get source "$p" >&2)
        d=$(find "$work/src/" -maxdepth 1 -type d -name "$p-[0-9]*" | sort | tail -1)
    fi
    # configure scripts some upstream tarballs do not ship, or that a
    # Debian patch to Makefile.am or configure.ac made out of date
    if [ ! -x "$d/configure" ] && [ -x "$d/autogen.sh" ]; then
        (cd "$d" && ./autogen.sh >&2)
    elif [ "$d/configure.ac" -nt "$d/configure" ] || [ "$d/Makefile.am" -nt "$d/Makefile.in" ]; then
        (cd "$d" && autoreconf -fi >&2)
    fi
    echo "$d"
}

build() {   # PROJECT SRCDIR CC -> prints its build directory
    local p=$1 s=$2 cc=$3 b
    b=$work/build/$p-$cc
    if [ ! -e "$b/$(binary_of "$p")" ] || [ ! -s "$b/compile_commands.json" ]; then
        rm -rf "$b"; mkdir -p "$b"
        (cd "$b" && nice "$s/configure" CC="$cc" CFLAGS="-O2 -g" >configure.log 2>&1 &&
            nice bear --output compile_commands.json -- make -j"$jobs" >make.log 2>&1) ||
            { echo "accuracy.sh: building $p with $cc failed (see $b/*.log)" >&2; return 2; }
    fi
    echo "$b"
}

results=()
for p in $projects; do
    bin=$(binary_of "$p")
    src=$(fetch "$p")
    for cc in $ccs; do
        b=$(build "$p" "$src" "$cc")
        nice "$py" "$here/accuracy.py" --project "$p" --compiler "$cc" --src "$src" \
            --build "$b" --binary "$b/$bin" --holeprof "$hp" \
            --out "$work/results/$p-$cc"
        results+=("$work/results/$p-$cc.json")
    done
done
"$py" "$here/accuracy.py" --summary "${results[@]}"
