# Finds maskcast's dependencies. A missing one stops configure with the name
# of the Debian package that provides it (bash .ci/deps installs them all).

find_package(PkgConfig QUIET)

function(mc_require_header var header package)
  find_path(${var} NAMES ${header} PATH_SUFFIXES ${ARGN})
  if(NOT ${var})
    message(FATAL_ERROR "maskcast: ${header} not found. Install the Debian package ${package} "
                        "(apt-get install ${package}), or run: bash .ci/deps")
  endif()
endfunction()

function(mc_require_library var name package)
  find_library(${var} NAMES ${name} PATH_SUFFIXES ${ARGN})
  if(NOT ${var})
    message(FATAL_ERROR "maskcast: library ${name} not found. Install the Debian package ${package} "
                        "(apt-get install ${package}), or run: bash .ci/deps")
  endif()
endfunction()

# OpenBLAS, through its CBLAS interface. Debian keeps each build's headers
# and library in a subdirectory. With MC_OPENMP, its OpenMP build comes first:
# maskcast's element-wise passes then share OpenBLAS's thread team
# (src/nn/parallel.h); the pthread build works too, with those passes on one
# thread.
if(MC_OPENMP)
  set(MC_OPENBLAS_DIRS openblas-openmp openblas-pthread openblas-serial)
else()
  set(MC_OPENBLAS_DIRS openblas-pthread openblas-openmp openblas-serial)
endif()
mc_require_header(MC_CBLAS_INCLUDE_DIR cblas.h libopenblas-dev ${MC_OPENBLAS_DIRS} openblas)
mc_require_library(MC_OPENBLAS_LIBRARY openblas libopenblas-dev ${MC_OPENBLAS_DIRS})

# GSL, linked against OpenBLAS's cblas_* and not libgslcblas (both define them).
mc_require_header(MC_GSL_INCLUDE_DIR gsl/gsl_version.h libgsl-dev)
mc_require_library(MC_GSL_LIBRARY gsl libgsl-dev)

# libcsv ships no pkg-config file.
mc_require_header(MC_CSV_INCLUDE_DIR csv.h libcsv-dev)
mc_require_library(MC_CSV_LIBRARY csv libcsv-dev)

# cJSON keeps its header in a cjson/ subdirectory.
mc_require_header(MC_CJSON_INCLUDE_DIR cjson/cJSON.h libcjson-dev)
mc_require_library(MC_CJSON_LIBRARY cjson libcjson-dev)

find_library(MC_M_LIBRARY m)
find_package(Threads REQUIRED)
set(MC_OPENMP_TARGET "")
if(MC_OPENMP)
  find_package(OpenMP COMPONENTS C)
  if(OpenMP_C_FOUND)
    set(MC_OPENMP_TARGET OpenMP::OpenMP_C)
  else()
    message(STATUS "maskcast: no OpenMP for C; the element-wise passes run on one thread")
  endif()
endif()

add_library(mc_deps INTERFACE)
target_include_directories(mc_deps INTERFACE
  ${MC_CBLAS_INCLUDE_DIR} ${MC_GSL_INCLUDE_DIR} ${MC_CSV_INCLUDE_DIR} ${MC_CJSON_INCLUDE_DIR})
target_link_libraries(mc_deps INTERFACE
  ${MC_GSL_LIBRARY} ${MC_OPENBLAS_LIBRARY} ${MC_CSV_LIBRARY} ${MC_CJSON_LIBRARY} ${MC_M_LIBRARY}
  ${MC_OPENMP_TARGET} Threads::Threads)

if(MC_BUILD_TESTS)
  mc_require_header(MC_CMOCKA_INCLUDE_DIR cmocka.h libcmocka-dev)
  mc_require_library(MC_CMOCKA_LIBRARY cmocka libcmocka-dev)
endif()
