# cmake -P script: compile SOURCE with COMPILER/FLAGS, pass only if compilation fails AND the
# diagnostics match EXPECT. Used by must-fail tests of concept error messages.
execute_process(COMMAND ${COMPILER} ${FLAGS} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "expected ${SOURCE} to fail to compile, but it compiled")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "compilation of ${SOURCE} failed, but without the expected message '${EXPECT}':\n${err}")
endif()
message(STATUS "failed to compile as expected, with '${EXPECT}'")
