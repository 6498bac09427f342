# The holiday tables of data/holidays (data/holidays/README.md), compiled
# into the library by cmake/embed_holidays.c: MC_HOLIDAY_SOURCE is the
# generated source that mc_objects builds.
set(MC_HOLIDAY_DIR ${PROJECT_SOURCE_DIR}/data/holidays)
# Re-configure when the list of markets changes, so the dependencies below
# name every table.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${MC_HOLIDAY_DIR}/index.csv)
file(STRINGS ${MC_HOLIDAY_DIR}/index.csv index_lines)
list(REMOVE_AT index_lines 0)
set(MC_HOLIDAY_TABLES "")
foreach(line IN LISTS index_lines)
  string(REGEX MATCH "^[^,]+" name "${line}")
  list(APPEND MC_HOLIDAY_TABLES ${MC_HOLIDAY_DIR}/${name}.csv)
endforeach()

# A build tool: built without the project's sanitizer and fuzzer flags.
add_executable(mc_embed_holidays cmake/embed_holidays.c)
set_property(TARGET mc_embed_holidays PROPERTY COMPILE_OPTIONS "")
set_property(TARGET mc_embed_holidays PROPERTY LINK_OPTIONS "")
set(MC_HOLIDAY_SOURCE ${PROJECT_BINARY_DIR}/holiday_tables.c)
add_custom_command(OUTPUT ${MC_HOLIDAY_SOURCE}
  COMMAND mc_embed_holidays ${MC_HOLIDAY_DIR} ${MC_HOLIDAY_SOURCE}
  DEPENDS mc_embed_holidays ${MC_HOLIDAY_DIR}/index.csv ${MC_HOLIDAY_TABLES}
  COMMENT "Compiling in the holiday tables of ${MC_HOLIDAY_DIR}" VERBATIM)
