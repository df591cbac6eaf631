# Builds for linux-musl-x64 (Alpine and other musl systems) with Debian's musl-gcc
# wrapper, which swaps in musl's headers, libc and dynamic loader. Same CPU, so the
# results run on this host directly (through /lib/ld-musl-x86_64.so.1) and CTest
# needs no emulator. C only: musl-gcc has no C++ counterpart.
# Needs: apt-get install -y musl-tools
set(CMAKE_C_COMPILER musl-gcc)
