if(LOOPFS_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(${_san})
  add_compile_definitions(LOOPFS_SANITIZED=1)
endif()

# The fuzz build (clang-14 only): every library is instrumented for libFuzzer
# coverage and checked by ASan+UBSan; fuzz targets link -fsanitize=fuzzer.
if(LOOPFS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LOOPFS_FUZZ needs clang: CC=clang-14 CXX=clang++-14 cmake ...")
  endif()
  set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
            -fno-omit-frame-pointer -gline-tables-only -O1)
  add_compile_options(${_fuzz})
  add_link_options(-fsanitize=address,undefined)
endif()
