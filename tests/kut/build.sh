#!/usr/bin/env bash
# Builds kvm-unit-tests' i386 tests from the third-party archive into
# $BUILD/kut/kvm-unit-tests (never into the source tree). Sourced by
# tests/kut/x86.sh; sets KUT_DIR, or KUT_SKIP to the reason it cannot.
# The archive: $KUT_ARCHIVE, else third_party/ beside the repository (the
# shared checkout's ../shared/third_party, also found through .guest-cache).
KUT_DIR= KUT_SKIP=
kut_find_archive() {
    local c
    for c in "${KUT_ARCHIVE:-}" "$PWD"/../shared/third_party/kvm-unit-tests-*.tar.gz \
             "$(dirname "$(readlink -f .guest-cache 2>/dev/null || echo .)")"/../shared/third_party/kvm-unit-tests-*.tar.gz; do
        [ -n "$c" ] && [ -f "$c" ] && { readlink -f "$c"; return 0; }
    done
    return 1
}
kut_build() {
    local archive cc=${KUT_CC:-gcc} stamp
    if ! archive=$(kut_find_archive); then
        KUT_SKIP="the kvm-unit-tests archive was not found (set KUT_ARCHIVE=.../kvm-unit-tests-*.tar.gz)"
        return 1
    fi
    # the suite is 32-bit code: the compiler must link -m32 (Debian: gcc-multilib)
    if ! echo 'int main(void){return 0;}' | "$cc" -m32 -x c - -o "$BUILD/kut-m32-check" >/dev/null 2>&1; then
        rm -f "$BUILD/kut-m32-check"
        KUT_SKIP="$cc cannot build 32-bit code (install gcc-multilib)"
        return 1
    fi
    rm -f "$BUILD/kut-m32-check"
    KUT_DIR=$BUILD/kut/kvm-unit-tests
    stamp=$BUILD/kut/built-from
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$archive $(stat -c %Y "$archive")" ] && \
       [ -f "$KUT_DIR/x86/dummy.flat" ]; then
        return 0
    fi
    rm -rf "$BUILD/kut/kvm-unit-tests" "$stamp"
    mkdir -p "$BUILD/kut"
    if ! tar -xzf "$archive" -C "$BUILD/kut" || [ ! -d "$KUT_DIR" ]; then
        KUT_SKIP="cannot unpack $archive"
        KUT_DIR=
        return 2
    fi
    if ! (cd "$KUT_DIR" && ./configure --arch=i386 --cc="$cc" && make -j2) >"$BUILD/kut/build.log" 2>&1; then
        KUT_SKIP="building the suite failed (see $BUILD/kut/build.log)"
        KUT_DIR=
        return 2
    fi
    echo "$archive $(stat -c %Y "$archive")" >"$stamp"
    return 0
}
