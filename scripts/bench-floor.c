/* bench-floor ROOT PROGRAM [ARG...]
 *
 * The bare syscall sequence of `nook --unshare-pid --no-init --root ROOT
 * --proc /proc --tmpfs /dev -- PROGRAM`: the floor that scripts/bench
 * measures nook's launch latency against. No option parsing, no checks beyond
 * the return codes, no cleanup; PROGRAM is exec'd as PID 1 of the new PID
 * namespace.
 *
 * Built with -DKEEP_INIT it is the floor of nook's default `--unshare-pid`
 * (an init kept as PID 1): PID 1 forks once more, the grandchild execs
 * PROGRAM, and PID 1 waits for it (reaping anything else that dies on the
 * way) and exits with its status. No signal forwarding: a floor, not a
 * usable init.
 *
 * Built static: musl-gcc -O2 -static [-DKEEP_INIT] bench-floor.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) { perror(what); _exit(125); }

/* Write the whole of S to PATH (the id maps and setgroups). */
static void put(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) die(path);
    close(fd);
}

/* Wait for PID, reaping every other child on the way; its exit code. */
static int wait_for(pid_t pid) {
    int status;
    pid_t got;
    do {
        got = wait(&status);
        if (got < 0) die("wait");
    } while (got != pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    char map[64];
    if (argc < 3) { fputs("usage: bench-floor ROOT PROGRAM [ARG...]\n", stderr); return 2; }
    unsigned uid = getuid(), gid = getgid();
    /* User, mount and PID namespace; the caller's ids become 0 inside. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)) die("unshare");
    snprintf(map, sizeof map, "0 %u 1\n", uid);
    put("/proc/self/uid_map", map);
    put("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1\n", gid);
    put("/proc/self/gid_map", map);
    pid_t pid = fork();                      /* the child is PID 1 */
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) die("private");
        if (mount(argv[1], argv[1], NULL, MS_BIND | MS_REC, NULL)) die("bind root");
        if (chdir(argv[1])) die("chdir root");
        if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) die("proc");
        if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=0755")) die("dev");
        if (syscall(SYS_pivot_root, ".", ".")) die("pivot_root");
        if (umount2(".", MNT_DETACH)) die("umount old root");
        if (chdir("/")) die("chdir /");
#ifdef KEEP_INIT
        pid_t prog = fork();                 /* PID 2: PROGRAM */
        if (prog < 0) die("fork");
        if (prog == 0) {
            execv(argv[2], argv + 2);
            die("execv");
        }
        _exit(wait_for(prog));               /* PID 1 stays until it exits */
#else
        execv(argv[2], argv + 2);            /* PROGRAM is PID 1 */
        die("execv");
#endif
    }
    return wait_for(pid);
}
