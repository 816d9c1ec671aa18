#!/bin/sh
# Tests of `lstmc embed` (docs/embedding.md).
#
#   tests/embed/run.sh LSTMC RUNTIME_DIR CASE
#
# LSTMC is this build's lstmc, RUNTIME_DIR the directory of its liblstmc;
# run from the source root. Each case works in a temporary directory:
#   exact-SPEC  train the seed spec's program on a slice of its data for a
#               few epochs, embed it (float and int8), compile both with
#               -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror
#               under gcc and clang, then tests/embed/check.c: the weights
#               bit for bit, predict and streaming against the program's
#               predict bit for bit (all four seed specs),
#               the tokenizer against the pipeline's, and the int8 model's
#               test metric;
#   cortex-m4   the forecast model's object for a Cortex-M4 (skipped, 77,
#               without arm-none-eabi-gcc): no undefined symbols but
#               libm's and libgcc's, and it links into a program;
#   example     the acceptance run: lstmc run on the airline series,
#               embed, examples/embed built with its plain Makefile, fed
#               the series: every forecast is predictions.csv's, digit for
#               digit; then built with its meson.build and (if cmake is
#               installed) its CMakeLists.txt: the same output;
#   errors      the messages and exit statuses of bad invocations.
set -u

lstmc=$1
rtdir=$2
case_name=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmc-embed.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
data=tests/pipeline/data
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
tol_arg=
strict="-std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -O2"
# A sanitized build's runtime needs its programs built with the same
# sanitizers (tests/meson.build passes them; empty otherwise).
san=${SAN_CFLAGS:-}

fail() {
    echo "FAIL $case_name: $*" >&2
    exit 1
}

libs="-L$rtdir -Wl,-rpath,$rtdir -llstmc $(pkg-config --libs openblas 2>/dev/null ||
    echo -lopenblas) -ljansson -lm"

# program NAME SPEC OPT: the spec's program in $work/bin, compiled as lstmc
# build compiles it (but with OPT), its model also kept as $work/bin/NAME.o
program() {
    "$lstmc" build "$2" -o "$work/bin" --no-compile >"$work/log" 2>&1 ||
        { cat "$work/log"; fail "build"; }
    cc -std=c11 $3 $san -Iruntime $(pkg-config --cflags openblas 2>/dev/null) \
        -c "$work/bin/$1.c" -o "$work/bin/$1.o" || fail "compiling $1.c"
    cc -std=c11 $3 $san -Iruntime "$work/bin/${1}_main.c" "$work/bin/$1.o" $libs \
        -o "$work/bin/$1" || fail "compiling ${1}_main.c"
}

# exact NAME SPEC TRAIN-ARGS...
exact() {
    name=$1
    spec=$2
    shift 2
    program "$name" "$spec" -O2
    "$work/bin/$name" train --out "$work/res" "$@" >"$work/log" 2>&1 ||
        { cat "$work/log"; fail "train"; }
    w=$work/res/weights.safetensors
    "$lstmc" embed "$spec" --weights "$w" -o "$work/emb" --prefix emb || fail "embed"
    "$lstmc" embed "$spec" --weights "$w" -o "$work/emb" --prefix embq --quantize int8 ||
        fail "embed --quantize int8"
    # the header's documentation: no format directive left unexpanded, no
    # sentence missing its end
    if grep -n '%[a-z]\| \.$' "$work/emb/emb_model.h" "$work/emb/embq_model.h"; then
        fail "the header's comment has a hole"
    fi
    if grep -q '^#define EMB_LENGTH' "$work/emb/emb_model.h"; then
        grep -q 'emb_step(&s, id); *one token id; or emb_step_text(&s, text, len)$' \
            "$work/emb/emb_model.h" || fail "the header does not document emb_step_text"
    fi
    for cc in gcc clang; do
        command -v $cc >/dev/null || continue
        for m in emb embq; do
            $cc $strict -c "$work/emb/${m}_model.c" -o "$work/emb/$m.$cc.o" ||
                fail "$cc warns on ${m}_model.c"
        done
    done
    up=$(echo "$name" | tr a-z A-Z)
    cc -std=c11 -O2 $san -DMODEL="$name" -DMODEL_UP="$up" -DMAIN_C="\"$work/bin/${name}_main.c\"" \
        -I"$work/bin" -I"$work/emb" -Iruntime tests/embed/check.c "$work/bin/$name.o" \
        "$work/emb/emb_model.c" "$work/emb/embq_model.c" $libs -o "$work/check" ||
        fail "compiling check.c"
    "$work/check" --weights "$w" ${data_arg:+--data "$data_arg"} ${tol_arg:+--tolerance "$tol_arg"} ||
        fail "check"
}

case $case_name in
exact-forecast)
    # batch_size 1: the program's products do not go through BLAS, so the
    # embedded model must give its bits
    data_arg=$data/airline-60.csv
    tol_arg=0
    exact forecast specs/forecast.yaml --data "$data_arg" --epochs 3
    ;;
# batches above 1: the products go through lstmc_gemm, which sums in the
# loops' order, so these must give the program's bits too
exact-classify)
    data_arg=$data/seattle-400.csv
    tol_arg=0
    exact classify specs/classify.yaml --data "$data_arg" --epochs 2
    ;;
exact-vowels)
    data_arg=$data/vowels-small.csv
    tol_arg=0
    exact vowels specs/vowels.yaml --data "$data_arg" --epochs 3
    ;;
exact-sentiment)
    data_arg=
    tol_arg=0
    exact sentiment tests/pipeline/sentiment-small.yaml --epochs 2
    ;;
cortex-m4)
    command -v arm-none-eabi-gcc >/dev/null || { echo "no arm-none-eabi-gcc: skipped"; exit 77; }
    program forecast specs/forecast.yaml -O0
    "$work/bin/forecast" init --seed 1 --weights "$work/w.safetensors" || fail "init"
    echo '{"data_max":[505.0],"data_min":[104.0],"feature_range":[0.0,1.0],"format":"lstmc.scaler","type":"minmax","version":1}' \
        >"$work/scaler.json"
    "$lstmc" embed specs/forecast.yaml --weights "$work/w.safetensors" -o "$work" || fail "embed"
    arm="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
    arm-none-eabi-gcc $strict $arm -c "$work/forecast_model.c" -o "$work/forecast_model.o" ||
        fail "cross-compiling"
    libm=$(arm-none-eabi-gcc $arm -print-file-name=libm.a)
    libgcc=$(arm-none-eabi-gcc $arm -print-libgcc-file-name)
    arm-none-eabi-nm -g --defined-only "$libm" "$libgcc" 2>/dev/null | awk 'NF == 3 {print $3}' |
        sort -u >"$work/provided"
    arm-none-eabi-nm -u "$work/forecast_model.o" | awk '{print $2}' | sort -u >"$work/undefined"
    extra=$(comm -23 "$work/undefined" "$work/provided")
    [ -z "$extra" ] || fail "undefined symbols beyond libm and libgcc: $extra"
    cat >"$work/app.c" <<'EOF'
#include "forecast_model.h"
static forecast_state state; /* no heap: the state is the program's */
int main(void)
{
    double y = 0;
    forecast_reset(&state);
    for (int i = 0; i < 12; i++) {
        double x = 100.0 + i;
        forecast_step(&state, &x);
    }
    return forecast_output(&state, &y) == 0 && y > 0 ? 0 : 1;
}
EOF
    arm-none-eabi-gcc $strict $arm -I"$work" -c "$work/app.c" -o "$work/app.o" || fail "app"
    arm-none-eabi-gcc $arm --specs=nosys.specs "$work/app.o" "$work/forecast_model.o" -lm \
        -o "$work/app.elf" || fail "linking for the Cortex-M4"
    arm-none-eabi-size "$work/forecast_model.o" "$work/app.elf"
    ;;
example)
    "$lstmc" run specs/forecast.yaml --out "$work/res" >"$work/log" 2>&1 ||
        { cat "$work/log"; fail "lstmc run"; }
    cp -r examples/embed "$work/product"
    "$lstmc" embed specs/forecast.yaml --weights "$work/res/weights.safetensors" \
        -o "$work/product" || fail "embed"
    make -s -C "$work/product" >"$work/log" 2>&1 || { cat "$work/log"; fail "make"; }
    tail -n +2 examples/data/r-airpassengers/r-airpassengers.csv | cut -d, -f2 |
        "$work/product/forecast_product" >"$work/forecasts" || fail "the product failed"
    # line i + 1 - 10 of the product: the forecast for index i of the series
    tail -n +2 "$work/res/predictions.csv" | cut -d, -f1,4 >"$work/expected"
    # batch_size 1: no BLAS in the training program, so the same bits (both
    # print the shortest decimal that reads back, so the same text)
    awk -F, 'NR == FNR { want[$1] = $2; next }
             { i = FNR + 9; if (i in want) { n++
                 if ($1 != want[i]) { bad++; if (bad <= 3) print "row " i ": " $1 " != " want[i] } } }
             END { printf "%d forecasts compared, %d differ\n", n, bad
                   exit !(n == 134 && bad == 0) }' \
        "$work/expected" "$work/forecasts" || fail "forecasts differ from predictions.csv"
    # the same product from the meson and CMake builds, which run lstmc
    # embed themselves (docs/embedding.md section 7)
    case $lstmc in /*) abs=$lstmc ;; *) abs=$PWD/$lstmc ;; esac
    cp -r examples/embed "$work/src"
    w=$work/res/weights.safetensors
    meson setup "$work/meson" "$work/src" -Dlstmc="$abs" -Dspec="$PWD/specs/forecast.yaml" \
        -Dweights="$w" >"$work/log" 2>&1 && ninja -C "$work/meson" >>"$work/log" 2>&1 ||
        { cat "$work/log"; fail "the meson build"; }
    builds=meson
    if command -v cmake >/dev/null; then
        cmake -S "$work/src" -B "$work/cmake" -DLSTMC="$abs" -DSPEC="$PWD/specs/forecast.yaml" \
            -DWEIGHTS="$w" >"$work/log" 2>&1 && cmake --build "$work/cmake" >>"$work/log" 2>&1 ||
            { cat "$work/log"; fail "the CMake build"; }
        builds="$builds cmake"
    else
        echo "no cmake: the CMake build not tried"
    fi
    for b in $builds; do
        tail -n +2 examples/data/r-airpassengers/r-airpassengers.csv | cut -d, -f2 |
            "$work/$b/forecast_product" | cmp -s - "$work/forecasts" ||
            fail "the $b build's product prints other forecasts"
        echo "the $b build's product prints the same forecasts"
    done
    ;;
errors)
    out=$("$lstmc" embed specs/forecast.yaml -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "embed needs the trained weights: --weights FILE" ||
        fail "missing --weights: $out"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/none.safetensors" -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "^lstmc: error: $work/none.safetensors: " ||
        fail "missing weights file: $out"
    program vowels specs/vowels.yaml -O0
    "$work/bin/vowels" init --seed 1 --weights "$work/v.safetensors" || fail "init"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/v.safetensors" -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "weights are for model 'vowels', not 'forecast'" ||
        fail "weights of another model: $out"
    program forecast specs/forecast.yaml -O0
    "$work/bin/forecast" init --seed 1 --weights "$work/f.safetensors" || fail "init"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/f.safetensors" -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "^lstmc: error: $work/scaler.json: " &&
        echo "$out" | grep -q "embed needs the fitted scaler" ||
        fail "missing scaler: $out"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/f.safetensors" --prefix 2x \
        -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "prefix takes a C identifier" || fail "bad prefix: $out"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/f.safetensors" --prefix _Emb \
        -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "starting with a letter" || fail "prefix '_Emb': $out"
    out=$("$lstmc" embed specs/forecast.yaml --weights "$work/f.safetensors" --quantize int4 \
        -o "$work/x" 2>&1)
    [ $? -eq 2 ] && echo "$out" | grep -q "quantize takes 'none' or 'int8'" ||
        fail "bad --quantize: $out"
    "$lstmc" embed --help | grep -q "^usage: lstmc embed" || fail "embed --help"
    [ ! -e "$work/x/forecast_model.c" ] || fail "a failed embed left a file"
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
