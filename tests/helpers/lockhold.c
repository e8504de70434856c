/* lockhold.c - hold a file "in use" until killed, for the locked-file tests.
 *
 *   lockhold flock|posix|ofd|write FILE READY
 * takes the lock (or opens FILE for writing), creates READY, then sleeps. The test
 * waits for READY, runs the scan, and kills this process by its pid. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: lockhold flock|posix|ofd|write FILE READY\n");
		return 2;
	}
	const char *mode = argv[1];
	int fd = open(argv[2], strcmp(mode, "write") ? O_RDWR : O_WRONLY | O_APPEND);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int rc = 0;
	if (!strcmp(mode, "flock"))
		rc = flock(fd, LOCK_EX);
	else if (!strcmp(mode, "posix"))
		rc = fcntl(fd, F_SETLK, &fl);
	else if (!strcmp(mode, "ofd"))
		rc = fcntl(fd, F_OFD_SETLK, &fl);
	if (rc) {
		perror("lock");
		return 1;
	}
	int r = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (r < 0) {
		perror(argv[3]);
		return 1;
	}
	close(r);
	for (;;)
		pause();
}
