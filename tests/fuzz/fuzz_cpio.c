/*
 * fuzz_cpio.c - libFuzzer target for lib/cpio.c: cpio_next over the
 * whole input, touching every name and every byte of data it returns.
 * Built and run by make fuzz (tests/fuzz/run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <keel/cpio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
volatile unsigned fuzz_cpio_sink; /* keeps the reads of the data */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct cpio_reader r;
	struct cpio_entry e;
	const char *why = NULL;
	unsigned sum = 0;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	cpio_reader_init(&r, buf, size);
	while ((rc = cpio_next(&r, &e, &why)) == 1) {
		sum += (unsigned)strlen(e.name);
		for (uint64_t i = 0; i < e.size; i++)
			sum += ((const uint8_t *)e.data)[i];
	}
	if (rc != 0 && (rc != -8 || !why)) /* -ENOEXEC with a reason */
		abort();
	fuzz_cpio_sink = sum;
	free(buf);
	return 0;
}
