#!/bin/sh
# program.sh LSTMC FORECAST
#
# The issue's acceptance, as a new user would try it: `lstmc build` of
# specs/sentiment.yaml compiles the program (in-tree runtime); init writes
# weights; predict on 100-token lines prints one probability per line;
# bad input is refused with file:row:col and a non-zero status.
set -eu
lstmc=$1
forecast=$2
case $lstmc in /*) ;; *) lstmc=$PWD/$lstmc ;; esac
case $forecast in /*) ;; *) forecast=$PWD/$forecast ;; esac
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$lstmc" build "$root/specs/sentiment.yaml" -o "$tmp/out/s"
cd "$tmp"
prog=out/s/sentiment
[ -x "$prog" ] || fail "no program built"
"$prog" --help > /dev/null
for mode in init predict fit-arrays; do
    "$prog" "$mode" --help | grep -q "usage: sentiment $mode" || fail "$mode --help"
done
"$prog" init --seed 1 --weights w.safetensors
awk 'BEGIN { srand(1); for (i = 0; i < 7; i++) { l = int(rand() * 20000)
    for (k = 1; k < 100; k++) l = l "," int(rand() * 20000); print l } }' > x.csv
"$prog" predict --weights w.safetensors --input x.csv > p.csv
[ "$(wc -l < p.csv)" -eq 7 ] || fail "expected 7 lines of output"
awk '{ if (NF != 1 || $1 <= 0 || $1 >= 1) exit 1 }' p.csv || fail "not probabilities: $(cat p.csv)"

# fit-arrays holds out the last 20% (validation_split 0.2) for val_loss.
head -n 5 x.csv > tx.csv
printf '0\n1\n1\n0\n1\n' > ty.csv
"$prog" fit-arrays --x tx.csv --y ty.csv --epochs 2 --batch-size 2 --weights-out t.safetensors \
    > fit.txt
[ "$(wc -l < fit.txt)" -eq 2 ] || fail "expected 2 epoch lines: $(cat fit.txt)"
grep -q '^epoch 2/2: loss [0-9.e-]*, val_loss [0-9.e-]*$' fit.txt || fail "fit output: $(cat fit.txt)"
[ -s t.safetensors ] || fail "no trained weights"

# The same seed writes the same bytes.
"$prog" init --seed 1 --weights w2.safetensors
cmp -s w.safetensors w2.safetensors || fail "init is not deterministic"

# Errors name the file, row and column, and exit 1.
sed '2s/^[0-9]*,/7.5,/' x.csv > bad.csv
if "$prog" predict --weights w.safetensors --input bad.csv 2> err.txt; then
    fail "accepted a fractional token id"
fi
grep -q '^bad.csv:2:1: error: expected a token id' err.txt || fail "message: $(cat err.txt)"
head -c 100 x.csv > short.csv; echo >> short.csv
if "$prog" predict --weights w.safetensors --input short.csv 2> err.txt; then
    fail "accepted a short row"
fi
grep -q '^short.csv:1:[0-9]*: error: expected 100 values' err.txt || fail "message: $(cat err.txt)"
if "$prog" predict --weights missing.safetensors --input x.csv 2> err.txt; then
    fail "accepted a missing weights file"
fi
grep -q 'missing.safetensors' err.txt || fail "message: $(cat err.txt)"
"$forecast" init --weights f.safetensors
if "$prog" predict --weights f.safetensors --input x.csv 2> err.txt; then
    fail "accepted another model's weights"
fi
grep -q "^f.safetensors: error: weights are for model 'forecast', not 'sentiment'" err.txt ||
    fail "message: $(cat err.txt)"
echo "ok: sentiment built, initialised, predicted $(wc -l < p.csv) samples"
