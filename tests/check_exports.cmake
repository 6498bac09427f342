# The shared library exports exactly the public API: every dynamic symbol it
# defines starts with mc_ and is declared in include/maskcast/*.h, and every
# function declared there is exported (declared with MC_API).
#   cmake -DNM=nm -DLIB=libmaskcast.so -DHEADERS="a.h|b.h" -P check_exports.cmake
cmake_minimum_required(VERSION 3.20)

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc ERROR_VARIABLE nm_err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed: ${nm_err}")
endif()

# "0000000000012345 T mc_frame_rows": the symbol is the last field.
string(REPLACE "\n" ";" lines "${listing}")
set(exported "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]* *[A-Za-z] +([^ ]+)$")
    list(APPEND exported "${CMAKE_MATCH_1}")
  endif()
endforeach()

# Function declarations: at the start of a line, a return type then the name
# and "(" (typedefs, comments and indented lines do not match).
set(declared "")
set(unmarked "")
string(REPLACE "|" ";" headers "${HEADERS}")
foreach(header IN LISTS headers)
  # file(READ), not file(STRINGS): a list of lines would split at the
  # semicolons and brackets of C.
  file(READ ${header} text)
  get_filename_component(hname ${header} NAME)
  string(REGEX MATCHALL "\n[A-Za-z_][A-Za-z0-9_ \*]*[ \*]mc_[A-Za-z0-9_]+ *\\(" found "${text}")
  foreach(decl IN LISTS found)
    if(decl MATCHES "^\ntypedef")
      continue()
    endif()
    string(REGEX MATCH "mc_[A-Za-z0-9_]+ *\\($" name "${decl}")
    string(REGEX REPLACE " *\\($" "" name "${name}")
    list(APPEND declared "${name}")
    if(NOT decl MATCHES "^\nMC_API ")
      list(APPEND unmarked "${name} (${hname})")
    endif()
  endforeach()
endforeach()

set(problems "")
foreach(sym IN LISTS exported)
  if(NOT sym MATCHES "^mc_")
    string(APPEND problems "\n  exported without the mc_ prefix: ${sym}")
  elseif(NOT sym IN_LIST declared)
    string(APPEND problems "\n  exported but not declared in include/maskcast/: ${sym}")
  endif()
endforeach()
foreach(sym IN LISTS declared)
  if(NOT sym IN_LIST exported)
    string(APPEND problems "\n  declared in include/maskcast/ but not exported: ${sym}")
  endif()
endforeach()
foreach(entry IN LISTS unmarked)
  string(APPEND problems "\n  declared without MC_API: ${entry}")
endforeach()

list(LENGTH exported n_exported)
list(LENGTH declared n_declared)
if(n_exported EQUAL 0 OR n_declared EQUAL 0)
  string(APPEND problems "\n  nothing found (${n_exported} exported, ${n_declared} declared)")
endif()
if(problems)
  message(FATAL_ERROR "libmaskcast exports do not match the public API:${problems}")
endif()
message(STATUS "${n_exported} symbols exported, all declared in include/maskcast/")
