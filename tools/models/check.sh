#!/usr/bin/env bash
# Runs every SPIN model variant of tools/models and checks each verdict against what it
# should be: the variants of today's code (and of rejected fixes) must FAIL, those of the
# fixes must PASS. Exits non-zero if any verdict differs (or a run could not be completed).
#
#   tools/models/check.sh           the standard set (about a minute, < 1 GB)
#   tools/models/check.sh --deep    also the larger bounds (about 6 more minutes, several GB)
#
# Needs spin (Debian: apt-get install spin) and a C compiler.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
deep=0
[ "${1:-}" = "--deep" ] && deep=1
for tool in spin gcc; do
    command -v "$tool" >/dev/null || { echo "check.sh: $tool not found" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

# run NAME MODEL EXPECT "SPIN_FLAGS" "PAN_FLAGS"
run() {
    local name="$1" model="$2" expect="$3" sflags="$4" pflags="$5"
    local dir="$work/$name"
    mkdir -p "$dir" && cp "$here/$model" "$dir/" || return
    local out verdict errors states secs start end
    start=$(date +%s.%N)
    if ! (cd "$dir" && spin $sflags -a "$model" >spin.log 2>&1 \
            && gcc -O2 -DSAFETY -DCOLLAPSE -o pan pan.c >gcc.log 2>&1 \
            && ./pan -m10000000 $pflags >pan.log 2>&1); then
        echo "FAILED TO RUN  $name ($model $sflags)"; cat "$dir"/*.log | tail -20; status=1; return
    fi
    end=$(date +%s.%N)
    out="$dir/pan.log"
    errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out")
    states=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out")
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    if grep -q "max search depth too small" "$out"; then
        echo "INCOMPLETE     $name: search depth too small"; status=1; return
    fi
    if [ "${errors:-x}" = 0 ]; then verdict=PASS; else verdict=FAIL; fi
    local what
    what=$(grep -m1 "^pan:1: " "$out" | sed 's/^pan:1: //; s/ (at depth.*//')
    if [ "$verdict" = "$expect" ]; then mark=ok; else mark=WRONG; status=1; fi
    printf '%-5s %-32s expect %-4s got %-4s %10s states %6ss  %s\n' \
        "$mark" "$name" "$expect" "$verdict" "$states" "$secs" "$what"
}

echo "== owner_word.pml: owner block, reentrant lock, take-over (defect 1)"
run ow-old-takeover           owner_word.pml FAIL "-DOLD -DTID_ONLY -DQTID=3" ""
run ow-old-takeover-mutex     owner_word.pml FAIL "-DOLD -DTID_ONLY -DQTID=3 -DMUTEX_ONLY" "-E"
run ow-taking-fix             owner_word.pml PASS "-DTID_ONLY -DQTID=3" ""
run ow-taking-fix-tid-clash   owner_word.pml FAIL "-DTID_ONLY" ""
run ow-reread-rejected        owner_word.pml FAIL "-DTID_ONLY -DREREAD -DROUNDS=2" ""
run ow-old-takeover-pid-tid   owner_word.pml FAIL "-DOLD" ""
run ow-full-fix               owner_word.pml PASS "" ""
run ow-full-fix-2rounds       owner_word.pml PASS "-DROUNDS=2" ""
[ $deep = 1 ] && run ow-taking-fix-2rounds owner_word.pml PASS "-DTID_ONLY -DQTID=3 -DROUNDS=2" ""

echo "== rw_slots.pml: reader slots against the writer (defect 4)"
run rw-old-backoff            rw_slots.pml FAIL "-DOLD" ""
run rw-exact-strict           rw_slots.pml FAIL "-DEXACT_STRICT" ""
run rw-exact-fix              rw_slots.pml PASS "" ""
[ $deep = 1 ] && run rw-old-backoff-2rounds rw_slots.pml FAIL "-DOLD -DRROUNDS=2" ""
[ $deep = 1 ] && run rw-exact-fix-2rounds   rw_slots.pml PASS "-DRROUNDS=2" ""

echo "== sem_reclaim.pml: semaphore reclaim by a reclaimer that may die (defect 8)"
run sem-old-order             sem_reclaim.pml FAIL "-DOLD" ""
run sem-flag-first            sem_reclaim.pml PASS "" ""

if [ $status = 0 ]; then echo "all verdicts as expected"; else echo "SOME VERDICTS ARE NOT AS EXPECTED"; fi
exit $status
