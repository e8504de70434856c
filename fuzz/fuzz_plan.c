/* fuzz_plan.c - libFuzzer harness: the plan loader and verifier, then binding and a
 * decision, on arbitrary bytes. A plan that verifies must never crash the runtime.
 *
 * Each input is tried as it is, and "sealed": its size field and SHA-256 trailer made
 * right, as a crafted plan would have them. Without that almost every mutation of a
 * real plan stops at the checksum, and the section, string and instruction checks
 * behind it are never reached. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "decide.h"
#include "plan.h"
#include "plan_format.h"
#include "sha256.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static int one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	if (size < PLAN_HEADER_SIZE + PLAN_TRAILER_SIZE || size > (64u << 20))
		return 0;
	uint8_t *b = malloc(size);
	if (!b)
		return 0;
	memcpy(b, data, size);
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)((uint64_t)size >> (8 * i));
	sha256(b, size - PLAN_TRAILER_SIZE, b + size - PLAN_TRAILER_SIZE);
	one(b, size);
	free(b);
	return 0;
}

static int one(const uint8_t *data, size_t size)
{
	struct plan p;
	struct plan_error e;
	if (plan_parse(data, size, &p, &e) != PLAN_OK)
		return 0;
	int rootfd = open("/nonexistent-fuzz-root", O_RDONLY | O_DIRECTORY);
	struct rt_user u = {.name = "alice", .uid = 1000, .gid = 1000, .home = "/home/alice"};
	struct rt_env env = {.rootfd = rootfd, .users = &u, .nusers = 1, .phase = PHASE_SCAN,
			     .os_release = "6.1.0"};
	struct rt_bound b;
	char err[256];
	if (rt_bind(&p, &env, &b, err, sizeof err) == 0) {
		struct rt_cands c = {0};
		struct vm_obj o = {.dir = "/home/alice/Documents", .dirlen = 21, .name = "a.txt", .namelen = 5};
		struct decision d;
		if (rt_candidates(&b, o.dir, o.dirlen, &c) == 0)
			(void)rt_decide(&b, &c, &o, NULL, &d);
		rt_cands_free(&c);
		rt_unbind(&b);
	}
	if (rootfd >= 0)
		close(rootfd);
	return 0;
}
