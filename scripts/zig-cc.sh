#!/usr/bin/env bash
# The C compiler and linker of the manylinux wheel's build (noxfile.py points CC and
# Cargo's linker here): `zig cc` compiles mimalloc's C and links the extension against
# the glibc that ZIG_TARGET names, not against this machine's newer one, so the wheel
# loads on older Linux systems.
#
#   ZIG         the zig binary (PyPI's ziglang package ships one)
#   ZIG_TARGET  zig's target with the glibc version, e.g. x86_64-linux-gnu.2.17
#
# zig maps rustc's -lgcc_s to the LLVM libunwind it links in statically, so the
# extension needs no libgcc_s.so.1 and Rust panics still unwind to PyO3's catch.
set -euo pipefail

args=()
for arg in "$@"; do
    case "$arg" in
    # The cc crate tells clang the Rust target (x86_64-unknown-linux-gnu), a name zig
    # cannot parse; ZIG_TARGET is the target, and the one that carries the glibc version.
    --target=*) ;;
    *) args+=("$arg") ;;
    esac
done
# -fno-sanitize: as gcc does, no sanitizer unless asked. zig cc puts UBSan's runtime
# into unoptimised builds, and its 256 KiB of thread-locals is more static TLS than
# dlopen leaves a module: an unoptimised extension would fail to import.
exec "${ZIG:?the zig binary}" cc -target "${ZIG_TARGET:?e.g. x86_64-linux-gnu.2.17}" \
    -fno-sanitize=undefined "${args[@]}"
