# The CUDA backend (included by the top-level CMakeLists.txt before the rooms, because
# enable_language must run in the directory that links every CUDA-using target).
#   -DSWITCHYARD_CUDA=AUTO (default): build it when a CUDA toolkit (nvcc on PATH, CUDACXX or
#                                     /usr/local/cuda) AND an NVIDIA driver are present, so
#                                     the binary can use a GPU; else the CPU-only binary.
#   -DSWITCHYARD_CUDA=TOOLKIT:        build it whenever the toolkit exists, driver or not
#                                     (the test command and CI: the backend is compile-checked
#                                     on machines without a GPU; its tests then skip).
#   -DSWITCHYARD_CUDA=ON:  as TOOLKIT, but fail the configure without a toolkit.
#   -DSWITCHYARD_CUDA=OFF: never build it.
# Kernels are compiled for Ampere (sm_80) and Hopper (sm_90), with PTX for newer GPUs.
set(SWITCHYARD_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO, TOOLKIT, ON or OFF")
set_property(CACHE SWITCHYARD_CUDA PROPERTY STRINGS AUTO TOOLKIT ON OFF)
set(switchyard_cuda_wanted ${SWITCHYARD_CUDA})
if(SWITCHYARD_CUDA STREQUAL "AUTO")
  # The driver: its kernel module's version file, or the user-space libcuda.so.1 (not the
  # toolkit's link stub).
  find_library(SWITCHYARD_LIBCUDA NAMES libcuda.so.1 cuda
               PATHS /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 NO_DEFAULT_PATH)
  if(NOT EXISTS /proc/driver/nvidia/version AND NOT SWITCHYARD_LIBCUDA)
    message(STATUS "switchyard: no NVIDIA driver, building the CPU-only engine (-DSWITCHYARD_CUDA=TOOLKIT builds the CUDA backend anyway)")
    set(switchyard_cuda_wanted OFF)
  endif()
endif()
set(SWITCHYARD_HAVE_CUDA OFF)
if(NOT switchyard_cuda_wanted STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    # nvcc has no C++23 (the .cu files include only C++20 headers). CMake 3.25 does not know
    # nvcc 13's dialect flags, so they are given here.
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_EXTENSIONS OFF)
    set(SWITCHYARD_HAVE_CUDA ON)
    message(STATUS "switchyard: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(SWITCHYARD_CUDA STREQUAL "ON")
    message(FATAL_ERROR "SWITCHYARD_CUDA=ON but no CUDA compiler was found (set CUDACXX or install the toolkit)")
  else()
    message(STATUS "switchyard: no CUDA toolkit found, building the CPU-only engine")
  endif()
endif()
