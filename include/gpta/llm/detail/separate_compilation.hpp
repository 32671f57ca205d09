// Header-only by default. A program that includes the transport in many translation units may
// define GPTA_LLM_SEPARATE_COMPILATION on all of them and include <gpta/llm/src.hpp> in exactly
// one: the transport's coroutines (Beast's HTTP/TLS state machines, ~15 s of g++ per translation
// unit) are then compiled once instead of in every file that makes a call.
#pragma once

#if defined(GPTA_LLM_SEPARATE_COMPILATION)
#define GPTA_LLM_DECL
#else
#define GPTA_LLM_DECL inline
#endif
