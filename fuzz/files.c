// SPDX-License-Identifier: GPL-2.0-or-later
/* The files a harness writes its input into; see fuzz.h. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fuzz.h"

/*
 * In memory (tmpfs) where there is one: a disk's metadata writes would
 * cost most of the time of an input. Named after the pid, so that
 * fuzz/run.sh can remove it after a crash. Both are sticky directories of
 * root's, which read_config_file accepts above our own.
 */
static const char *const parents[] = { "/dev/shm", "/tmp" };
static char dir[64];

/* The harnesses write plain files only, never a subdirectory. */
static void remove_dir(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

const char *fuzz_dir(void)
{
	if (dir[0])
		return dir;
	for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/edgefw-fuzz.%ld.XXXXXX",
			 parents[i], (long)getpid());
		if (mkdtemp(dir)) {
			atexit(remove_dir);
			return dir;
		}
	}
	perror("fuzz: mkdtemp");
	abort();
}

const char *fuzz_path(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	return path;
}

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	/* fchmod: whatever the umask, a file only we may write. */
	if (fd < 0 || fchmod(fd, 0644)) {
		perror(path);
		abort();
	}
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n <= 0) {
			perror(path);
			abort();
		}
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

void fuzz_write_files(const uint8_t *data, size_t size,
		      const char *const *names, size_t n)
{
	const uint8_t *end = data + size;
	size_t i = 0;

	for (; i < n && data; i++) {
		const uint8_t *nul = i + 1 < n ? memchr(data, 0, end - data) :
						 NULL;
		const uint8_t *stop = nul ? nul : end;

		write_file(names[i], data, (size_t)(stop - data));
		data = nul ? nul + 1 : NULL;
	}
	for (; i < n; i++)
		unlink(fuzz_path(names[i]));
}

int fuzz_names_outside(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 1 < size; i++)
		if ((data[i] == '"' && data[i + 1] == '/') ||
		    (data[i] == '.' && data[i + 1] == '.'))
			return 1;
	return 0;
}

void fuzz_diags_done(struct ef_diags *d)
{
	char *text = ef_diags_format(d);

	if (text && getenv("EDGEFW_FUZZ_SHOW"))
		fputs(text, stderr);
	free(text);
	ef_diags_free(d);
}
