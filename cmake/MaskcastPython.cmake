# cmake --install puts the Python package (python/: pyproject.toml and the
# pure-Python maskcast/) into DATADIR/maskcast/python, so that either
#   pip install PREFIX/share/maskcast/python       (a venv, or the user's site)
# or
#   PYTHONPATH=PREFIX/share/maskcast/python python3 ...
# imports it; and writes maskcast/_config.py there, recording where this
# install put libmaskcast (evaluated at install time, so that
# `cmake --install --prefix DIR` records DIR). pip copies _config.py along,
# so an installed package still finds the prefix's library (docs/PYTHON.md).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/python/ DESTINATION ${CMAKE_INSTALL_DATADIR}/maskcast/python
        FILES_MATCHING PATTERN "*.py" PATTERN "pyproject.toml" PATTERN "README.md"
        PATTERN "__pycache__" EXCLUDE PATTERN "build" EXCLUDE PATTERN "*.egg-info" EXCLUDE)
set(MC_PYTHON_SONAME libmaskcast.so.${PROJECT_VERSION_MAJOR})
install(CODE "
  set(_mc_libdir \"${CMAKE_INSTALL_LIBDIR}\")
  if(NOT IS_ABSOLUTE \"\${_mc_libdir}\")
    set(_mc_libdir \"\${CMAKE_INSTALL_PREFIX}/\${_mc_libdir}\")
  endif()
  set(_mc_datadir \"${CMAKE_INSTALL_DATADIR}\")
  if(NOT IS_ABSOLUTE \"\${_mc_datadir}\")
    set(_mc_datadir \"\${CMAKE_INSTALL_PREFIX}/\${_mc_datadir}\")
  endif()
  set(_mc_config \"\$ENV{DESTDIR}\${_mc_datadir}/maskcast/python/maskcast/_config.py\")
  message(STATUS \"Installing: \${_mc_config}\")
  file(WRITE \"\${_mc_config}\"
    \"# Written by cmake --install: the library this install of maskcast put in place.\\n\"
    \"LIBRARY = '\${_mc_libdir}/${MC_PYTHON_SONAME}'\\n\")
")
