# The Python module's dependencies (included by the top-level CMakeLists.txt before EVSNN_PYTHON is
# declared): sets evsnn_python_found when pybind11 (Debian's pybind11-dev) and the development files of
# a Python 3 (python3-dev) are found, and evsnn_python_default (found, and not EVSNN_SANITIZE). The
# interpreter is the first python3 on PATH (then /usr/bin/python3) that imports numpy, unless
# -DPython3_EXECUTABLE=... names one: the module is built for it and its tests run with it (a python3
# without numpy, e.g. a bare pyenv one, cannot run them).
set(evsnn_python_found OFF)
if(NOT DEFINED Python3_EXECUTABLE AND NOT EVSNN_SANITIZE)
  string(REPLACE ":" ";" evsnn_path_dirs "$ENV{PATH}")
  foreach(dir IN LISTS evsnn_path_dirs ITEMS /usr/bin)
    if(EXISTS "${dir}/python3")
      execute_process(COMMAND "${dir}/python3" -c "import numpy" RESULT_VARIABLE evsnn_numpy_rc OUTPUT_QUIET ERROR_QUIET)
      if(evsnn_numpy_rc EQUAL 0)
        set(Python3_EXECUTABLE "${dir}/python3" CACHE FILEPATH "Python interpreter of the evsnn module and its tests")
        break()
      endif()
    endif()
  endforeach()
endif()
find_package(Python3 COMPONENTS Interpreter Development.Module)
find_package(pybind11 CONFIG QUIET)
if(Python3_Development.Module_FOUND AND pybind11_FOUND)
  set(evsnn_python_found ON)
endif()
# EVSNN_PYTHON's default: found, and not a sanitizer build.
set(evsnn_python_default OFF)
if(evsnn_python_found AND NOT EVSNN_SANITIZE)
  set(evsnn_python_default ON)
endif()
