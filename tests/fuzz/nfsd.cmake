# nfsd/'s fuzz targets, included by tests/fuzz/CMakeLists.txt.  Corpora:
# tests/fuzz/corpus/nfs3_args/ and mount_args/, seeded by
# tests/unit/nfsd/fuzz_corpus_writer_test.cc.
loopfs_add_fuzzer(NAME nfs3_args SOURCES ${CMAKE_CURRENT_LIST_DIR}/nfs3_args_fuzz.cc
                  LIBS loopfs_nfsd loopfs_layers)
loopfs_add_fuzzer(NAME mount_args SOURCES ${CMAKE_CURRENT_LIST_DIR}/mount_args_fuzz.cc
                  LIBS loopfs_nfsd loopfs_layers)
