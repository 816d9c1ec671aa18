#!/bin/sh
# End-to-end tests of the generated programs' `train` command and of
# `lstmc run`, on small slices of the bundled data (tests/pipeline/data/,
# made from examples/data/ as tests/pipeline/README.md says).
#
#   tests/pipeline/run.sh LSTMC CASE
#
# LSTMC is the lstmc binary of a build whose runtime holds the pipeline;
# run from the source root. Each CASE builds the program it needs into a
# temporary directory (removed afterwards) and checks:
#   e2e-*   exit status 0, the outputs written, and the test metric better
#           than the trivial baseline the program prints (the last value
#           for a series, the majority class for classification);
#   bad-*   the exact error message (tests/pipeline/expected/NAME.err) and
#           the documented exit status.
set -u

lstmc=$1
case_name=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmc-pipeline.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
data=tests/pipeline/data
# One BLAS thread: the cases run in parallel and the models are tiny.
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export OPENBLAS_NUM_THREADS

fail() {
    echo "FAIL $case_name: $*" >&2
    exit 1
}

# build SPEC: compiles the spec's program into $work/bin, prints its path.
build() {
    "$lstmc" build "$1" -o "$work/bin" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; fail "lstmc build $1 failed"; }
}

# train PROGRAM ARGS...: runs PROGRAM train, keeps stdout, stderr, status.
train() {
    prog=$1
    shift
    "$work/bin/$prog" train "$@" >"$work/out.txt" 2>"$work/err.txt"
    status=$?
}

# value LABEL: the number after "LABEL" in the program's report.
value() {
    sed -n "s/^$1 *//p" "$work/out.txt" | sed 's/%$//' | head -n 1
}

# better SMALLER|LARGER METRIC BASELINE
better() {
    awk -v m="$2" -v b="$3" -v dir="$1" 'BEGIN {
        if (m == "" || b == "") exit 1
        exit !(dir == "smaller" ? m + 0 < b + 0 : m + 0 > b + 0) }' ||
        fail "test metric $2 does not beat the baseline $3"
}

expect_files() {
    for f in "$@"; do
        [ -s "$work/res/$f" ] || fail "missing output $f"
    done
}

# expect_error STATUS NAME: exact stderr and exit status.
expect_error() {
    [ "$status" -eq "$1" ] || { cat "$work/err.txt" >&2; fail "exit status $status, expected $1"; }
    cmp -s "$work/err.txt" "tests/pipeline/expected/$2.err" || {
        diff -u "tests/pipeline/expected/$2.err" "$work/err.txt" >&2
        fail "unexpected message"
    }
}

case $case_name in
e2e-forecast)
    build specs/forecast.yaml
    train forecast --data "$data/airline-60.csv" --epochs 40 --out "$work/res"
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
    expect_files metrics.json history.csv predictions.csv weights.safetensors scaler.json \
        forecast.png loss.png
    grep -q '"test": {"rmse": ' "$work/res/metrics.json" || fail "metrics.json lacks test.rmse"
    better smaller "$(value 'test rmse:')" "$(value 'baseline (last value) rmse:')"
    ;;
e2e-classify)
    build specs/classify.yaml
    train classify --data "$data/seattle-400.csv" --out "$work/res"
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
    expect_files metrics.json history.csv predictions.csv weights.safetensors scaler.json \
        labels.json confusion_matrix.png loss.png
    grep -q 'weighted avg' "$work/out.txt" || fail "no classification report"
    better larger "$(value 'test accuracy:')" "$(value 'baseline (majority class) accuracy:')"
    ;;
e2e-vowels)
    build specs/vowels.yaml
    train vowels --data "$data/vowels-small.csv" --epochs 30 --out "$work/res"
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
    expect_files metrics.json predictions.csv labels.json confusion_matrix.png
    better larger "$(value 'test accuracy:')" 0.5
    ;;
e2e-sentiment)
    build tests/pipeline/sentiment-small.yaml
    train sentiment --out "$work/res"
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
    expect_files metrics.json predictions.csv tokenizer.json confusion_matrix.png
    # the spec's early stopping (patience 2, restore_best_weights) ends it early
    grep -q '^Early stopping after epoch [0-9]*: no improvement of val_loss since epoch [0-9]* (its weights restored)$' \
        "$work/out.txt" || fail "early stopping did not happen"
    better larger "$(value 'test accuracy:')" "$(value 'baseline (majority class) accuracy:')"
    ;;
run-forecast)
    "$lstmc" run specs/forecast.yaml --out "$work/res" -- --data "$data/airline-60.csv" \
        >"$work/out.txt" 2>"$work/err.txt"
    status=$?
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
    grep -q "^Plot: $work/res/forecast.png\$" "$work/out.txt" || fail "no plot path printed"
    expect_files forecast.png metrics.json build/forecast
    ;;
bad-missing-file)
    build specs/forecast.yaml
    train forecast --data "$data/nothere.csv" --out "$work/res"
    expect_error 1 missing-file
    ;;
bad-missing-column)
    build specs/forecast.yaml
    train forecast --data "$data/bad/missing-column.csv" --out "$work/res"
    expect_error 1 missing-column
    ;;
bad-cell)
    build specs/forecast.yaml
    train forecast --data "$data/bad/bad-cell.csv" --out "$work/res"
    expect_error 1 bad-cell
    ;;
bad-few-rows)
    build specs/forecast.yaml
    train forecast --data "$data/bad/few-rows.csv" --out "$work/res"
    expect_error 1 few-rows
    ;;
bad-nan)
    build specs/forecast.yaml
    train forecast --data "$data/bad/nan.csv" --out "$work/res"
    expect_error 1 nan
    ;;
bad-unseen-class)
    build specs/vowels.yaml
    train vowels --data "$data/bad/unseen-class.csv" --epochs 1 --out "$work/res"
    expect_error 1 unseen-class
    ;;
bad-group-labels)
    build specs/vowels.yaml
    train vowels --data "$data/bad/group-labels.csv" --epochs 1 --out "$work/res"
    expect_error 1 group-labels
    ;;
bad-empty-text)
    build tests/pipeline/sentiment-small.yaml
    train sentiment --data "$data/bad/empty-text.csv" --out "$work/res"
    expect_error 1 empty-text
    ;;
bad-diverge)
    build tests/pipeline/diverge.yaml
    train diverge --out "$work/res"
    [ "$status" -eq 3 ] || { cat "$work/err.txt" >&2; fail "exit status $status, expected 3"; }
    grep -Eq '^diverge: error: the loss became (-?inf|-?nan) at epoch [0-9]+, batch [0-9]+; training stopped' \
        "$work/err.txt" || { cat "$work/err.txt" >&2; fail "unexpected message"; }
    [ ! -e "$work/res/metrics.json" ] || fail "metrics.json written after divergence"
    ;;
bad-output)
    build specs/forecast.yaml
    train forecast --data "$data/airline-60.csv" --epochs 1 --out /proc/lstmc-no-such-dir
    expect_error 4 output
    ;;
*)
    fail "unknown case"
    ;;
esac
echo "ok $case_name"
