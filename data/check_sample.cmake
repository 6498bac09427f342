# Runs the sample generator into OUT_DIR and compares each file it writes
# byte for byte with the committed copy in REF_DIR.
#   cmake -DGENERATOR=... -DOUT_DIR=... -DREF_DIR=... -P check_sample.cmake

foreach(var GENERATOR OUT_DIR REF_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_sample.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(COMMAND ${GENERATOR} ${OUT_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${GENERATOR} ${OUT_DIR} failed: ${rc}")
endif()

set(failed "")
foreach(name sample_load.csv sample_anomalies.csv sample_holidays.csv)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT_DIR}/${name} ${REF_DIR}/${name}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(APPEND failed ${name})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "regenerated files differ from the committed copies in ${REF_DIR}: ${failed}; "
                      "if make_sample.c changed on purpose, run "
                      "cmake --build <build> --target sample-data and commit the result")
endif()
message(STATUS "sample data reproduced byte for byte")
