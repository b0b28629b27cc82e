// SPDX-License-Identifier: GPL-2.0
/*
 * Logic-free C accessors for what the 6.12 kernel crate cannot reach:
 * static inline functions bindgen does not see. Every decision stays in
 * Rust (sys.rs declares these and wraps them safely).
 */
#include <linux/tracepoint.h>

void falco_tracepoint_sync(void);

/* tracepoint_synchronize_unregister() is static inline. */
void falco_tracepoint_sync(void)
{
	tracepoint_synchronize_unregister();
}
