#!/bin/sh
# valgrind memcheck on the generated programs: a seed spec's program runs
# `train` for one epoch on a slice of its data (tests/pipeline/data) under
#   valgrind --error-exitcode=1 --leak-check=full
# with only third-party leaks suppressed (third-party.supp says which and
# why). Any invalid read or write, use of uninitialised memory, bad free or
# leak of lstmc's own memory fails the case.
#
#   tests/valgrind/run.sh LSTMC CASE     (CASE: forecast classify vowels sentiment)
#
# Run from the source root. Exits 77 (skipped) when valgrind is missing.
set -u

lstmc=$1
case_name=$2
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not found: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmc-valgrind.XXXXXX") || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
# One BLAS thread: fewer threads for valgrind to serialise, same code paths.
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
data=tests/pipeline/data

fail() {
    echo "FAIL valgrind-$case_name: $*" >&2
    exit 1
}

# Slices small enough for valgrind's pace (every case well under a minute):
# the seed specs unchanged, their data cut down. Classification slices keep
# every class in the training part.
case $case_name in
forecast)
    spec=specs/forecast.yaml
    cp "$data/airline-60.csv" "$work/data.csv"
    ;;
classify)
    # 80 days; the weather labels cycle so all five classes occur.
    spec=specs/classify.yaml
    awk -F, -v OFS=, 'BEGIN { split("drizzle rain sun snow fog", w, " ") }
        NR == 1 { print; next } NR <= 81 { $6 = w[NR % 5 + 1]; print }' \
        "$data/seattle-400.csv" >"$work/data.csv"
    ;;
vowels)
    # two training and one test utterance of each of the nine speakers
    spec=specs/vowels.yaml
    awk -F, 'NR == 1 { print; next }
        { k = $1 "," $16; if (!(($1 "," $2) in seen)) { seen[$1 "," $2] = 1; n[k]++ } }
        n[k] <= ($1 == "train" ? 2 : 1) { print }' "$data/vowels-small.csv" >"$work/data.csv"
    ;;
sentiment)
    # the spec's own train and test files, cut to 120 and 30 sentences
    sed "s|data/sentiment-train.csv|$work/train.csv|; s|data/sentiment-test.csv|$work/test.csv|" \
        tests/pipeline/sentiment-small.yaml >"$work/sentiment.yaml"
    spec=$work/sentiment.yaml
    head -n 121 "$data/sentiment-train.csv" >"$work/train.csv"
    head -n 31 "$data/sentiment-test.csv" >"$work/test.csv"
    ;;
*) fail "unknown case" ;;
esac
args=""
[ -f "$work/data.csv" ] && args="--data $work/data.csv"

"$lstmc" build "$spec" -o "$work/bin" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; fail "lstmc build $spec failed"; }
# shellcheck disable=SC2086
valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect,possible --num-callers=40 \
    --suppressions=tests/valgrind/third-party.supp --log-file="$work/valgrind.log" \
    "$work/bin/$case_name" train $args --epochs 1 --out "$work/res" >"$work/out.txt" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    cat "$work/out.txt" "$work/valgrind.log" >&2
    fail "exit status $status (1: valgrind found errors)"
fi
grep -q 'ERROR SUMMARY: 0 errors' "$work/valgrind.log" ||
    { cat "$work/valgrind.log" >&2; fail "valgrind reported errors"; }
exit 0
