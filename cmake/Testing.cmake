# civitas_unit_test(NAME SOURCES... LIBS ... LABELS ...)
# One GoogleTest executable, discovered by ctest with the given labels.
function(civitas_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock civitas_warnings)
  # Escape the list so both labels reach the LABELS property.
  string(REPLACE ";" "\\;" labels "${T_LABELS}")
  gtest_discover_tests(${name} PROPERTIES LABELS "${labels}" DISCOVERY_TIMEOUT 60)
endfunction()

# civitas_fuzz_target(NAME SOURCE LIBS ... CORPUS dir)
# With CIVITAS_FUZZ (clang): a libFuzzer binary, run briefly by ctest.
# Otherwise: the same entry point linked to a driver that replays the seed corpus, so every
# build checks the corpus still parses without crashing.
function(civitas_fuzz_target name)
  cmake_parse_arguments(F "" "SOURCE;CORPUS" "LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCE})
  target_link_libraries(${name} PRIVATE ${F_LIBS} civitas_warnings)
  if(CIVITAS_FUZZ)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    add_test(NAME ${name} COMMAND ${name} -max_total_time=20 -timeout=5 ${F_CORPUS})
  else()
    target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz_replay_main.cc)
    add_test(NAME ${name} COMMAND ${name} ${F_CORPUS})
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "fuzz")
endfunction()
