/* bench-floor ROOT PROGRAM [ARG...]
 *
 * The bare syscall sequence of `nook --unshare-pid --no-init --root ROOT
 * --proc /proc --tmpfs /dev -- PROGRAM`: the floor that scripts/bench
 * measures nook's launch latency against. No option parsing, no checks beyond
 * the return codes, no cleanup; PROGRAM is exec'd as PID 1 of the new PID
 * namespace. Built static: musl-gcc -O2 -static bench-floor.c.
 * bench-floor-init.c is the same with a PID-1 parent kept around. */
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

int main(int argc, char **argv) {
    char map[64];
    int status;
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
        execv(argv[2], argv + 2);
        die("execv");
    }
    if (waitpid(pid, &status, 0) < 0) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
