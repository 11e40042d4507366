/* tests/expect.h -- the variant a test run asked for, and the one bound
 * SPDX-License-Identifier: MIT
 */
#ifndef QK256_TESTS_EXPECT_H
#define QK256_TESTS_EXPECT_H

/* Compares bound, the name qk256_implementation() gave, with the variant
 * that QK256_EXPECT_IMPL asks for (tests/run-variant sets it).  Returns 0
 * when the run should go on: nothing is asked, or the variant asked for is
 * bound.  Otherwise prints why and returns the exit status: 77 (SKIP) when
 * this build or CPU does not have the variant, or when nothing could make
 * the loader choose it, 1 (FAIL) when the environment selected it
 * (QK256_EXPECT_FORCED=1) and another variant was bound. */
int expect_bound(const char *bound);

#endif /* QK256_TESTS_EXPECT_H */
