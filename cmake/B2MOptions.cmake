# Warning and tuning flags shared by every b2m target.
add_library(b2m_options INTERFACE)
target_compile_options(b2m_options INTERFACE
  -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)
if(B2M_NATIVE)
  # The runtime's kernels rely on the host's vector units (AVX2/AVX-512).
  target_compile_options(b2m_options INTERFACE -march=native)
endif()

# b2m_add_unit_test(NAME SOURCES... [LIBS ...])
# A GoogleTest executable registered with ctest (one ctest entry per test case).
function(b2m_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main b2m_options ${ARG_LIBS})
  # Helpers shared by tests (and benchmarks): tests/support.
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
  target_compile_definitions(${name} PRIVATE
    B2M_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    B2M_SHARED_DIR="${CMAKE_SOURCE_DIR}/../shared"
    B2M_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
