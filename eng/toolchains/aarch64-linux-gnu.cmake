# Cross-compiles for linux-arm64 with Debian's GNU toolchain and runs the results
# under qemu-user. Needs: apt-get install -y gcc-aarch64-linux-gnu qemu-user
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(SVIPC_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)

# Libraries and headers come only from the target's root; build tools from the host.
set(CMAKE_FIND_ROOT_PATH "${SVIPC_AARCH64_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# CTest runs every test executable through this, so the suite runs unchanged on an x64 host.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "${SVIPC_AARCH64_SYSROOT}")
