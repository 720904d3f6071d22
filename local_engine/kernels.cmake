# Kernel flags and ISA dispatch for switchyard_local_engine (included by CMakeLists.txt).
# Baseline: x86-64-v3 (AVX2, FMA, F16C) for the whole engine. The AVX-512 kernels live in
# their own translation unit with their own flags and are only called when cpu_features()
# reports AVX-512 F/BW/VL/VNNI at run time.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(switchyard_local_engine PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-mavx2 -mfma -mf16c -mbmi2>)
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/cpu/kernels_avx512.cpp PROPERTIES
    COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni")
  target_compile_definitions(switchyard_local_engine PRIVATE SWITCHYARD_X86=1)
endif()
