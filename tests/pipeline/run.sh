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
#           the documented exit status;
#   predict-*  train on a slice, then `predict` on raw data: the predictions
#           of the samples train tested equal its predictions.csv; the
#           predict-bad-* cases check messages and exit statuses as bad-*
#           (the temporary directory is written WORK in NAME.err, and any
#           16-hex-digit spec hash HASH);
#   checkpoint-*  crash-safe training: a run killed with kill -9 and
#           resumed, or resumed at an epoch boundary, ends with weights and
#           history byte-identical to an uninterrupted run's; divergence
#           keeps the last good checkpoint (bad-checkpoint-*: checkpoints
#           refused with their exact messages).
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

# predict PROGRAM ARGS...: runs PROGRAM predict, keeps stdout in pred.csv,
# stderr and the status.
predict() {
    prog=$1
    shift
    "$work/bin/$prog" predict "$@" >"$work/pred.csv" 2>"$work/err.txt"
    status=$?
}

# succeeded: the last train or predict exited 0.
succeeded() {
    [ "$status" -eq 0 ] || { cat "$work/err.txt" >&2; fail "exit status $status"; }
}

# same FILE1 FILE2 WHAT: byte-identical files.
same() {
    cmp -s "$1" "$2" || { diff -u "$1" "$2" | head -n 20 >&2; fail "$3"; }
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

# expect_error STATUS NAME: exact stderr (the temporary directory written
# WORK) and exit status.
expect_error() {
    [ "$status" -eq "$1" ] || { cat "$work/err.txt" >&2; fail "exit status $status, expected $1"; }
    # spec hashes change with any edit of a test spec: HASH stands for them
    sed -e "s|$work/|WORK/|g" -e 's/\<[0-9a-f]\{16\}\>/HASH/g' "$work/err.txt" >"$work/err.cmp"
    cmp -s "$work/err.cmp" "tests/pipeline/expected/$2.err" || {
        diff -u "tests/pipeline/expected/$2.err" "$work/err.cmp" >&2
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
predict-forecast)
    build specs/forecast.yaml
    train forecast --data "$data/airline-60.csv" --epochs 1 --out "$work/res"
    succeeded
    predict forecast --model-dir "$work/res" --data "$data/airline-60.csv"
    succeeded
    # windows of the 60 rows: rows 10..59 forecast as in predictions.csv
    # (same numbers: batch size 1), then row 60, after the data
    [ "$(head -n 1 "$work/pred.csv")" = index,actual,predicted ] || fail "bad header"
    tail -n +2 "$work/res/predictions.csv" | cut -d, -f1,3,4 >"$work/want.csv"
    sed '1d;$d' "$work/pred.csv" >"$work/got.csv"
    same "$work/want.csv" "$work/got.csv" "predict differs from train's predictions.csv"
    tail -n 1 "$work/pred.csv" | grep -Eq '^60,,[0-9][0-9.e+-]*$' ||
        fail "no forecast of the row after the data"
    # the same from a .csv.gz, written atomically with --output
    mv "$work/pred.csv" "$work/first.csv"
    gzip -c "$data/airline-60.csv" >"$work/airline.csv.gz"
    predict forecast --model-dir "$work/res" --data "$work/airline.csv.gz" \
        --output "$work/out.csv"
    succeeded
    [ ! -s "$work/pred.csv" ] || fail "--output also wrote to stdout"
    same "$work/first.csv" "$work/out.csv" "--output or .csv.gz differs"
    ;;
predict-classify)
    build specs/classify.yaml
    train classify --data "$data/seattle-400.csv" --epochs 2 --out "$work/res"
    succeeded
    predict classify --model-dir "$work/res" --data "$data/seattle-400.csv"
    succeeded
    [ "$(head -n 1 "$work/pred.csv")" = index,predicted,p_drizzle,p_fog,p_rain,p_snow,p_sun ] ||
        fail "bad header"
    [ "$(wc -l <"$work/pred.csv")" -eq 392 ] || fail "not one line per window (391)"
    # The test part was shuffled and predicted in other batches: float32
    # BLAS results then differ in the last bit. Each test sample must match
    # exactly one window within 1e-5, with the same class, and that window's
    # label row must hold the sample's true class.
    awk -F, -v tol=1e-5 -v target=weather '
        FILENAME == ARGV[1] {
            if (FNR == 1) { for (i = 1; i <= NF; i++) if ($i == target) col = i }
            else truth[FNR - 2] = $col
            next
        }
        FILENAME == ARGV[2] {
            if (FNR > 1) { m++; row[m] = $1; lab[m] = $2; k = NF - 2
                           for (c = 1; c <= k; c++) p[m, c] = $(c + 2) }
            next
        }
        FNR > 1 {
            hits = 0
            for (j = 1; j <= m; j++) {
                d = 0
                for (c = 1; c <= k; c++) { e = p[j, c] - $(c + 3); if (e < 0) e = -e; if (e > d) d = e }
                if (d <= tol) { hits++; hit = j }
            }
            if (hits != 1) { print "test sample " $1 ": " hits " windows match"; bad = 1; next }
            if (lab[hit] != $3) { print "test sample " $1 ": class " lab[hit] ", not " $3; bad = 1 }
            if (truth[row[hit]] != $2) { print "test sample " $1 ": row " row[hit] " is " truth[row[hit]] ", not " $2; bad = 1 }
            n++
        }
        END { exit bad || n == 0 }' "$data/seattle-400.csv" "$work/pred.csv" \
        "$work/res/predictions.csv" >&2 || fail "predict differs from train's predictions.csv"
    ;;
predict-vowels)
    build specs/vowels.yaml
    train vowels --data "$data/vowels-small.csv" --epochs 2 --out "$work/res"
    succeeded
    # the test sequences' rows (split is the first column), target included
    awk -F, 'NR == 1 || $1 == "test"' "$data/vowels-small.csv" >"$work/test.csv"
    predict vowels --model-dir "$work/res" --data "$work/test.csv"
    succeeded
    [ "$(head -n 1 "$work/pred.csv")" = seq,predicted,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9 ] ||
        fail "bad header"
    # one line per sequence, in order, with its id; the same numbers as
    # train's (the same samples in the same batches)
    awk -F, 'NR > 1 && $2 != last { print $2; last = $2 }' "$work/test.csv" >"$work/want.csv"
    tail -n +2 "$work/pred.csv" | cut -d, -f1 >"$work/got.csv"
    same "$work/want.csv" "$work/got.csv" "not one line per sequence"
    tail -n +2 "$work/res/predictions.csv" | cut -d, -f3- >"$work/want.csv"
    tail -n +2 "$work/pred.csv" | cut -d, -f2- >"$work/got.csv"
    same "$work/want.csv" "$work/got.csv" "predict differs from train's predictions.csv"
    ;;
predict-sentiment)
    build tests/pipeline/sentiment-small.yaml
    train sentiment --epochs 1 --out "$work/res"
    succeeded
    predict sentiment --model-dir "$work/res" --data "$data/sentiment-test.csv"
    succeeded
    [ "$(head -n 1 "$work/pred.csv")" = index,predicted,p_0,p_1 ] || fail "bad header"
    tail -n +2 "$work/res/predictions.csv" | cut -d, -f3- >"$work/want.csv"
    tail -n +2 "$work/pred.csv" | cut -d, -f2- >"$work/got.csv"
    same "$work/want.csv" "$work/got.csv" "predict differs from train's predictions.csv"
    # the same texts, one per line, on standard input and from a file
    mv "$work/pred.csv" "$work/first.csv"
    awk 'NR > 1 { sub(/,[01]\r?$/, "")
                  if (substr($0, 1, 1) == "\"") { $0 = substr($0, 2, length($0) - 2); gsub(/""/, "\"") }
                  print }' "$data/sentiment-test.csv" >"$work/texts.txt"
    "$work/bin/sentiment" predict --model-dir "$work/res" --text - <"$work/texts.txt" \
        >"$work/pred.csv" 2>"$work/err.txt"
    status=$?
    succeeded
    same "$work/first.csv" "$work/pred.csv" "--text - differs from --data"
    predict sentiment --model-dir "$work/res" --text "$work/texts.txt"
    succeeded
    same "$work/first.csv" "$work/pred.csv" "--text FILE differs from --data"
    ;;
predict-bad-state)
    build specs/forecast.yaml
    train forecast --data "$data/airline-60.csv" --epochs 1 --out "$work/res"
    succeeded
    predict forecast --model-dir "$work/nothere" --data "$data/airline-60.csv"
    expect_error 1 predict-missing-weights
    mv "$work/res/scaler.json" "$work/scaler.json"
    predict forecast --model-dir "$work/res" --data "$data/airline-60.csv"
    expect_error 1 predict-missing-state
    sed 's/"feature_range":\[0.0,1.0\]/"feature_range":[-1.0,1.0]/' "$work/scaler.json" \
        >"$work/res/scaler.json"
    predict forecast --model-dir "$work/res" --data "$data/airline-60.csv"
    expect_error 1 predict-state-mismatch
    ;;
predict-bad-data)
    build specs/forecast.yaml
    train forecast --data "$data/airline-60.csv" --epochs 1 --out "$work/res"
    succeeded
    # the messages of train for the same defects (missing-column, bad-cell)
    predict forecast --model-dir "$work/res" --data "$data/bad/missing-column.csv"
    expect_error 1 missing-column
    predict forecast --model-dir "$work/res" --data "$data/bad/bad-cell.csv"
    expect_error 1 bad-cell
    predict forecast --model-dir "$work/res" --data "$data/bad/few-rows.csv"
    expect_error 1 predict-few-rows
    predict forecast --model-dir "$work/res" --data "$data/airline-60.csv" \
        --output /proc/lstmc-no-such-dir/pred.csv
    expect_error 4 predict-output
    ;;
predict-bad-text)
    build tests/pipeline/sentiment-small.yaml
    train sentiment --epochs 1 --out "$work/res"
    succeeded
    printf 'works great\n\nstopped working\n' |
        "$work/bin/sentiment" predict --model-dir "$work/res" --text - >"$work/pred.csv" \
            2>"$work/err.txt"
    status=$?
    expect_error 1 predict-empty-text
    ;;
predict-bad-usage)
    build specs/forecast.yaml
    predict forecast --text - --model-dir "$work/res"
    expect_error 2 predict-text-usage
    predict forecast --data "$data/airline-60.csv" --weights "$work/w.safetensors"
    expect_error 2 predict-mixed-usage
    # a thread count past the pool's limit is refused, not truncated
    train forecast --threads 4294967298 --out "$work/res"
    expect_error 2 train-threads-usage
    ;;
checkpoint-kill)
    # kill -9 in the middle of training with checkpoints, then --resume:
    # the weights and the history end byte-identical to a run never
    # interrupted (one thread; tests/pipeline/checkpoint.yaml has shuffling,
    # dropout, a validation split and early stopping's best weights)
    build tests/pipeline/checkpoint.yaml
    # 1200 epochs take seconds, so the kill lands well inside the run
    set -- --data "$data/airline-60.csv" --epochs 1200 --threads 1
    train checkpoint "$@" --out "$work/full"
    succeeded
    "$work/bin/checkpoint" train "$@" --out "$work/res" --checkpoint-every 13b \
        >"$work/out.txt" 2>"$work/err.txt" &
    pid=$!
    tries=0
    while [ ! -e "$work/res/checkpoint.safetensors" ] && [ "$tries" -lt 400 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    sleep 0.5
    kill -9 "$pid"
    wait "$pid"
    status=$?
    [ "$status" -eq 137 ] || fail "the run was not killed (exit status $status): make it longer"
    [ ! -e "$work/res/weights.safetensors" ] || fail "the killed run wrote its weights"
    train checkpoint "$@" --out "$work/res" --checkpoint-every 13b --resume
    succeeded
    grep -Eq '^Resuming from .*/res/checkpoint.safetensors \(after (batch [0-9]+ of )?epoch [0-9]+\)$' \
        "$work/out.txt" || fail "no resume message"
    same "$work/full/weights.safetensors" "$work/res/weights.safetensors" \
        "the resumed run's weights differ from the uninterrupted run's"
    same "$work/full/history.csv" "$work/res/history.csv" \
        "the resumed run's history differs from the uninterrupted run's"
    ;;
checkpoint-epoch)
    # a checkpoint at an epoch boundary, resumed by a run with more epochs,
    # through early stopping that restores the best weights (epoch 7 of 8)
    build tests/pipeline/sentiment-small.yaml
    train sentiment --threads 1 --out "$work/full"
    succeeded
    train sentiment --threads 1 --epochs 3 --checkpoint-every 1 --out "$work/res"
    succeeded
    train sentiment --threads 1 --resume "$work/res/checkpoint.safetensors" --out "$work/res"
    succeeded
    grep -q '^Resuming from .*/res/checkpoint.safetensors (after epoch 3)$' "$work/out.txt" ||
        fail "no resume message"
    grep -q '^Early stopping after epoch 7: ' "$work/out.txt" || fail "early stopping did not happen"
    same "$work/full/weights.safetensors" "$work/res/weights.safetensors" \
        "the resumed run's weights differ from the uninterrupted run's"
    same "$work/full/history.csv" "$work/res/history.csv" \
        "the resumed run's history differs from the uninterrupted run's"
    ;;
checkpoint-diverge)
    # divergence keeps the last good checkpoint, from which the same
    # divergence happens again
    build tests/pipeline/diverge.yaml
    train diverge --out "$work/res" --checkpoint-every 1b
    [ "$status" -eq 3 ] || { cat "$work/err.txt" >&2; fail "exit status $status, expected 3"; }
    sed -n 1p "$work/err.txt" | grep -Eq '^diverge: error: the loss became (-?inf|-?nan) at epoch [0-9]+, batch [0-9]+; training stopped' ||
        { cat "$work/err.txt" >&2; fail "unexpected message"; }
    sed -n 2p "$work/err.txt" | grep -Eq '^diverge: note: the last good checkpoint, .*/res/checkpoint.safetensors, is kept \(after (batch [0-9]+ of )?epoch [0-9]+\)$' ||
        { cat "$work/err.txt" >&2; fail "no note on the checkpoint kept"; }
    [ ! -e "$work/res/metrics.json" ] || fail "metrics.json written after divergence"
    mv "$work/err.txt" "$work/first.err"
    train diverge --out "$work/res" --checkpoint-every 1b --resume
    [ "$status" -eq 3 ] || { cat "$work/err.txt" >&2; fail "resumed: exit status $status, expected 3"; }
    same "$work/first.err" "$work/err.txt" "the resumed run diverged elsewhere"
    ;;
bad-checkpoint-truncated)
    build tests/pipeline/checkpoint.yaml
    train checkpoint --data "$data/airline-60.csv" --epochs 1 --checkpoint-every 1 --out "$work/res"
    succeeded
    head -c 4096 "$work/res/checkpoint.safetensors" >"$work/cut.safetensors"
    train checkpoint --data "$data/airline-60.csv" --resume "$work/cut.safetensors" --out "$work/res"
    expect_error 1 checkpoint-truncated
    ;;
bad-checkpoint-spec)
    # a checkpoint of the same model from an edited spec
    build tests/pipeline/checkpoint.yaml
    sed 's/epochs: 4$/epochs: 5/' tests/pipeline/checkpoint.yaml >"$work/edited.yaml"
    "$lstmc" build "$work/edited.yaml" -o "$work/edited" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; fail "lstmc build of the edited spec failed"; }
    "$work/edited/checkpoint" train --data "$data/airline-60.csv" --epochs 1 --checkpoint-every 1 \
        --out "$work/other" >/dev/null 2>&1 || fail "the edited spec's program failed"
    train checkpoint --data "$data/airline-60.csv" --resume "$work/other/checkpoint.safetensors" \
        --out "$work/res"
    expect_error 1 checkpoint-spec
    ;;
*)
    fail "unknown case"
    ;;
esac
echo "ok $case_name"
