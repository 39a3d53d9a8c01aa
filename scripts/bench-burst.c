/* bench-burst N: an orphan burst for an init to reap, run as its PROGRAM.
 *
 * Forks a child that forks N grandchildren, each blocked in read(2) on a
 * pipe whose write end only this process holds, and exits: the N are
 * orphaned, alive, to the init (PID 1 of a PID namespace, or a child
 * subreaper). Checks that the init now has N + 1 children (the N and this
 * process), then closes the write end, so that all N return from read and
 * exit at once, and polls the init's children (/proc/PPID/task/PPID/children,
 * every 200 µs) until only this process is left: the drain, printed in µs
 * on stdout. Exits 1 if the orphans were not all the init's, or were not
 * reaped within 60 s.
 *
 * The sh-script bursts of tests/init.rs fork a shell per orphan, which
 * takes longer than the reaping it measures; this forks a tiny static
 * process, about 30 µs each, so 10,000 orphans take well under a second to
 * start. Built static: musl-gcc -O2 -static bench-burst.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char children[1 << 20];

/* The number of children of PID (its main thread's), or -1. */
static long count_children(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = 0;
    ssize_t got;
    while (len < sizeof children && (got = read(fd, children + len, sizeof children - len)) > 0)
        len += (size_t)got;
    close(fd);
    long n = 0;
    for (size_t i = 0; i < len; i++)
        if (children[i] == ' ') n++;
    return n;
}

static long long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: bench-burst N\n");
        return 2;
    }
    long n = atol(argv[1]);
    pid_t init = getppid();
    int pipefd[2];
    if (pipe(pipefd) != 0) { perror("pipe"); return 1; }
    pid_t starter = fork();
    if (starter < 0) { perror("fork"); return 1; }
    if (starter == 0) {
        close(pipefd[1]);
        for (long i = 0; i < n; i++) {
            pid_t orphan = fork();
            if (orphan < 0) { perror("fork"); _exit(1); }
            if (orphan == 0) {
                char byte;
                (void)!read(pipefd[0], &byte, 1);
                _exit(0);
            }
        }
        _exit(0);
    }
    close(pipefd[0]);
    int status;
    if (waitpid(starter, &status, 0) != starter || status != 0) {
        fprintf(stderr, "bench-burst: the starter failed (status %#x)\n", status);
        return 1;
    }
    /* Reparented before the starter could be reaped. */
    long have = count_children(init);
    if (have != n + 1) {
        fprintf(stderr, "bench-burst: the init (pid %d) has %ld children, not %ld\n", (int)init, have, n + 1);
        return 1;
    }
    long long t0 = now_us();
    close(pipefd[1]);
    struct timespec pause = {0, 200000};
    while (count_children(init) > 1) {
        if (now_us() - t0 > 60000000LL) {
            fprintf(stderr, "bench-burst: orphans left after 60 s\n");
            return 1;
        }
        nanosleep(&pause, NULL);
    }
    printf("%lld\n", now_us() - t0);
    return 0;
}
