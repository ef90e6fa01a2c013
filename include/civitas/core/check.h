#pragma once

#include <cstdio>
#include <cstdlib>

// Invariant checks. Never use them on input or the environment: those get a Status.
#define CIVITAS_CHECK(cond)                                                          \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: CIVITAS_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (false)

#ifdef NDEBUG
#define CIVITAS_DCHECK(cond) \
  do {                       \
  } while (false)
#else
#define CIVITAS_DCHECK(cond) CIVITAS_CHECK(cond)
#endif
