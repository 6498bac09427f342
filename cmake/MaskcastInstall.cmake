# What `cmake --install` puts where (GNU layout under the prefix):
#   include/maskcast/*.h                   the public headers
#   lib*/libmaskcast.so.X.Y.Z, .so.X, .so  the shared library (SONAME libmaskcast.so.X)
#   lib*/libmaskcast.a                     the static library
#   lib*/pkgconfig/maskcast.pc             pkg-config (--static adds the dependencies)
#   lib*/cmake/maskcast/                   find_package(maskcast): maskcast::maskcast
#                                          (shared) and maskcast::maskcast_static
#   bin/maskcast                           the command-line tool
#   share/man/man1/maskcast.1              its manual page
#   share/doc/maskcast/examples/           the example programs
#   share/maskcast/python/                 the Python package (pyproject.toml, maskcast/;
#                                          pip install it, or PYTHONPATH: MaskcastPython.cmake)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
include(MaskcastExports) # what libmaskcast.so exports

# What a program linking the static library must link too, by library name
# (the same names as maskcast.pc's Libs.private; GSL's CBLAS is OpenBLAS's).
set(MC_STATIC_DEPS gsl openblas csv cjson m)
if(MC_OPENMP_TARGET)
  list(APPEND MC_STATIC_DEPS gomp) # GCC's OpenMP runtime (src/nn/parallel.c)
endif()

set_target_properties(maskcast_shared PROPERTIES EXPORT_NAME maskcast)
set_target_properties(maskcast_static PROPERTIES EXPORT_NAME maskcast_static)
foreach(lib maskcast_shared maskcast_static)
  target_include_directories(${lib} PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()
foreach(dep IN LISTS MC_STATIC_DEPS)
  target_link_libraries(maskcast_static PUBLIC $<INSTALL_INTERFACE:${dep}>)
endforeach()
target_link_libraries(maskcast_static PUBLIC $<INSTALL_INTERFACE:Threads::Threads>)

install(TARGETS maskcast_shared maskcast_static EXPORT maskcastTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS maskcast RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/maskcast
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/maskcast/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/maskcast)
install(FILES ${PROJECT_SOURCE_DIR}/docs/maskcast.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
include(MaskcastPython)

# The CMake package.
set(MC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/maskcast)
install(EXPORT maskcastTargets NAMESPACE maskcast:: DESTINATION ${MC_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/maskcastConfig.cmake.in
  ${PROJECT_BINARY_DIR}/maskcastConfig.cmake INSTALL_DESTINATION ${MC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/maskcastConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/maskcastConfig.cmake
              ${PROJECT_BINARY_DIR}/maskcastConfigVersion.cmake DESTINATION ${MC_CMAKE_DIR})

# pkg-config, relocatable: the prefix is found from the .pc file's own place,
# so a tree installed with `cmake --install --prefix DIR` works where it lands.
file(RELATIVE_PATH MC_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" MC_PC_TO_PREFIX "${MC_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(MC_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(MC_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
list(TRANSFORM MC_STATIC_DEPS PREPEND "-l" OUTPUT_VARIABLE MC_PC_LIBS_PRIVATE)
list(JOIN MC_PC_LIBS_PRIVATE " " MC_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/maskcast.pc.in ${PROJECT_BINARY_DIR}/maskcast.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/maskcast.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
