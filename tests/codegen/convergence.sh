#!/bin/sh
# convergence.sh FORECAST
#
# The forecast program (specs/forecast.yaml: LSTM 50 -> LSTM 50 -> Dense 25
# -> Dense 1, mse, Adam) trained by fit-arrays on windows of a noisy sine
# must lower its mean squared error at least tenfold. Data from awk with a
# fixed seed; every window is 10 values, the target the next one.
set -eu
prog=$1
case $prog in /*) ;; *) prog=$PWD/$prog ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
awk 'BEGIN {
    srand(7)
    for (i = 0; i < 170; i++)
        s[i] = 0.5 + 0.4 * sin(i * 0.3) + 0.02 * (rand() - 0.5)
    for (i = 0; i + 10 < 170; i++) {
        line = s[i]
        for (k = 1; k < 10; k++)
            line = line "," s[i + k]
        print line > "x.csv"
        print s[i + 10] > "y.csv"
    }
}'
mse() {
    "$prog" predict --weights "$1" --input x.csv > pred.csv
    paste -d, pred.csv y.csv | awk -F, '{ d = $1 - $2; t += d * d } END { printf "%.9g\n", t / NR }'
}
"$prog" init --seed 3 --weights w0.safetensors
before=$(mse w0.safetensors)
"$prog" fit-arrays --x x.csv --y y.csv --epochs 25 --batch-size 8 --seed 3 \
    --weights-in w0.safetensors --weights-out w1.safetensors > log.txt
after=$(mse w1.safetensors)
tail -n 1 log.txt
echo "mse before $before, after $after"
awk -v b="$before" -v a="$after" 'BEGIN {
    printf "ratio %.1f\n", b / a
    exit !(a * 10 <= b)
}'
