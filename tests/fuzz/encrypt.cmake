# layers/encrypt's fuzz targets, included by tests/fuzz/CMakeLists.txt.  Corpora:
# tests/fuzz/corpus/encrypt_block_open/, encrypt_name_decrypt/, encrypt_vault_config/.
loopfs_add_fuzzer(NAME encrypt_block_open
                  SOURCES ${CMAKE_CURRENT_LIST_DIR}/encrypt_block_open_fuzz.cc
                  LIBS loopfs_encrypt_core)
loopfs_add_fuzzer(NAME encrypt_name_decrypt
                  SOURCES ${CMAKE_CURRENT_LIST_DIR}/encrypt_name_decrypt_fuzz.cc
                  LIBS loopfs_encrypt_core)
loopfs_add_fuzzer(NAME encrypt_vault_config
                  SOURCES ${CMAKE_CURRENT_LIST_DIR}/encrypt_vault_config_fuzz.cc
                  LIBS loopfs_encrypt_core)
# Corpus: tests/fuzz/corpus/encrypt_keyring/.
loopfs_add_fuzzer(NAME encrypt_keyring
                  SOURCES ${CMAKE_CURRENT_LIST_DIR}/encrypt_keyring_fuzz.cc
                  LIBS loopfs_encrypt_core)
