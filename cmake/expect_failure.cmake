# cmake -P script: run CMD (a ;-list), pass only if it exits non-zero AND its output matches
# EXPECT. Used by must-fail compile tests (the static_assert text users will read) and by
# command-line tests (one-line errors naming the bad flag).
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "expected failure, but it succeeded: ${CMD}\n${out}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "failed (${rc}) but without the expected message '${EXPECT}':\n${out}${err}")
endif()
message(STATUS "failed as expected (${rc}), with '${EXPECT}'")
