# The layering of native/src, checked on the sources (cmake -P, so it runs wherever CTest does):
# 1. No #include "..." cycle among native/src's files: every private header gets a depth (1 + the deepest private
#    header it includes); depths that still change after as many rounds as there are headers mean a cycle.
# 2. The I/O layers see only the layers below them. Receive path: readiness.h (1) < stream_read.h (2)
#    < receive_buffer.h (3) < frame_parser.h (4), with the public receive calls (receive_calls.c) on top; send
#    path: readiness.h (1) < stream_write.h (2) < unsent_output.h (3), with the public sends (frame_send.c) on top.
#    A layer's header and its .c file include no layer header ranked at or above it (the .c its own excepted).
# 3. The layers below the public calls never call a public send or receive function (those are declared in the
#    public header every file sees, so rule 2 alone would not catch it).
# Usage: cmake -DSOURCE_DIR=<repo>/native/src -P check_source_layers.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "SOURCE_DIR is not set")
endif()

set(layer_readiness.h 1)
set(layer_stream_read.h 2)
set(layer_stream_write.h 2)
set(layer_receive_buffer.h 3)
set(layer_unsent_output.h 3)
set(layer_frame_parser.h 4)
set(below_public_calls readiness.c stream_read.c receive_buffer.c frame_parser.c stream_write.c unsent_output.c
    buffer_pool.c)

set(problems "")
file(GLOB sources RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.c" "${SOURCE_DIR}/*.h")
file(GLOB headers RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*.h")

# The private files each file includes.
foreach(source IN LISTS sources)
  file(STRINGS "${SOURCE_DIR}/${source}" include_lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  set(includes_${source} "")
  foreach(line IN LISTS include_lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" included "${line}")
    if(included MATCHES "\\.c$")
      string(APPEND problems "  ${source} includes a .c file: ${included}\n")
    elseif(EXISTS "${SOURCE_DIR}/${included}")
      list(APPEND includes_${source} "${included}")
    endif()
  endforeach()
endforeach()

# Rule 1.
foreach(header IN LISTS headers)
  set(depth_${header} 0)
endforeach()
list(LENGTH headers header_count)
set(changed TRUE)
set(round 0)
while(changed AND round LESS_EQUAL header_count)
  set(changed FALSE)
  math(EXPR round "${round} + 1")
  foreach(header IN LISTS headers)
    set(depth 0)
    foreach(included IN LISTS includes_${header})
      if(depth_${included} GREATER_EQUAL depth)
        math(EXPR depth "${depth_${included}} + 1")
      endif()
    endforeach()
    if(NOT depth EQUAL depth_${header})
      set(depth_${header} ${depth})
      set(changed TRUE)
    endif()
  endforeach()
endwhile()
if(changed)
  set(cycle "")
  foreach(header IN LISTS headers)
    if(depth_${header} GREATER header_count)
      list(APPEND cycle "${header}")
    endif()
  endforeach()
  string(APPEND problems "  #include cycle among: ${cycle}\n")
endif()

# Rule 2.
foreach(source IN LISTS sources)
  string(REGEX REPLACE "\\.c$" ".h" own_header "${source}")
  if(NOT DEFINED layer_${own_header})
    continue()
  endif()
  foreach(included IN LISTS includes_${source})
    if(DEFINED layer_${included} AND NOT included STREQUAL source AND
       (layer_${included} GREATER layer_${own_header} OR
        (source MATCHES "\\.h$" AND layer_${included} EQUAL layer_${own_header})))
      string(APPEND problems "  ${source} (layer ${layer_${own_header}}) includes ${included} (layer ${layer_${included}}): not below it\n")
    endif()
  endforeach()
endforeach()

# Rule 3.
foreach(source IN LISTS below_public_calls)
  file(STRINGS "${SOURCE_DIR}/${source}" calls REGEX "svipc_(recv|send)_[a-z_]+[ \t]*\\(")
  foreach(line IN LISTS calls)
    string(APPEND problems "  ${source} calls a public send/receive function: ${line}\n")
  endforeach()
endforeach()

if(NOT problems STREQUAL "")
  message(FATAL_ERROR "native/src layering:\n${problems}")
endif()
list(LENGTH sources count)
message(STATUS "native/src layering: ${count} files, no include cycle, each I/O layer includes only layers below it")
