# layers/automount's fuzz targets, included by tests/fuzz/CMakeLists.txt.  Corpus:
# tests/fuzz/corpus/automount_map/.
loopfs_add_fuzzer(NAME automount_map
                  SOURCES ${CMAKE_CURRENT_LIST_DIR}/automount_map_fuzz.cc
                  LIBS loopfs_automount_maps)
