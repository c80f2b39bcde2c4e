#include <stdio.h>
#include <string.h>

#include "simframe.h"

uint64_t
sim_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t
sim_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static uint64_t
frame_seed(uint64_t seed, const char *device, uint64_t n)
{
	return sim_mix(seed ^ sim_mix(sim_hash(device) ^ sim_mix(n)));
}

size_t
sim_frame_size(uint64_t seed, const char *device, uint64_t n, size_t base)
{
	/* base .. 1.5 * base, so that frames differ in length too. */
	return base + (size_t)(frame_seed(seed, device, n) % (base / 2 + 1));
}

size_t
sim_frame(uint64_t seed, const char *device, uint64_t n, size_t base,
          uint8_t *out, size_t cap)
{
	size_t len = sim_frame_size(seed, device, n, base), off;
	uint64_t x = frame_seed(seed, device, n);
	char com[128];
	int c;

	c = snprintf(com, sizeof(com), SIM_TRUTH "%s frame=%llu ", device,
	             (unsigned long long)n);
	if (c < 0 || (size_t)c >= sizeof(com) || len > cap || len < (size_t)c + 8)
		return 0;
	/* SOI, then a COM segment holding the truth, then noise, then EOI. */
	memcpy(out, "\xff\xd8\xff\xfe", 4);
	out[4] = (uint8_t)((c + 2) >> 8);
	out[5] = (uint8_t)(c + 2);
	memcpy(out + 6, com, (size_t)c);
	for (off = 6 + (size_t)c; off < len - 2; off++) {
		if ((off & 7) == 0)
			x = sim_mix(x);
		out[off] = (uint8_t)(x >> ((off & 7) * 8));
	}
	out[len - 2] = 0xff;
	out[len - 1] = 0xd9;
	return len;
}

int
sim_truth(const uint8_t *p, size_t len, char *device, uint64_t *n)
{
	static const char tag[] = SIM_TRUTH;
	size_t i = 6 + sizeof(tag) - 1, d = 0;
	uint64_t v = 0;

	if (len < i || memcmp(p + 6, tag, sizeof(tag) - 1) != 0)
		return -1;
	while (i < len && p[i] != ' ' && d < SIM_DEVICE_MAX)
		device[d++] = (char)p[i++];
	device[d] = '\0';
	if (d == 0 || i + 7 > len || memcmp(p + i, " frame=", 7) != 0)
		return -1;
	for (i += 7; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	*n = v;
	return 0;
}
