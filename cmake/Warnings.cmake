# One warning set for all project targets; third-party headers are included as
# system headers so their warnings do not fail our build.
set(LOOPFS_WARNINGS -Wall -Wextra -Wnon-virtual-dtor -Wformat=2 -Wimplicit-fallthrough
    -Wno-unused-parameter)
# GCC's spelling; clang (the fuzz build) has no -Wshadow=local.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND LOOPFS_WARNINGS -Wshadow=local)
endif()
# GCC 12 at -O3 reports -Wrestrict inside libstdc++'s std::string for
# ordinary concatenations (GCC bug 105329): a false positive, not ours.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND LOOPFS_WARNINGS -Wno-restrict)
endif()
if(LOOPFS_WERROR)
  list(APPEND LOOPFS_WARNINGS -Werror)
endif()

# loopfs_target_defaults(<target>): warnings for code we write.
function(loopfs_target_defaults target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${LOOPFS_WARNINGS}>
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wno-unused-parameter $<$<BOOL:${LOOPFS_WERROR}>:-Werror>>)
endfunction()
