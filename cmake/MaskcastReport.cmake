# The report's assets (docs/REPORT.md): the HTML template from the source tree
# and Apache ECharts, brought in at build time and checked by SHA-512, both
# compiled into the command-line tool and installed under share/maskcast.
#
#   -DMC_ECHARTS_JS=/path/to/echarts.min.js   use a local copy (offline builds)
set(MC_ECHARTS_VERSION 5.6.0)
# The npm registry's published integrity of the release tarball, in hex.
set(MC_ECHARTS_TGZ_SHA512 a136d54ec5df2ae121c5fb47a8be71a6b80ba1cd24eee49c030b6bc8281617a84f6052d1c0e50788598718204a3f934f14d903568a4e89ec94a98187f056b790)
# The tarball's dist/echarts.min.js.
set(MC_ECHARTS_JS_SHA512 5d299b5f79a1ac3da2c797d73d34506f61702b6dac44c5504e904fd9a73c857ec387feb4e610364037a0556880bd93e25c8c4e57409b9265231a2a270e96c29b)
set(MC_ECHARTS_JS "" CACHE FILEPATH "a local echarts.min.js ${MC_ECHARTS_VERSION} instead of the download")

set(echarts_dir ${PROJECT_BINARY_DIR}/echarts-${MC_ECHARTS_VERSION})
if(MC_ECHARTS_JS)
  file(SHA512 ${MC_ECHARTS_JS} sha)
  if(NOT sha STREQUAL MC_ECHARTS_JS_SHA512)
    message(FATAL_ERROR "MC_ECHARTS_JS=${MC_ECHARTS_JS} is not echarts.min.js ${MC_ECHARTS_VERSION} (SHA-512 differs)")
  endif()
  set(echarts_js ${MC_ECHARTS_JS})
  # The licence and notice beside it, as the release's package/ has them.
  get_filename_component(js_dir ${MC_ECHARTS_JS} DIRECTORY)
  set(echarts_license "")
  foreach(f LICENSE NOTICE)
    if(EXISTS ${js_dir}/../${f})
      list(APPEND echarts_license ${js_dir}/../${f})
    else()
      message(WARNING "MC_ECHARTS_JS: no ${f} in ${js_dir}/..: install it beside echarts.min.js "
                      "under share/maskcast/echarts yourself (Apache License 2.0)")
    endif()
  endforeach()
else()
  set(echarts_js ${echarts_dir}/package/dist/echarts.min.js)
  set(echarts_license ${echarts_dir}/package/LICENSE ${echarts_dir}/package/NOTICE)
  if(NOT EXISTS ${echarts_js})
    set(tgz ${echarts_dir}/echarts-${MC_ECHARTS_VERSION}.tgz)
    file(DOWNLOAD https://registry.npmjs.org/echarts/-/echarts-${MC_ECHARTS_VERSION}.tgz ${tgz}
         EXPECTED_HASH SHA512=${MC_ECHARTS_TGZ_SHA512} STATUS status TLS_VERIFY ON
         TIMEOUT 300 INACTIVITY_TIMEOUT 60)
    list(GET status 0 code)
    if(NOT code EQUAL 0)
      file(REMOVE ${tgz})
      message(FATAL_ERROR "cannot download Apache ECharts ${MC_ECHARTS_VERSION} for the reports "
                          "(${status}); give a local copy with -DMC_ECHARTS_JS=/path/to/echarts.min.js")
    endif()
    file(ARCHIVE_EXTRACT INPUT ${tgz} DESTINATION ${echarts_dir}
         PATTERNS package/dist/echarts.min.js package/LICENSE package/NOTICE)
    file(SHA512 ${echarts_js} sha)
    if(NOT sha STREQUAL MC_ECHARTS_JS_SHA512)
      message(FATAL_ERROR "${echarts_js}: SHA-512 differs from the release's")
    endif()
  endif()
endif()

# embed_file runs at build time: built without the project's sanitizer and
# fuzzer flags, which a build tool has no use for.
add_executable(mc_embed_file cmake/embed_file.c)
set_property(TARGET mc_embed_file PROPERTY COMPILE_OPTIONS "")
set_property(TARGET mc_embed_file PROPERTY LINK_OPTIONS "")
set(template ${PROJECT_SOURCE_DIR}/src/cli/report_template.html)
set(assets ${PROJECT_BINARY_DIR}/report_template.c ${PROJECT_BINARY_DIR}/report_library.c)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/report_template.c
  COMMAND mc_embed_file ${template} ${PROJECT_BINARY_DIR}/report_template.c mc_report_template
  DEPENDS mc_embed_file ${template} VERBATIM)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/report_library.c
  COMMAND mc_embed_file ${echarts_js} ${PROJECT_BINARY_DIR}/report_library.c mc_report_library
  DEPENDS mc_embed_file ${echarts_js} VERBATIM)
add_library(mc_report_assets STATIC ${assets})
set(MC_ECHARTS_JS_PATH ${echarts_js})
set(MC_REPORT_TEMPLATE ${template})

include(GNUInstallDirs)
install(FILES ${template} DESTINATION ${CMAKE_INSTALL_DATADIR}/maskcast)
install(FILES ${echarts_js} DESTINATION ${CMAKE_INSTALL_DATADIR}/maskcast/echarts)
if(echarts_license)
  install(FILES ${echarts_license} DESTINATION ${CMAKE_INSTALL_DATADIR}/maskcast/echarts)
endif()
