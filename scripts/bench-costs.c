/* bench-costs NOOK ROUNDS: what the pieces of a launch cost on this
 * machine, for scripts/bench-profile's section. Medians over ROUNDS, printed
 * as "NAME VALUE UNIT" lines:
 *
 *   copy        nook's sealed copy as src/setup/selfcopy.rs makes it: open
 *               NOOK, memfd_create (MFD_EXEC), sendfile until 0, F_ADD_SEALS,
 *               close (µs)
 *   exec-memfd  fork + execveat of that copy (`nook --version`) + waitpid (µs)
 *   exec-file   fork + execve of NOOK itself, the same (µs)
 *   syscall     one getppid(2) (ns)
 *   fault       the first write to a fresh anonymous page (ns; a stack page
 *               that a probe touches costs the same)
 *
 * Built static: musl-gcc -O2 -static bench-costs.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static long long median(long long *v, int n) {
    qsort(v, n, sizeof *v, compare);
    return v[n / 2];
}

/* fork, exec (from FD if FD >= 0, else PATH) `nook --version` to
 * /dev/null, wait: the ns it took. */
static long long spawn(int fd, const char *path) {
    char *argv[] = {"nook", "--version", NULL};
    char *envp[] = {NULL};
    long long t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        if (fd >= 0) syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
        else execve(path, argv, envp);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    if (status != 0) { fprintf(stderr, "bench-costs: nook --version failed\n"); exit(1); }
    return now() - t0;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: bench-costs NOOK ROUNDS\n"); return 2; }
    const char *nook = argv[1];
    int rounds = atoi(argv[2]);
    long long *copy = malloc(rounds * sizeof *copy), *from_memfd = malloc(rounds * sizeof *copy),
              *from_file = malloc(rounds * sizeof *copy);
    for (int i = 0; i < rounds; i++) {
        long long t0 = now();
        int exe = open(nook, O_RDONLY | O_CLOEXEC);
        int memfd = memfd_create("nook", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10 /* MFD_EXEC */);
        if (exe < 0 || memfd < 0) { perror("bench-costs"); return 1; }
        while (sendfile(memfd, exe, NULL, 1 << 20) > 0) {}
        fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
        close(exe);
        copy[i] = now() - t0;
        /* Alternate the two execs so that drift hits both. */
        from_memfd[i] = spawn(memfd, NULL);
        from_file[i] = spawn(-1, nook);
        close(memfd);
    }
    const int calls = 200000;
    long long t0 = now();
    for (int i = 0; i < calls; i++) syscall(SYS_getppid);
    long long syscall_ns = (now() - t0) / calls;
    const long pages = 20000;
    volatile char *fresh = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED) { perror("mmap"); return 1; }
    t0 = now();
    for (long i = 0; i < pages; i++) fresh[i * 4096] = 1;
    long long fault_ns = (now() - t0) / pages;
    printf("copy %.1f us\n", median(copy, rounds) / 1e3);
    printf("exec-memfd %.1f us\n", median(from_memfd, rounds) / 1e3);
    printf("exec-file %.1f us\n", median(from_file, rounds) / 1e3);
    printf("syscall %lld ns\n", syscall_ns);
    printf("fault %lld ns\n", fault_ns);
    return 0;
}
