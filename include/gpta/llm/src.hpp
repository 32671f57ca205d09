// Include in exactly one translation unit of a program built with GPTA_LLM_SEPARATE_COMPILATION
// defined on every translation unit: it compiles the transport's coroutines once (see
// gpta/llm/detail/separate_compilation.hpp). The project's own build does this in the
// gpta::llm_compiled library (CMake option GPTA_LLM_SEPARATE_COMPILATION).
#pragma once

#if !defined(GPTA_LLM_SEPARATE_COMPILATION)
#error "gpta/llm/src.hpp: define GPTA_LLM_SEPARATE_COMPILATION on every translation unit (or do not include this file: the transport is header-only without it)"
#endif

#include <gpta/llm/detail/http_connection.hpp>
#include <gpta/llm/openai_transport.hpp>

#include <gpta/llm/impl/http_connection.ipp>
#include <gpta/llm/impl/openai_transport.ipp>
