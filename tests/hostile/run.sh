#!/bin/sh
# Hostile specs: every string and name that travels from a spec into the
# generated C is escaped or refused (docs/reliability.md).
#
#   tests/hostile/run.sh LSTMC CASE
#
# Run from the source root. The programs are compiled with
# -Wall -Wextra -Wpedantic -Wtrigraphs -Werror in C11 (where trigraphs are
# live), from a directory whose name holds quotes, a backslash, a trigraph,
# comment markers, #include, a newline and non-ASCII text.
#   strings  strings.yaml (paths, columns, class labels): builds, --help
#            shows the spec's path exactly, train finds its data through
#            the relative path and reports the class labels unchanged
#   tokens   tokens.lstm (the DSL; 63-character model and layer names, text
#            column, oov_token, filters): builds, trains, and the fitted
#            tokenizer holds the oov_token unchanged
#   names    every model name that would collide with an identifier of the
#            generated code, the runtime or the headers the program includes
#            is refused by `lstmc check`, or else builds and compiles
#   long     a column name of 4096 bytes, the longest string a spec may hold,
#            all non-ASCII (2048 x U+00E9, each byte an octal escape in the
#            C source): builds, its help shows the name whole, train finds
#            the column
set -u

lstmc=$1
case_name=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmc-hostile.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
strict="-Wall -Wextra -Wpedantic -Wtrigraphs -Werror"
cc=${CC:-cc}
nl='
'
# The spec's directory: "sp "q" ??" / " \ *" / " " / "* #include <x> é NL z".
dir="$work/sp \"q\" ??/ \\ */ /* #include <x> é${nl}z"

fail() {
    echo "FAIL $case_name: $*" >&2
    exit 1
}

# contains FILE TEXT: FILE holds TEXT literally (TEXT may span lines).
contains() {
    case $(cat "$1") in
    *"$2"*) ;;
    *) cat "$1" >&2; fail "$1 does not contain: $2" ;;
    esac
}

# build SPEC: lstmc build with the strict flags into $work/bin.
build() {
    CC="$cc $strict" "$lstmc" build "$1" -o "$work/bin" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log" >&2; fail "lstmc build failed"; }
}

# run PROGRAM ARGS...: must exit 0; stdout in $work/out.txt.
run() {
    "$@" >"$work/out.txt" 2>"$work/err.txt" ||
        { cat "$work/out.txt" "$work/err.txt" >&2; fail "$* exited $?"; }
}

case $case_name in
strings)
    mkdir -p "$dir/in \"q\" ??/x*" || fail "cannot create the spec's directory"
    cp tests/hostile/strings.yaml "$dir/h.yaml"
    # Seattle weather: precipitation and temp_max; rain, sun and the rest
    # become the three hostile labels. CSV quoting doubles the quotes.
    awk -F, 'NR == 1 { print "\"rain \"\"mm\"\" */\",\"t\\max ??/\",\"/* wéather ??= */\""; next }
        { w = $6 == "rain" ? "\"\"\"wet\"\" ??/\"" : $6 == "sun" ? "\"sun\\ny */ #include <x>\"" : "é-other /*"
          print $2 "," $3 "," w }' tests/pipeline/data/seattle-400.csv \
        >"$dir/in \"q\" ??/x*/b\\ été #include <stdio.h>.csv"
    build "$dir/h.yaml"
    run "$work/bin/hostile" --help
    contains "$work/out.txt" "The hostile model ($dir/h.yaml), compiled by lstmc."
    run "$work/bin/hostile" train --help
    contains "$work/out.txt" "Runs the pipeline of $dir/h.yaml: reads the data"
    # No --data: the spec's relative path, resolved from its directory.
    run "$work/bin/hostile" train --out "$work/res"
    for label in '"wet" ??/' 'sun\ny */ #include <x>' 'é-other /*'; do
        contains "$work/out.txt" "$label"
    done
    [ -s "$work/res/labels.json" ] || fail "no labels.json"
    ;;
tokens)
    mkdir -p "$dir/data\\ \"??/üml*" || fail "cannot create the spec's directory"
    cp tests/hostile/tokens.lstm "$dir/t.lstm"
    {
        printf '"réview ""text"" ??/ */\n#include <x>","l\\abel /* ??'"'"' */"\n'
        sed -n '2,401p' tests/pipeline/data/sentiment-train.csv
    } >"$dir/data\\ \"??/üml*/t.csv"
    build "$dir/t.lstm"
    prog=m_23456789_123456789_123456789_123456789_123456789_123456789_12
    run "$work/bin/$prog" --help
    contains "$work/out.txt" "The $prog model ($dir/t.lstm), compiled by lstmc."
    run "$work/bin/$prog" train --out "$work/res"
    # jansson escapes '"' and '\' in JSON strings and keeps the rest.
    contains "$work/res/tokenizer.json" '"<\"oov\" ??/ \\ */ ø>"'
    ;;
names)
    # Which model names would collide: for a model named zqm, every
    # identifier of the preprocessed program that is zqm_SUFFIX gives a
    # suffix; every other identifier X_SUFFIX names a model X that would
    # define X_SUFFIX again. Macros likewise, upper-cased (ZQM_SUFFIX, with
    # the include guard ZQM_H). Each such X must be refused by `lstmc
    # check`, or build and compile cleanly.
    inc="-I runtime $(pkg-config --cflags openblas 2>/dev/null)"
    for spec in specs/classify.yaml specs/sentiment.yaml \
                tests/codegen/specs/dropout_stack.yaml tests/codegen/specs/tokens_mae.yaml; do
        sed '0,/^  name: .*/s//  name: zqm/' "$spec" >"$work/zqm.yaml"
        rm -rf "$work/gen"
        "$lstmc" build --no-compile "$work/zqm.yaml" -o "$work/gen" >/dev/null ||
            fail "lstmc build $spec failed"
        for f in zqm.c zqm_main.c; do
            # shellcheck disable=SC2086
            $cc -std=c11 -E $inc -I "$work/gen" "$work/gen/$f" ||
                fail "cannot preprocess $f of $spec"
            # shellcheck disable=SC2086
            $cc -std=c11 -E -dM $inc -I "$work/gen" "$work/gen/$f" | sed 's/^#define //'
        done | sed 's/"\([^"\\]\|\\.\)*"//g' | grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u \
            >"$work/ids"
        # A layer's functions are zqm_LAYER_forward etc. and its macro
        # ZQM_LAYER_UNITS: no other identifier may end like that, except
        # struct members, which cannot clash with a function or a macro
        # that does not take their exact name.
        if grep -vE '^(zqm|ZQM)_' "$work/ids" | grep -E '_(forward|backward|step|step_back|UNITS)$' |
            grep -vx 'features_per_step' >"$work/layer-clash"; then
            fail "identifiers a layer name could produce: $(tr '\n' ' ' <"$work/layer-clash")"
        fi
        awk '/^zqm_/ { s[substr($0, 5)] = 1; next }
             /^ZQM_/ { s[substr($0, 5)] = 1; next }
             /^(zqm|ZQM)$/ { next }
             { ids[++n] = $0 }
             END {
                 for (i = 1; i <= n; i++) {
                     x = ids[i]
                     for (k = 2; k < length(x); k++)
                         if (substr(x, k, 1) == "_" && (substr(x, k + 1) in s))
                             print substr(x, 1, k - 1) " " x
                 }
             }' "$work/ids" | sort -u >"$work/candidates"
        while read -r name clash; do
            case $name in
            [A-Za-z]*) ;;
            *) continue ;;   # '_' first: refused by the name rules, see below
            esac
            sed "0,/^  name: .*/s//  name: $name/" "$spec" >"$work/try.yaml"
            if ! "$lstmc" check "$work/try.yaml" >/dev/null 2>"$work/check.err"; then
                grep -q "error: .*cannot" "$work/check.err" ||
                    { cat "$work/check.err" >&2; fail "model name $name: unexpected refusal"; }
                continue
            fi
            rm -rf "$work/try"
            "$lstmc" build --no-compile "$work/try.yaml" -o "$work/try" >/dev/null ||
                fail "lstmc build with model name $name failed"
            for f in "$name.c" "${name}_main.c"; do
                # shellcheck disable=SC2086
                $cc -std=c11 $strict -fsyntax-only $inc -I "$work/try" "$work/try/$f" \
                    2>"$work/cc.err" ||
                    { cat "$work/cc.err" >&2
                      fail "model name '$name' collides with '$clash' ($spec); refuse it in check.c (model_reserved)"; }
            done
        done <"$work/candidates"
    done
    # Names starting with '_' upper-case into reserved macros (_MATH_H).
    sed '0,/^  name: .*/s//  name: _math/' specs/forecast.yaml >"$work/try.yaml"
    "$lstmc" check "$work/try.yaml" >/dev/null 2>&1 && fail "model name _math was accepted"
    ;;
long)
    # The literal is 4096 bytes, one past the 4095 that ISO C guarantees a
    # compiler accepts in a string literal, so -Wpedantic's
    # -Woverlength-strings would fire; gcc and clang have no such limit.
    strict="$strict -Wno-overlength-strings"
    long=$(awk 'BEGIN { for (i = 0; i < 2048; i++) printf "\303\251" }')
    [ "$(printf %s "$long" | wc -c)" -eq 4096 ] || fail "the name is not 4096 bytes"
    mkdir -p "$dir" || fail "cannot create the spec's directory"
    cat >"$dir/long.yaml" <<EOF
model:
  name: wide
  input: {type: sequence, timesteps: 3, features: 1}
  layers:
    - {type: lstm, units: 4}
    - {type: dense, units: 1}
training: {loss: mse, epochs: 2, batch_size: 8}
pipeline:
  source: {type: csv, path: long.csv}
  series: "$long"
  window: {length: 3, label: next}
  split: {train: 0.8, shuffle: false}
  scale: minmax
  evaluate: [rmse]
EOF
    sed "1s/.*/date,$long/" tests/pipeline/data/airline-60.csv >"$dir/long.csv"
    build "$dir/long.yaml"
    run "$work/bin/wide" predict --help
    contains "$work/out.txt" "'$long'"
    run "$work/bin/wide" train --out "$work/res"
    contains "$work/out.txt" "test rmse:"
    [ -s "$work/res/predictions.csv" ] || fail "no predictions.csv"
    ;;
*)
    fail "unknown case"
    ;;
esac
exit 0
