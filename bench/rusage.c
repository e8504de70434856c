/* rusage.c - run a command and report what that process alone cost.
 *
 * usage: rusage OUT CMD [ARG...]
 * Writes "wall_s cpu_s maxrss_kib exit_code user_s" to OUT (cpu = user + sys). The child is
 * fork()ed from this small program, so the peak RSS the kernel reports for it starts from this
 * program's own footprint (well under 2 MiB) and not from the benchmark driver's: exec() records
 * the high-water mark of the address space it replaces, which for a child spawned
 * straight from Python (vfork + exec) is the whole interpreter. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUT CMD [ARG...]\n");
		return 2;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	double cpu = user + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(f, "%.6f %.6f %ld %d %.6f\n", wall, cpu, ru.ru_maxrss, code, user);
	return fclose(f) == 0 ? 0 : 2;
}
