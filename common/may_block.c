/* may_block.c - the hook behind may_block(); see may_block.h. */
#include "may_block.h"

#include <stdatomic.h>
#include <stddef.h>

static _Atomic(void (*)(void)) hook;

void may_block_set_hook(void (*h)(void))
{
	atomic_store(&hook, h);
}

void may_block(void)
{
	void (*h)(void) = atomic_load_explicit(&hook, memory_order_acquire);

	if (h != NULL)
		h();
}
