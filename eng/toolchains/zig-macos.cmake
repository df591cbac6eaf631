# Cross-compiles for macOS with zig cc (its bundled Apple libc headers and Mach-O linker), for
# ./build.sh test's compile check (eng/macos.sh). Nothing built with it can run on Linux.
# eng/macos.sh passes SVIPC_MACOS_TOOLS: a directory of wrappers (cc, c++, ar, ranlib) that call
# zig with -target <arch>-macos; zig cc cannot be named as one program with arguments.
set(CMAKE_SYSTEM_NAME Darwin)
if(NOT SVIPC_MACOS_TOOLS OR NOT SVIPC_MACOS_ARCH)
  message(FATAL_ERROR "zig-macos.cmake needs -DSVIPC_MACOS_TOOLS=<wrapper dir> -DSVIPC_MACOS_ARCH=<aarch64|x86_64>")
endif()
set(CMAKE_SYSTEM_PROCESSOR ${SVIPC_MACOS_ARCH})
# try_compile re-reads this file in a fresh scope: hand it the same two settings.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SVIPC_MACOS_TOOLS SVIPC_MACOS_ARCH)

set(CMAKE_C_COMPILER "${SVIPC_MACOS_TOOLS}/cc")
set(CMAKE_CXX_COMPILER "${SVIPC_MACOS_TOOLS}/c++")
set(CMAKE_AR "${SVIPC_MACOS_TOOLS}/ar")
set(CMAKE_RANLIB "${SVIPC_MACOS_TOOLS}/ranlib")
# zig brings its own headers and libSystem stubs: no Xcode SDK to look up.
set(CMAKE_OSX_SYSROOT "")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
