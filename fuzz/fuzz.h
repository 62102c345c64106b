/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the harnesses share. Each fuzz/NAME.c is one libFuzzer harness.
 *
 * The parsers of policy, site, group and state files read paths, not
 * memory: a harness writes its input into files first. The input may stand
 * for several files, separated by NUL bytes (which no text file holds), so
 * that includes and group files are fuzzed too: part 0 goes to names[0],
 * part 1 to names[1], ... and the last name takes the rest, NULs and all.
 */
#ifndef EDGEFW_FUZZ_H
#define EDGEFW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer calls it with each input; 0, or -1: not worth keeping. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* This process's own directory in /dev/shm, or /tmp (made once, removed
 * at exit). */
const char *fuzz_dir(void);

/* fuzz_dir()/name in a static buffer. */
const char *fuzz_path(const char *name);

/*
 * Writes the parts of data (see above) to the n files of `names` in
 * fuzz_dir(), mode 0644; names without a part are removed, so no file is
 * left over from the input before. Aborts on a failure to write.
 */
void fuzz_write_files(const uint8_t *data, size_t size,
		      const char *const *names, size_t n);

/*
 * Whether a file the input names could lie outside fuzz_dir(): an
 * absolute path (a '"' followed by '/') or "..". Such inputs are not run,
 * so that the fuzzer never opens the machine's own files (a device, a
 * FIFO that blocks).
 */
int fuzz_names_outside(const uint8_t *data, size_t size);

/*
 * Prints the diagnostics a parser gave when EDGEFW_FUZZ_SHOW is set (to
 * see what a saved input does: EDGEFW_FUZZ_SHOW=1 build/fuzz/NAME FILE),
 * and frees them.
 */
struct ef_diags;
void fuzz_diags_done(struct ef_diags *d);

#endif
