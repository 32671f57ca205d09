// The library version, from CMake's project() when built through the gpta targets.
// Header-only users outside CMake get "unknown" rather than a compile error.
#pragma once

#ifdef GPTA_VERSION_STRING
#define GPTA_VERSION_STRING_OR_UNKNOWN GPTA_VERSION_STRING
#else
#define GPTA_VERSION_STRING_OR_UNKNOWN "unknown"
#endif
