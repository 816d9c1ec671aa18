#!/bin/sh
# golden.sh LSTMC check|update
#
# generated/ holds `lstmc build --no-compile` of every specs/*.yaml, one
# directory per spec. "check" regenerates into a temporary directory and
# fails on any byte of difference (the diff is printed); "update" rewrites
# generated/ (meson: ninja update-generated). Runs from the source root.
set -eu
lstmc=$1
mode=$2
case $lstmc in /*) ;; *) lstmc=$PWD/$lstmc ;; esac
cd "${MESON_SOURCE_ROOT:-.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/generated"
for spec in specs/*.yaml; do
    name=$(basename "$spec" .yaml)
    "$lstmc" build --no-compile "$spec" -o "$tmp/generated/$name"
done
if [ "$mode" = update ]; then
    rm -rf generated
    cp -R "$tmp/generated" generated
    echo "rewrote generated/ from specs/*.yaml"
elif ! diff -ru generated "$tmp/generated"; then
    echo "generated/ is out of date: review the diff, then run 'ninja update-generated'" >&2
    exit 1
fi
