# Installation and packaging of the C library: header, shared + static library,
# a relocatable CMake package (find_package(SupervisorIpc)) and a pkg-config file.
# Included from native/CMakeLists.txt after the library targets exist.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_svipc_targets supervisor_ipc supervisor_ipc_static)
foreach(_target IN LISTS _svipc_targets)
  if(NOT TARGET ${_target})
    message(FATAL_ERROR "install.cmake: expected the library target '${_target}' to be defined before it is included")
  endif()
endforeach()

# One version for everything: the header's macros are the source of truth; the
# CMake project version must agree, or an installed package would lie about itself.
set(_svipc_header "${CMAKE_CURRENT_LIST_DIR}/../include/supervisor_ipc.h")
file(STRINGS "${_svipc_header}" _svipc_version_lines REGEX "^#define SVIPC_VERSION_(MAJOR|MINOR|PATCH) [0-9]+$")
foreach(_part MAJOR MINOR PATCH)
  string(REGEX REPLACE ".*SVIPC_VERSION_${_part} ([0-9]+).*" "\\1" _svipc_${_part} "${_svipc_version_lines}")
endforeach()
set(SVIPC_VERSION "${_svipc_MAJOR}.${_svipc_MINOR}.${_svipc_PATCH}")
if(NOT SVIPC_VERSION STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "supervisor_ipc.h says version ${SVIPC_VERSION} but project() says ${PROJECT_VERSION}")
endif()

# Before 1.0 every minor release may break the ABI, so the SONAME carries major.minor
# (libsupervisor_ipc.so.0.1); from 1.0 on it carries the major only.
if(_svipc_MAJOR EQUAL 0)
  set(_svipc_soversion "${_svipc_MAJOR}.${_svipc_MINOR}")
  set(_svipc_compatibility SameMinorVersion)
else()
  set(_svipc_soversion "${_svipc_MAJOR}")
  set(_svipc_compatibility SameMajorVersion)
endif()
set_target_properties(supervisor_ipc PROPERTIES VERSION "${SVIPC_VERSION}" SOVERSION "${_svipc_soversion}")

# Installed consumers find the header under <prefix>/include; build-tree include
# paths must not leak into the exported targets.
foreach(_target IN LISTS _svipc_targets)
  get_target_property(_dirs ${_target} INTERFACE_INCLUDE_DIRECTORIES)
  set(_wrapped "")
  if(_dirs)
    foreach(_dir IN LISTS _dirs)
      if(_dir MATCHES "^\\$<")
        list(APPEND _wrapped "${_dir}")
      else()
        list(APPEND _wrapped "$<BUILD_INTERFACE:${_dir}>")
      endif()
    endforeach()
  endif()
  if(NOT _wrapped MATCHES "INSTALL_INTERFACE")
    list(APPEND _wrapped "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
  endif()
  set_target_properties(${_target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_wrapped}")
endforeach()

set(_svipc_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/SupervisorIpc")

install(TARGETS ${_svipc_targets}
  EXPORT SupervisorIpcTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
# supervisor_ipc.h includes the typed-message header; the C++ wrapper is header-only.
install(FILES "${_svipc_header}"
  "${CMAKE_CURRENT_LIST_DIR}/../include/supervisor_ipc_messages.h"
  "${CMAKE_CURRENT_LIST_DIR}/../include/supervisor_ipc.hpp"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT development)
install(EXPORT SupervisorIpcTargets
  NAMESPACE SupervisorIpc::
  FILE SupervisorIpcTargets.cmake
  DESTINATION "${_svipc_cmake_dir}"
  COMPONENT development)

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/SupervisorIpcConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/SupervisorIpcConfig.cmake"
  INSTALL_DESTINATION "${_svipc_cmake_dir}")
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/SupervisorIpcConfigVersion.cmake"
  VERSION "${SVIPC_VERSION}"
  COMPATIBILITY ${_svipc_compatibility})
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/SupervisorIpcConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/SupervisorIpcConfigVersion.cmake"
  DESTINATION "${_svipc_cmake_dir}"
  COMPONENT development)

# The .pc file locates the prefix from its own directory (${pcfiledir}), so the
# tree stays valid wherever `cmake --install --prefix` puts it.
set(_svipc_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "install.cmake: CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative to the prefix")
endif()
file(RELATIVE_PATH SVIPC_PC_PREFIX_FROM_PCFILEDIR "/prefix/${_svipc_pc_dir}" "/prefix")
string(REGEX REPLACE "/$" "" SVIPC_PC_PREFIX_FROM_PCFILEDIR "${SVIPC_PC_PREFIX_FROM_PCFILEDIR}")
configure_file("${CMAKE_CURRENT_LIST_DIR}/supervisor_ipc.pc.in" "${CMAKE_CURRENT_BINARY_DIR}/supervisor_ipc.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/supervisor_ipc.pc" DESTINATION "${_svipc_pc_dir}" COMPONENT development)

# The protocol specification and the C reference travel with the headers: a C developer with only the installed
# package has the wire contract (the header points to it) without a clone of the repository.
install(FILES
  "${CMAKE_CURRENT_LIST_DIR}/../../docs/protocol.md"
  "${CMAKE_CURRENT_LIST_DIR}/../../docs/c-api.md"
  DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT development)
